import type { Config } from '../../src/app/config.ts'
import type { Running } from '../../src/app/lifecycle.ts'
import type { FakeChannel, FakeDiscord, FakeDiscordOptions, FakeMessage } from '../fakes/fake-discord.ts'
import type { FakeResponsesApi, FakeResponsesApiOptions } from '../fakes/fake-responses-api.ts'
import { startBotStack, type UpstreamTap } from '../helpers/bot-stack.ts'

/**
 * The whole bot on Discord, end to end: a view of the bot stack (test/helpers/bot-stack.ts: the real
 * Herald started as `npm start` starts it, running the real discord.js against the fake Discord and
 * the real Responses client against the fake Responses API, on a SQLite file in a temporary folder),
 * with the log lines of every bot of the stack in one list, parsed.
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
  /** When an interaction answer moves to a channel message (default 14 min). */
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
  said: readonly string[]
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
  const stack = await startBotStack({
    discord: options.fake ?? true,
    env: { OPENAI_API_KEY: OPENAI_KEY, SHUTDOWN_GRACE_MS: '0', ...options.env },
    ...(options.upstream ? { responses: options.upstream } : {}),
    ...(options.tap ? { tap: true } : {}),
    ...(options.handoverAfterMs === undefined ? {} : { discordHandoverAfterMs: options.handoverAfterMs }),
  })
  return {
    fake: stack.discord!,
    upstream: stack.responses,
    tap: stack.tap,
    config: stack.bot.config,
    get running() {
      return stack.bot.running
    },
    rawLogs: stack.logs.lines,
    logs: stack.logs.entries as LogLine[],
    said: stack.said,
    storePath: stack.storeFile,
    answersFinished: (n, timeoutMs) => stack.answersFinished(n, timeoutMs) as Promise<LogLine[]>,
    async restart() {
      await stack.restart()
    },
    startAnother: async () => (await stack.start()).running,
    close: () => stack.close(),
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
