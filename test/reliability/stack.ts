import type { Env } from '../../src/app/config.ts'
import type { StartOptions } from '../../src/app/lifecycle.ts'
import type { Store } from '../../src/core/store/store.ts'
import type { FakeDiscordOptions } from '../fakes/fake-discord.ts'
import type { FakeTelegram, FakeTelegramOptions } from '../fakes/fake-telegram.ts'
import { type Bot, type BotStack, startBot, startBotStack } from '../helpers/bot-stack.ts'
import { until } from '../helpers/until.ts'

/**
 * The whole bot for reliability tests: a view of the bot stack (test/helpers/bot-stack.ts: the real
 * Herald started as `npm start` starts it) against the fake Telegram and/or the fake Discord and the
 * fake Responses API, on one SQLite file, each Herald with an HTTP port (for /healthz and /metrics)
 * and every log line captured. `startNode` starts another Herald on the same fakes and store (in this
 * test process), as a second replica.
 *
 * @example
 *   const stack = await startStack({ discord: {} })
 *   stack.responses.route = answerBy((prompt) => `You said ${prompt}`)
 *   stack.telegram!.userSays({ chat: { id: 7, type: 'private' }, text: 'hi' })
 *   await stack.answersFinished(1)
 */
export const KEY = 'sk-reliability-SECRET-0123456789abcdef'
export const TELEGRAM_TOKEN = '5550001:AAReliabilitySecret_Telegram0123456789'
export const DISCORD_TOKEN = 'reliability-SECRET-discord-token.0123456789abcdef'
export const WEBHOOK_SECRET = 'reliability_webhook_SECRET_0123456789'
export const TELEGRAM_ADMIN = 4242

export interface StackOptions {
  /** The fake Telegram's options; false leaves Telegram off. Default on, with Telegram's flood limits. */
  telegram?: FakeTelegramOptions | false
  /** The fake Discord's options; Discord is off unless given. */
  discord?: FakeDiscordOptions
  /** More variables (or overrides) for every Herald of the stack. */
  env?: Env
  /** Put a tap between Herald and the fake Responses API (to see aborted streams). */
  tap?: boolean
  /** Opens the store of each Herald (e.g. Redis under a test's own prefix); default STORE_URL. */
  store?: () => Promise<Store>
  /** The platforms' retry delays for every Herald of the stack (default: 1 s doubling to 60 s). */
  platformBackoff?: StartOptions['platformBackoff']
}

/** One Herald of the stack; `url` is http://127.0.0.1:<port> of its /healthz, /metrics and webhook. */
export type HeraldNode = Bot

export interface Stack
  extends Pick<BotStack, 'telegram' | 'discord' | 'responses' | 'tap' | 'env' | 'storeFile'> {
  /** The Herald started first. */
  readonly herald: HeraldNode
  readonly nodes: readonly HeraldNode[]
  /** Every secret the configuration holds. */
  readonly secrets: string[]
  /** Another Herald on the same fakes and store (its own HTTP port), with `env` on top. */
  startNode(env?: Env, options?: { store?: Store }): Promise<HeraldNode>
  /** `answer finished` log records of every node. */
  finished(): Record<string, unknown>[]
  /** Resolves once `n` answers in all have finished. */
  answersFinished(n: number, timeoutMs?: number): Promise<unknown>
  /** Every log line of every node, and everything they printed. */
  output(): string[]
  close(): Promise<void>
}

export { until }

/** A Herald from environment variables, with an HTTP port of its own unless `HTTP_PORT` is set. */
export function startNodeFromEnv(env: Env, options: StartOptions = {}): Promise<HeraldNode> {
  return startBot(env, { ...options, http: true })
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const telegram = options.telegram !== false
  const stack = await startBotStack({
    telegram: telegram ? { ...options.telegram, token: TELEGRAM_TOKEN } : false,
    discord: options.discord ? { ...options.discord, token: DISCORD_TOKEN } : false,
    env: {
      OPENAI_API_KEY: KEY,
      ...(telegram
        ? { TELEGRAM_ADMIN_IDS: String(TELEGRAM_ADMIN), TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET }
        : {}),
      ...options.env,
    },
    http: true,
    ...(options.tap ? { tap: true } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.platformBackoff ? { platformBackoff: options.platformBackoff } : {}),
  })
  return {
    telegram: stack.telegram,
    discord: stack.discord,
    responses: stack.responses,
    tap: stack.tap,
    env: stack.env,
    storeFile: stack.storeFile,
    herald: stack.bots[0]!,
    nodes: stack.bots,
    get secrets() {
      return stack.secrets
    },
    startNode: (env, nodeOptions) => stack.start(env, nodeOptions),
    finished: stack.finished,
    answersFinished: stack.answersFinished,
    output: () => stack.bots.flatMap((node) => [...node.logs.lines, ...node.said]),
    close: () => stack.close(),
  }
}

/** GET a path of a node's HTTP server: status and body. */
export async function httpGet(node: HeraldNode, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${node.url}${path}`)
  return { status: response.status, body: await response.text() }
}

/** One sample of a Prometheus text exposition, 0 when absent: `metric(text, 'herald_edits_total', { platform: 'telegram' })`. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels)
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const present = new Map(
      [...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    )
    if (wanted.every(([key, value]) => present.get(key) === value) && present.size === wanted.length) {
      return Number(match[3])
    }
  }
  return 0
}

/** The bot's texts in a Telegram chat, oldest first. */
export function telegramTexts(fake: FakeTelegram, chat: number): string[] {
  return fake.botMessages(chat).map((m) => m.text ?? '')
}
