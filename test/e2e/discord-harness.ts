import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDiscordAdapter } from '../../src/adapters/discord/discord-adapter.ts'
import { type Config, loadConfig, secretsOf } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import { createServices } from '../../src/app/services.ts'
import { commands } from '../../src/commands/index.ts'
import { createLogger, type Logger } from '../../src/core/contracts/log.ts'
import { type Running, startHerald } from '../../src/main.ts'
import {
  type FakeChannel,
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeMessage,
  startFakeDiscord,
} from '../fakes/fake-discord.ts'
import {
  type FakeResponsesApi,
  type FakeResponsesApiOptions,
  startFakeResponsesApi,
} from '../fakes/fake-responses-api.ts'
import { startUpstreamTap, type UpstreamTap } from './harness.ts'

/**
 * The whole bot on Discord, end to end: the real Herald (`startHerald` with a config from
 * `loadConfig`, exactly as a deployment builds it) running the real discord.js against the fake
 * Discord, and the real Responses client against the fake Responses API, on a SQLite file in a
 * temporary folder. Logs are the real redacting logger, captured line by line.
 *
 * @example
 *   const e2e = await startDiscordE2E()
 *   e2e.upstream.enqueue(sse(textAnswer('Hello')))
 *   e2e.fake.userMessage({ content: mention(e2e.fake, 'hi') })
 *   await e2e.answersFinished(1)
 */
export const OPENAI_KEY = 'sk-e2e-Herald0SECRET0key0123456789abcdef'
export const CURSOR = '▍'

export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

export interface DiscordE2EOptions {
  /** More environment variables (or overrides), as a user would set them. */
  env?: Record<string, string>
  fake?: FakeDiscordOptions
  upstream?: FakeResponsesApiOptions
  /**
   * Builds the bot from its parts (services, herald, adapter) as main.ts does, with this
   * `handoverAfterMs` for the Discord adapter: startHerald offers no such setting.
   */
  handoverAfterMs?: number
  /** Put an UpstreamTap between Herald and the fake Responses API, to see aborted streams. */
  tap?: boolean
}

export interface DiscordE2E {
  fake: FakeDiscord
  upstream: FakeResponsesApi
  tap: UpstreamTap | undefined
  config: Config
  /** The running bot (replaced by `restart`). */
  readonly running: Running
  /** Every log line written so far, raw (after redaction) and parsed. */
  rawLogs: string[]
  logs: LogLine[]
  /** The one-line start-up messages. */
  said: string[]
  storePath: string
  /** Resolves once `n` answers in all have finished (the final render landed or the message was gone). */
  answersFinished(n: number, timeoutMs?: number): Promise<LogLine[]>
  /** Stops the bot and starts a new one on the same SQLite file and the same fakes. */
  restart(): Promise<void>
  /** A second bot process on the same configuration (store file, fakes, logs); the caller stops it. */
  startAnother(): Promise<Running>
  close(): Promise<void>
}

export async function startDiscordE2E(options: DiscordE2EOptions = {}): Promise<DiscordE2E> {
  const fake = await startFakeDiscord({ heartbeatIntervalMs: 5000, ...options.fake })
  const upstream = await startFakeResponsesApi(options.upstream)
  const tap = options.tap ? await startUpstreamTap(upstream.url) : undefined
  const dir = mkdtempSync(join(tmpdir(), 'herald-discord-e2e-'))
  const storePath = join(dir, 'herald.sqlite')
  const config = await loadConfig({
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: tap?.url ?? upstream.url,
    DISCORD_TOKEN: fake.token,
    DISCORD_API_ROOT: fake.apiRoot,
    DISCORD_GUILD_IDS: fake.guild.id,
    DISCORD_ADMIN_ROLE_IDS: fake.adminRole.id,
    STORE_URL: `sqlite:${storePath}`,
    LOG_LEVEL: 'debug',
    SHUTDOWN_GRACE_MS: '0',
    ...options.env,
  })
  const rawLogs: string[] = []
  const logs: LogLine[] = []
  const log = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: {
      write(line: string) {
        rawLogs.push(line)
        logs.push(JSON.parse(line) as LogLine)
      },
    },
  })
  const said: string[] = []
  const say = (line: string) => void said.push(line)
  const start = () =>
    options.handoverAfterMs === undefined
      ? startHerald(config, log, say)
      : startWithHandover(config, log, options.handoverAfterMs)
  let running = await start()

  return {
    fake,
    upstream,
    tap,
    config,
    get running() {
      return running
    },
    rawLogs,
    logs,
    said,
    storePath,
    async answersFinished(n, timeoutMs = 15_000) {
      const finished = () => logs.filter((l) => l.msg === 'answer finished')
      return fake.waitFor(() => finished().length >= n && finished(), timeoutMs)
    },
    async restart() {
      await running.stop()
      running = await start()
    },
    startAnother: start,
    async close() {
      try {
        await running.stop()
      } finally {
        await fake.close()
        await tap?.close()
        await upstream.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/** main.ts's wiring of services, herald and the Discord adapter, with the adapter's handover time set. */
async function startWithHandover(config: Config, log: Logger, handoverAfterMs: number): Promise<Running> {
  const services = await createServices(config, { log })
  const herald = createHerald(services, commands)
  const discord = createDiscordAdapter({
    config: config.discord!,
    herald,
    commands,
    log: log.child({ platform: 'discord' }),
    handoverAfterMs,
    handoverNotice: () => `-# ${services.i18n.fallback('discord.moved')}`,
  })
  services.adapters.set('discord', discord)
  await discord.start()
  return {
    services,
    adapters: [discord],
    platforms: new Map(),
    async stop() {
      await discord.stop()
      for (const answer of services.answers.all()) answer.controller.abort()
      await Promise.allSettled(services.answers.all().map((a) => a.done))
      await services.research.stop()
      await services.client.close()
      await services.media.close()
      await services.store.close()
    },
  }
}

/** A message that mentions the bot, as Discord writes it. */
export function mention(fake: FakeDiscord, text: string): string {
  return `<@${fake.bot.id}> ${text}`
}

/** The bot's visible messages in a channel, oldest first. */
export function botMessages(fake: FakeDiscord, channel: FakeChannel = fake.general): FakeMessage[] {
  return fake.messages(channel).filter((m) => m.author.id === fake.bot.id)
}

/** The ephemeral messages of a channel (only their recipient sees them), oldest first. */
export function ephemerals(fake: FakeDiscord, channel: FakeChannel = fake.general): FakeMessage[] {
  return fake.messages(channel, { ephemeral: true }).filter((m) => (m.flags & 64) !== 0)
}

/** The custom ids of a message's buttons. */
export function buttonIds(message: FakeMessage): string[] {
  const rows = message.components as Array<{ components: Array<{ custom_id?: string }> }>
  return rows.flatMap((row) =>
    row.components.flatMap((button) => (button.custom_id ? [button.custom_id] : [])),
  )
}

/** The Discord requests that send or edit a message (channel routes, interaction webhooks, callbacks). */
export function messageWrites(fake: FakeDiscord) {
  return fake.requests.filter(
    (r) =>
      (r.method === 'POST' || r.method === 'PATCH') &&
      (r.route.startsWith('/channels/:channel/messages') || r.route.startsWith('/webhooks/')),
  )
}
