/**
 * Herald's life in one process: start (store → core → HTTP → adapters under their supervisors →
 * answers left by dead processes), then stop (no new work, running answers finish within the grace
 * period, the rest finalised as interrupted, everything closed in reverse order).
 */

import { commands } from '../commands/index.ts'
import { type Heartbeat, startHeartbeat } from '../core/answers/heartbeat.ts'
import { finaliseInterrupted, startInterruptedSweeper } from '../core/answers/interrupted.ts'
import { Interrupted } from '../core/answers/run-answer.ts'
import type { Adapter, Herald, Platform } from '../core/contracts/chat.ts'
import { type Logger, scrubSecrets } from '../core/contracts/log.ts'
import type { SupervisedClient } from '../core/contracts/platform.ts'
import { type Language, languageOf, translator } from '../core/i18n/i18n.ts'
import type { Store } from '../core/store/store.ts'
import { type Config, secretsOf } from './config.ts'
import { type MountedConsole, mountConsole } from './console/console.ts'
import type { DiscordShards } from './discord-shards.ts'
import { createHerald } from './dispatcher.ts'
import { createHttpServer, type HealthCheck, type HealthState, type HttpServer } from './http-server.ts'
import { renderWith } from './metrics.ts'
import { type Backoff, createPlatformSupervisor, type PlatformSupervisor } from './platform-supervisor.ts'
import { createServices, type Services } from './services.ts'

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
  /** When a Discord interaction answer moves to a channel message (tests: seconds instead of 14 min). */
  discordHandoverAfterMs?: number
}

/** After the grace period, aborted answers get this long to write their last line. */
export const FINALISE_AFTER_ABORT_MS = 5_000
/** Beyond both, how long closing the rest (store, HTTP, logs) may take before the process just exits. */
export const STOP_SLACK_MS = 10_000

/** Starts everything `config` asks for; one `say` line per part that is ready. */
export async function startHerald(
  config: Config,
  log: Logger,
  say: (line: string) => void = console.log,
  options: StartOptions = {},
): Promise<Running> {
  const services = await createServices(config, { log, ...(options.store ? { store: options.store } : {}) })
  const starting = new Startup(config, services, log, say, options)
  try {
    return await starting.run()
  } catch (err) {
    await starting.cleanUp()
    throw err
  }
}

/** One start-up: what it opened is closed in reverse order when a later step fails. */
class Startup {
  readonly #config: Config
  readonly #services: Services
  readonly #log: Logger
  readonly #say: (line: string) => void
  readonly #options: StartOptions
  readonly #herald: Herald
  readonly #cleanups: Array<() => Promise<unknown>>
  readonly #adapters: Array<Adapter & SupervisedClient> = []
  readonly #platforms = new Map<Platform, PlatformSupervisor>()
  /** Sharded, this process runs the ShardingManager and each shard's process runs a Discord client. */
  readonly #sharding: boolean
  #http: HttpServer | undefined
  #webConsole: MountedConsole | undefined
  #shards: DiscordShards | undefined

  constructor(
    config: Config,
    services: Services,
    log: Logger,
    say: (line: string) => void,
    options: StartOptions,
  ) {
    this.#config = config
    this.#services = services
    this.#log = log
    this.#say = say
    this.#options = options
    this.#herald = createHerald(services, commands)
    this.#cleanups = [() => services.store.close()]
    this.#sharding = Boolean(config.discord && config.discordShards)
  }

  async run(): Promise<Running> {
    const services = this.#services
    const heartbeat = await startHeartbeat(services.store, {
      processId: services.processId,
      ttlMs: this.#config.processHeartbeatMs,
      clock: services.clock,
      log: this.#log,
    })
    this.#cleanups.push(() => heartbeat.stop())
    if (this.#config.shardProcess) {
      const { answerMetricsRequests } = await import('./discord-shards.ts')
      const stopAnswering = answerMetricsRequests(services.metrics)
      this.#cleanups.push(async () => stopAnswering())
    }
    this.#createHttp()
    await this.#createAdapters()
    const httpPort = await this.#listen()
    await this.#startPlatforms()
    const sweeper = await this.#finaliseInterrupted()
    // Research logs the jobs it took up itself.
    await services.research.resumeAll()
    this.#log.info(
      {
        processId: services.processId,
        adapters: this.#adapters.map((a) => a.platform),
        store: services.store.backend,
      },
      'herald started',
    )
    const shutdown = new Shutdown({
      config: this.#config,
      services,
      log: this.#log,
      platforms: this.#platforms,
      shards: this.#shards,
      sweeper,
      heartbeat,
      webConsole: this.#webConsole,
      http: this.#http,
    })
    return {
      services,
      adapters: this.#adapters,
      platforms: this.#platforms,
      http: this.#http,
      httpPort,
      stop: () => shutdown.run(),
    }
  }

  async cleanUp(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0).reverse()) await cleanup().catch(() => {})
  }

  /** /healthz, /metrics and the console, when HTTP_PORT is set; listening waits for the adapters. */
  #createHttp(): void {
    const config = this.#config
    if (config.httpPort === undefined) return
    const health = (): HealthCheck[] => [
      { name: 'store', check: () => this.#services.store.ping().then(() => ({ state: 'up' })) },
      ...(['telegram', 'discord'] as const)
        .filter((platform) => config[platform] !== undefined && !(platform === 'discord' && this.#sharding))
        .map((platform) => ({ name: platform, check: () => platformHealth(this.#platforms.get(platform)) })),
      ...(this.#shards?.checks() ?? []),
    ]
    const { metrics } = this.#services
    // Sharded, the shards' processes count the answers: their series are added to this process's.
    const exposition = {
      render: async () => renderWith(metrics, (await this.#shards?.snapshots()) ?? []),
    }
    this.#http = createHttpServer({ metrics: exposition, log: this.#log, health })
    if (config.console) {
      const mounted = mountConsole(this.#http, {
        services: this.#services,
        token: config.console.token,
        health,
      })
      this.#webConsole = mounted
      this.#cleanups.push(async () => mounted.close())
    }
  }

  /** Each platform's library is loaded only when it is configured (discord.js alone is ~55 MB). */
  async #createAdapters(): Promise<void> {
    const { telegram, discord } = this.#config
    const services = this.#services
    if (telegram) {
      const server = this.#http
      const routes = server
        ? {
            route: (path: string, handler: Parameters<HttpServer['route']>[2]) =>
              server.route('POST', path, handler),
          }
        : undefined
      const { createTelegramAdapter } = await import('../adapters/telegram/telegram-adapter.ts')
      this.#adapters.push(
        createTelegramAdapter({
          config: telegram,
          herald: this.#herald,
          commands,
          log: this.#log.child({ platform: 'telegram' }),
          maxImageBytes: this.#config.limits.maxImageBytes,
          lanes: services.lanes,
          reporter: this.#supervise('telegram'),
          ...(routes ? { httpServer: routes } : {}),
        }),
      )
    }
    if (discord && !this.#sharding) {
      const { createDiscordAdapter } = await import('../adapters/discord/discord-adapter.ts')
      this.#adapters.push(
        createDiscordAdapter({
          config: discord,
          herald: this.#herald,
          commands,
          log: this.#log.child({ platform: 'discord' }),
          handoverNotice: (locale) =>
            `-# ${translator(languageOf(services.i18n.rule, locale))('discord.moved')}`,
          lanes: services.lanes,
          reporter: this.#supervise('discord'),
          ...(this.#options.discordHandoverAfterMs === undefined
            ? {}
            : { handoverAfterMs: this.#options.discordHandoverAfterMs }),
        }),
      )
    }
    for (const adapter of this.#adapters) services.adapters.set(adapter.platform, adapter)
  }

  #supervise(platform: Platform): PlatformSupervisor {
    const { metrics, clock } = this.#services
    const supervisor = createPlatformSupervisor({
      platform,
      log: this.#log,
      clock,
      ...(this.#options.platformBackoff ? { backoff: this.#options.platformBackoff } : {}),
      scrub: (text) => scrubSecrets(text, secretsOf(this.#config)),
      onChange: (status) => metrics.platformUp.set({ platform }, status.state === 'up' ? 1 : 0),
    })
    this.#platforms.set(platform, supervisor)
    return supervisor
  }

  /** Listening before the adapters start: a webhook delivery may follow setWebhook at once. */
  async #listen(): Promise<number | undefined> {
    const server = this.#http
    if (!server || this.#config.httpPort === undefined) return undefined
    const port = await server.listen(this.#config.httpPort)
    this.#cleanups.push(() => server.close())
    this.#say(`herald: http listening on :${port} (/healthz, /metrics)`)
    if (this.#webConsole)
      this.#say(`herald: console at http://localhost:${port}/console/ (sign in with CONSOLE_TOKEN)`)
    return port
  }

  async #startPlatforms(): Promise<void> {
    const config = this.#config
    for (const adapter of this.#adapters) {
      const supervisor = this.#platforms.get(adapter.platform)!
      this.#cleanups.push(() => supervisor.stop())
      // A refused token rejects here and stops start-up; trouble that may pass is retried meanwhile.
      await supervisor.start(adapter)
      const status = supervisor.status
      if (status.state === 'retrying') this.#say(`herald: ${adapter.platform} retrying: ${status.reason}`)
      else {
        const webhook = adapter.platform === 'telegram' && config.telegram?.webhookUrl ? ' (webhook)' : ''
        this.#say(`herald: ${adapter.platform} ready${webhook}`)
      }
    }
    if (config.discord && config.discordShards) {
      const { startDiscordShards } = await import('./discord-shards.ts')
      const shards = await startDiscordShards({
        discord: config.discord,
        count: config.discordShards.count,
        env: config.discordShards.env,
        log: this.#log.child({ platform: 'discord' }),
        stopTimeoutMs: config.shutdownGraceMs + FINALISE_AFTER_ABORT_MS + STOP_SLACK_MS / 2,
        ...(this.#options.shardOutput ? { output: this.#options.shardOutput } : {}),
      })
      this.#shards = shards
      this.#cleanups.push(() => shards.stop())
      this.#say(
        `herald: discord ready (${shards.count} shard${shards.count === 1 ? '' : 's'}, one process each)`,
      )
    } else if (this.#adapters.length === 0)
      this.#say(
        'herald: no platform token set (TELEGRAM_BOT_TOKEN, DISCORD_TOKEN): only the HTTP endpoints run',
      )
  }

  /**
   * Answers left mid-stream by processes that are gone (a crash, this one's predecessor included):
   * now, and periodically for peers that die later.
   */
  async #finaliseInterrupted(): Promise<Stoppable> {
    const services = this.#services
    const finalise = {
      processId: services.processId,
      line: (lang: Language | undefined) =>
        (lang ? translator(lang) : services.i18n.fallback)('ask.interrupted'),
      log: this.#log,
    }
    const interrupted = await finaliseInterrupted(
      services.store,
      services.answers,
      services.adapters,
      finalise,
    )
    if (interrupted > 0) this.#log.info({ interrupted }, 'finalised answers interrupted by a restart')
    const sweeper = startInterruptedSweeper(services.store, services.answers, services.adapters, {
      ...finalise,
      everyMs: 2 * this.#config.processHeartbeatMs,
      clock: services.clock,
    })
    this.#cleanups.push(() => sweeper.stop())
    return sweeper
  }
}

interface Stoppable {
  stop(): Promise<unknown>
}

interface ShutdownParts {
  config: Config
  services: Services
  log: Logger
  platforms: Map<Platform, PlatformSupervisor>
  shards: DiscordShards | undefined
  sweeper: Stoppable
  heartbeat: Heartbeat
  webConsole: MountedConsole | undefined
  http: HttpServer | undefined
}

/** Stopping once, however often it is asked: no new work, drain, finalise the rest, close. */
class Shutdown {
  readonly #parts: ShutdownParts
  #stopping: Promise<void> | undefined

  constructor(parts: ShutdownParts) {
    this.#parts = parts
  }

  run(): Promise<void> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    const { config, services, log, platforms, shards } = this.#parts
    log.info('stopping: no new work; letting running answers finish')
    // Shard processes drain their own answers on SIGTERM, alongside this one.
    const shardsStopped = shards?.stop()
    await Promise.allSettled([...platforms.values()].map((p) => p.stop()))
    await this.#drain(config.shutdownGraceMs)
    await shardsStopped
    await this.#parts.sweeper.stop()
    await services.research.stop()
    await this.#parts.heartbeat.stop()
    this.#parts.webConsole?.close()
    await this.#parts.http?.close()
    await services.client.close()
    await services.media.close()
    await services.store.close()
    log.info('stopped')
    await new Promise<void>((resolve) => log.flush(() => resolve()))
  }

  /** Running answers get `graceMs` to finish; the rest are aborted and write "interrupted". */
  async #drain(graceMs: number): Promise<void> {
    const { answers } = this.#parts.services
    await settledWithin(
      answers.all().map((a) => a.done),
      graceMs,
    )
    const left = answers.all()
    if (left.length === 0) return
    this.#parts.log.info({ answers: left.length }, 'grace period over: finalising the rest as interrupted')
    for (const answer of left) answer.controller.abort(new Interrupted())
    await settledWithin(
      left.map((a) => a.done),
      FINALISE_AFTER_ABORT_MS,
    )
  }
}

/** What /healthz shows of a platform: its supervisor's state, with when it began and why. */
function platformHealth(supervisor: PlatformSupervisor | undefined): HealthState {
  if (!supervisor) return { state: 'stopped', reason: 'not started' }
  const { state, since, ...rest } = supervisor.status
  return { state, since: new Date(since).toISOString(), ...rest }
}

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
