import { type Config, loadConfig, readEnvironment, secretsOf } from './app/config.ts'
import { type MountedConsole, mountConsole } from './app/console/console.ts'
import type { DiscordShards } from './app/discord-shards.ts'
import { createHerald } from './app/dispatcher.ts'
import { createHttpServer, type HealthCheck, type HealthState, type HttpServer } from './app/http-server.ts'
import { type Backoff, createPlatformSupervisor, type PlatformSupervisor } from './app/platform-supervisor.ts'
import { guardProcess } from './app/process-guard.ts'
import type { Services } from './app/services.ts'
import { createServices } from './app/services.ts'
import { commands } from './commands/index.ts'
import { startHeartbeat } from './core/answers/heartbeat.ts'
import { finaliseInterrupted, startInterruptedSweeper } from './core/answers/interrupted.ts'
import { Interrupted } from './core/answers/run-answer.ts'
import type { Adapter, Platform } from './core/contracts/chat.ts'
import { ConfigError } from './core/contracts/errors.ts'
import { createLogger, type Logger, scrubSecrets } from './core/contracts/log.ts'
import type { SupervisedClient } from './core/contracts/platform.ts'
import { type Language, languageOf, translator } from './core/i18n/i18n.ts'
import type { Store } from './core/store/store.ts'

/**
 * config → store → core → adapters; one line per adapter when it is ready; on SIGTERM/SIGINT stop
 * taking new work, let running answers finish for a bounded grace period, finalise the rest, flush
 * the store and logs, exit 0.
 */
export interface Running {
  services: Services
  adapters: Adapter[]
  /** One per adapter, by platform: the state /healthz and herald_platform_up show. */
  platforms: Map<Platform, PlatformSupervisor>
  http?: HttpServer | undefined
  httpPort?: number | undefined
  stop(): Promise<void>
}

export interface StartOptions {
  /** An already open store (tests: a Redis store under its own key prefix); closed by `stop()` too. */
  store?: Store
  /** Where the lines of Discord shard processes go (tests); by default they share this process's output. */
  shardOutput?: (line: string, shard: number) => void
  /** The platforms' retry delays (tests: milliseconds instead of 1 s doubling to 60 s). */
  platformBackoff?: Partial<Backoff>
}

export async function startHerald(
  config: Config,
  log: Logger,
  say: (line: string) => void = console.log,
  options: StartOptions = {},
): Promise<Running> {
  const services = await createServices(config, { log, ...(options.store ? { store: options.store } : {}) })
  const herald = createHerald(services, commands)
  const { processId } = services
  const cleanups: Array<() => Promise<unknown>> = [() => services.store.close()]
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }

  let http: HttpServer | undefined
  let shards: DiscordShards | undefined
  const adapters: Array<Adapter & SupervisedClient> = []
  // Sharded, this process runs the ShardingManager and each shard's process runs a Discord client.
  const sharding = config.discord && config.discordShards
  const platforms = new Map<Platform, PlatformSupervisor>()
  const supervise = (platform: Platform) => {
    const supervisor = createPlatformSupervisor({
      platform,
      log,
      clock: services.clock,
      ...(options.platformBackoff ? { backoff: options.platformBackoff } : {}),
      scrub: (text) => scrubSecrets(text, secretsOf(config)),
      onChange: (status) => services.metrics.platformUp.set({ platform }, status.state === 'up' ? 1 : 0),
    })
    platforms.set(platform, supervisor)
    return supervisor
  }
  try {
    const heartbeat = await startHeartbeat(services.store, {
      processId,
      ttlMs: config.processHeartbeatMs,
      clock: services.clock,
      log,
    })
    cleanups.push(() => heartbeat.stop())
    let webConsole: MountedConsole | undefined
    if (config.httpPort !== undefined) {
      const health = (): HealthCheck[] => [
        { name: 'store', check: () => services.store.ping().then(() => ({ state: 'up' })) },
        ...(['telegram', 'discord'] as const)
          .filter((platform) => config[platform] !== undefined && !(platform === 'discord' && sharding))
          .map((platform) => ({ name: platform, check: () => platformHealth(platforms.get(platform)) })),
        ...(shards?.checks() ?? []),
      ]
      http = createHttpServer({ metrics: services.metrics, log, health })
      if (config.console) {
        const mounted = mountConsole(http, { services, token: config.console.token, health })
        webConsole = mounted
        cleanups.push(async () => mounted.close())
      }
    }
    if (config.telegram) {
      const server = http
      const routes = server
        ? {
            route: (path: string, handler: Parameters<HttpServer['route']>[2]) =>
              server.route('POST', path, handler),
          }
        : undefined
      // Each platform's library is loaded only when it is configured (discord.js alone is ~55 MB).
      const { createTelegramAdapter } = await import('./adapters/telegram/telegram-adapter.ts')
      adapters.push(
        createTelegramAdapter({
          config: config.telegram,
          herald,
          commands,
          log: log.child({ platform: 'telegram' }),
          maxImageBytes: config.limits.maxImageBytes,
          lanes: services.lanes,
          reporter: supervise('telegram'),
          ...(routes ? { httpServer: routes } : {}),
        }),
      )
    }
    if (config.discord && !sharding) {
      const { createDiscordAdapter } = await import('./adapters/discord/discord-adapter.ts')
      adapters.push(
        createDiscordAdapter({
          config: config.discord,
          herald,
          commands,
          log: log.child({ platform: 'discord' }),
          handoverNotice: (locale) =>
            `-# ${translator(languageOf(services.i18n.rule, locale))('discord.moved')}`,
          lanes: services.lanes,
          reporter: supervise('discord'),
        }),
      )
    }
    for (const adapter of adapters) services.adapters.set(adapter.platform, adapter)
    let httpPort: number | undefined
    if (http && config.httpPort !== undefined) {
      // Listening before the adapters start: a webhook delivery may follow setWebhook at once.
      const server = http
      httpPort = await server.listen(config.httpPort)
      cleanups.push(() => server.close())
      say(`herald: http listening on :${httpPort} (/healthz, /metrics)`)
      if (webConsole)
        say(`herald: console at http://localhost:${httpPort}/console/ (sign in with CONSOLE_TOKEN)`)
    }

    for (const adapter of adapters) {
      const supervisor = platforms.get(adapter.platform)!
      cleanups.push(() => supervisor.stop())
      // A refused token rejects here and stops start-up; trouble that may pass is retried meanwhile.
      await supervisor.start(adapter)
      const status = supervisor.status
      if (status.state === 'retrying') say(`herald: ${adapter.platform} retrying: ${status.reason}`)
      else
        say(
          `herald: ${adapter.platform} ready${adapter.platform === 'telegram' && config.telegram?.webhookUrl ? ' (webhook)' : ''}`,
        )
    }
    if (config.discord && config.discordShards) {
      const { startDiscordShards } = await import('./app/discord-shards.ts')
      shards = await startDiscordShards({
        discord: config.discord,
        count: config.discordShards.count,
        env: config.discordShards.env,
        log: log.child({ platform: 'discord' }),
        stopTimeoutMs: config.shutdownGraceMs + FINALISE_AFTER_ABORT_MS + STOP_SLACK_MS / 2,
        ...(options.shardOutput ? { output: options.shardOutput } : {}),
      })
      const running = shards
      cleanups.push(() => running.stop())
      say(`herald: discord ready (${running.count} shard${running.count === 1 ? '' : 's'}, one process each)`)
    } else if (adapters.length === 0)
      say('herald: no platform token set (TELEGRAM_BOT_TOKEN, DISCORD_TOKEN): only the HTTP endpoints run')

    // Answers left mid-stream by processes that are gone (a crash, this one's predecessor included):
    // now, and periodically for peers that die later.
    const finalise = {
      processId,
      line: (lang: Language | undefined) =>
        (lang ? translator(lang) : services.i18n.fallback)('ask.interrupted'),
      log,
    }
    const interrupted = await finaliseInterrupted(
      services.store,
      services.answers,
      services.adapters,
      finalise,
    )
    if (interrupted > 0) log.info({ interrupted }, 'finalised answers interrupted by a restart')
    const sweeper = startInterruptedSweeper(services.store, services.answers, services.adapters, {
      ...finalise,
      everyMs: 2 * config.processHeartbeatMs,
      clock: services.clock,
    })
    cleanups.push(() => sweeper.stop())
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
        // Shard processes drain their own answers on SIGTERM, alongside this one.
        const shardsStopped = shards?.stop()
        await Promise.allSettled([...platforms.values()].map((p) => p.stop()))
        await settledWithin(
          services.answers.all().map((a) => a.done),
          config.shutdownGraceMs,
        )
        const left = services.answers.all()
        if (left.length > 0) {
          log.info({ answers: left.length }, 'grace period over: finalising the rest as interrupted')
          for (const answer of left) answer.controller.abort(new Interrupted())
          await settledWithin(
            left.map((a) => a.done),
            FINALISE_AFTER_ABORT_MS,
          )
        }
        await shardsStopped
        await sweeper.stop()
        await services.research.stop()
        await heartbeat.stop()
        webConsole?.close()
        await http?.close()
        await services.client.close()
        await services.media.close()
        await services.store.close()
        log.info('stopped')
        await new Promise<void>((resolve) => log.flush(() => resolve()))
      })()
      return stopping
    }
    return { services, adapters, platforms, http, httpPort, stop }
  } catch (err) {
    await cleanUp()
    throw err
  }
}

/** What /healthz shows of a platform: its supervisor's state, with when it began and why. */
function platformHealth(supervisor: PlatformSupervisor | undefined): HealthState {
  if (!supervisor) return { state: 'stopped', reason: 'not started' }
  const { state, since, ...rest } = supervisor.status
  return { state, since: new Date(since).toISOString(), ...rest }
}

/** After the grace period, aborted answers get this long to write their last line. */
const FINALISE_AFTER_ABORT_MS = 5_000
/** Beyond both, how long closing the rest (store, HTTP, logs) may take before the process just exits. */
const STOP_SLACK_MS = 10_000

/** Resolves when every promise settled or after `ms`, whichever comes first. */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  await Promise.race([Promise.allSettled(promises), deadline])
  clearTimeout(timer)
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
  let running: Running | undefined
  // In this process rather than one per platform: one platform's library failure is contained at its
  // boundary and its client rebuilt, without a second Node runtime per platform (README, "When
  // something goes wrong").
  guardProcess({ reporterFor: (platform) => running?.platforms.get(platform), log })
  try {
    running = await startHerald(config, log)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // A bad value the registry reveals (DEFAULT_MODEL, IMAGE_MODEL) is the one line below, like any other.
    if (!(err instanceof ConfigError)) log.fatal({ err }, 'start-up failed')
    await new Promise<void>((resolve) => log.flush(() => resolve()))
    // An adapter's error may quote a URL with the bot token in it (the Bot API's URLs do).
    process.stderr.write(`herald: ${scrubSecrets(message, secretsOf(config)).split('\n')[0]}\n`)
    process.exit(1)
  }
  const onSignal = (signal: string) => {
    log.info({ signal }, 'signal received')
    // A stop that hangs (a store that does not answer) must not keep the process forever.
    const limitMs = config.shutdownGraceMs + FINALISE_AFTER_ABORT_MS + STOP_SLACK_MS
    setTimeout(() => {
      process.stderr.write(`herald: did not stop within ${limitMs} ms; exiting anyway\n`)
      process.exit(1)
    }, limitMs).unref()
    void running
      .stop()
      .then(
        () => 0,
        (err: unknown) => {
          log.error({ err }, 'stopping failed')
          return 1
        },
      )
      .then((code) => process.exit(code))
  }
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('SIGINT', () => onSignal('SIGINT'))
  // A shard's process whose manager is gone (killed outright) stops too, instead of lingering.
  if (config.shardProcess) process.once('disconnect', () => onSignal('disconnect'))
}

if (import.meta.main) void main()
