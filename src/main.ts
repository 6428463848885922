import { randomUUID } from 'node:crypto'
import { createDiscordAdapter } from './adapters/discord/discord-adapter.ts'
import { createTelegramAdapter } from './adapters/telegram/telegram-adapter.ts'
import type { Services } from './commands/context.ts'
import { commands } from './commands/index.ts'
import type { Adapter } from './core/chat.ts'
import { type Config, loadConfig, readEnvironment, secretsOf } from './core/config.ts'
import { ConfigError } from './core/errors.ts'
import { createHerald } from './core/herald.ts'
import { createHttpServer, type HttpServer } from './core/http-server.ts'
import { finaliseInterrupted } from './core/inflight.ts'
import { createLogger, type Logger } from './core/log.ts'
import { createServices } from './core/services.ts'

/**
 * config → store → core → adapters; one line per adapter when it is ready; on SIGTERM/SIGINT stop
 * taking new work, let running answers finish for a bounded grace period, finalise the rest, flush
 * the store and logs, exit 0.
 */
export interface Running {
  services: Services
  adapters: Adapter[]
  http?: HttpServer | undefined
  httpPort?: number | undefined
  stop(): Promise<void>
}

export async function startHerald(
  config: Config,
  log: Logger,
  say: (line: string) => void = console.log,
): Promise<Running> {
  const services = await createServices(config, { log })
  const herald = createHerald(services, commands)
  const processId = randomUUID().slice(0, 8)

  let http: HttpServer | undefined
  if (config.httpPort !== undefined) {
    http = createHttpServer({
      metrics: services.metrics,
      log,
      health: [
        { name: 'store', check: () => services.store.ping().then(() => true) },
        ...(['telegram', 'discord'] as const)
          .filter((platform) => config[platform] !== undefined)
          .map((platform) => ({
            name: platform,
            check: () => services.adapters.get(platform)?.healthy() ?? false,
          })),
      ],
    })
  }
  const adapters: Adapter[] = []
  if (config.telegram) {
    const routes = http
      ? {
          route: (path: string, handler: Parameters<HttpServer['route']>[2]) =>
            http.route('POST', path, handler),
        }
      : undefined
    const telegram = createTelegramAdapter({
      config: config.telegram,
      herald,
      commands,
      log: log.child({ platform: 'telegram' }),
      maxImageBytes: config.limits.maxImageBytes,
      ...(routes ? { httpServer: routes } : {}),
    })
    adapters.push(telegram)
  }
  if (config.discord) {
    adapters.push(
      createDiscordAdapter({
        config: config.discord,
        herald,
        commands,
        log: log.child({ platform: 'discord' }),
        handoverNotice: `-# ${services.t('discord.moved')}`,
      }),
    )
  }
  for (const adapter of adapters) services.adapters.set(adapter.platform, adapter)
  let httpPort: number | undefined
  if (http && config.httpPort !== undefined) {
    // Listening before the adapters start: a webhook delivery may follow setWebhook at once.
    httpPort = await http.listen(config.httpPort)
    say(`herald: http listening on :${httpPort} (/healthz, /metrics)`)
  }

  for (const adapter of adapters) {
    await adapter.start()
    say(
      `herald: ${adapter.platform} ready${adapter.platform === 'telegram' && config.telegram?.webhookUrl ? ' (webhook)' : ''}`,
    )
  }
  if (adapters.length === 0)
    say('herald: no platform token set (TELEGRAM_BOT_TOKEN, DISCORD_TOKEN): only the HTTP endpoints run')

  const interrupted = await finaliseInterrupted(
    services.store,
    services.adapters,
    services.t('ask.interrupted'),
    log,
  )
  if (interrupted > 0) log.info({ interrupted }, 'finalised answers interrupted by a restart')
  const resumed = await services.research.resumeAll()
  if (resumed > 0) log.info({ resumed }, 'resumed research jobs')
  log.info(
    { processId, adapters: adapters.map((a) => a.platform), store: services.store.backend },
    'herald started',
  )

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      log.info('stopping: no new work; letting running answers finish')
      await Promise.allSettled(adapters.map((a) => a.stop()))
      const running = services.answers.all()
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref())
      await Promise.race([Promise.allSettled(running.map((a) => a.done)), grace])
      for (const answer of services.answers.all()) answer.controller.abort()
      await Promise.race([
        Promise.allSettled(services.answers.all().map((a) => a.done)),
        new Promise((resolve) => setTimeout(resolve, 5_000).unref()),
      ])
      await services.research.stop()
      await http?.close()
      await services.client.close()
      await services.store.close()
      log.info('stopped')
      await new Promise<void>((resolve) => log.flush(() => resolve()))
    })()
    return stopping
  }
  return { services, adapters, http, httpPort, stop }
}

async function main(): Promise<void> {
  let config: Config
  try {
    config = await loadConfig(readEnvironment())
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
  const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) })
  let running: Running
  try {
    running = await startHerald(config, log)
  } catch (err) {
    const message =
      err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)
    log.fatal({ err }, 'start-up failed')
    await new Promise<void>((resolve) => log.flush(() => resolve()))
    process.stderr.write(`herald: ${message}\n`)
    process.exit(1)
  }
  const onSignal = (signal: string) => {
    log.info({ signal }, 'signal received')
    void running.stop().then(() => process.exit(0))
  }
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('SIGINT', () => onSignal('SIGINT'))
}

if (import.meta.main) void main()
