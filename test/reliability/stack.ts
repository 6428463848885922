import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Config, type Env, loadConfig, secretsOf } from '../../src/app/config.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import type { Store } from '../../src/core/store/store.ts'
import type { Running, StartOptions } from '../../src/main.ts'
import { startHerald } from '../../src/main.ts'
import { captureLogs, freePort, type LogCapture, startUpstreamTap, type UpstreamTap } from '../e2e/harness.ts'
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from '../fakes/fake-discord.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../fakes/fake-responses-api.ts'
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../fakes/fake-telegram.ts'
import { until } from '../helpers/until.ts'

/**
 * The whole bot for reliability tests: the real Herald (`startHerald` with a config from `loadConfig`)
 * against the fake Telegram and/or the fake Discord and the fake Responses API, on one SQLite file,
 * with an HTTP port (for /healthz and /metrics) and every log line captured. `startNode` starts
 * another Herald process on the same fakes and store (in this test process), as a second replica.
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

export interface HeraldNode {
  running: Running
  config: Config
  logs: LogCapture
  /** The one-line start-up messages. */
  said: string[]
  /** http://127.0.0.1:<port> of its /healthz, /metrics and webhook. */
  url: string
  stop(): Promise<void>
}

export interface Stack {
  readonly telegram: FakeTelegram | undefined
  readonly discord: FakeDiscord | undefined
  readonly responses: FakeResponsesApi
  readonly tap: UpstreamTap | undefined
  readonly env: Env
  readonly storeFile: string
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
  answersFinished(n: number, timeoutMs?: number): Promise<void>
  /** Every log line of every node, and everything they printed. */
  output(): string[]
  close(): Promise<void>
}

export { until }

export async function startNodeFromEnv(env: Env, options: StartOptions = {}): Promise<HeraldNode> {
  const port = env.HTTP_PORT ?? String(await freePort())
  const config = await loadConfig({ LOG_LEVEL: 'debug', ...env, HTTP_PORT: port })
  const logs = captureLogs()
  const log = createLogger({ level: config.logLevel, secrets: secretsOf(config), destination: logs })
  const said: string[] = []
  const running = await startHerald(config, log, (line) => void said.push(line), options)
  let stopped: Promise<void> | undefined
  return {
    running,
    config,
    logs,
    said,
    url: `http://127.0.0.1:${running.httpPort}`,
    stop: () => (stopped ??= running.stop()),
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-reliability-'))
  const storeFile = join(dir, 'herald.sqlite')
  const responses = await startFakeResponsesApi()
  const tap = options.tap ? await startUpstreamTap(responses.url) : undefined
  const telegram =
    options.telegram === false
      ? undefined
      : await startFakeTelegram({ ...options.telegram, token: TELEGRAM_TOKEN })
  const discord = options.discord
    ? await startFakeDiscord({ heartbeatIntervalMs: 5000, ...options.discord, token: DISCORD_TOKEN })
    : undefined
  const env: Env = {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: tap?.url ?? responses.url,
    STORE_URL: `sqlite:${storeFile}`,
    SHUTDOWN_GRACE_MS: '500',
    ...(telegram
      ? {
          TELEGRAM_BOT_TOKEN: telegram.token,
          TELEGRAM_API_ROOT: telegram.url,
          TELEGRAM_ADMIN_IDS: String(TELEGRAM_ADMIN),
          TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
        }
      : {}),
    ...(discord
      ? {
          DISCORD_TOKEN: discord.token,
          DISCORD_API_ROOT: discord.apiRoot,
          DISCORD_GUILD_IDS: discord.guild.id,
          DISCORD_ADMIN_ROLE_IDS: discord.adminRole.id,
        }
      : {}),
    ...options.env,
  }
  const nodes: HeraldNode[] = []
  const closeFakes = async () => {
    await telegram?.close()
    await discord?.close()
    await tap?.close()
    await responses.close()
    rmSync(dir, { recursive: true, force: true })
  }
  const storeOf = async (): Promise<StartOptions> => ({
    ...(options.platformBackoff ? { platformBackoff: options.platformBackoff } : {}),
    ...(options.store ? { store: await options.store() } : {}),
  })
  try {
    nodes.push(await startNodeFromEnv(env, await storeOf()))
  } catch (err) {
    await closeFakes()
    throw err
  }
  const finished = () => nodes.flatMap((node) => node.logs.find('answer finished'))
  const stack: Stack = {
    telegram,
    discord,
    responses,
    tap,
    env,
    storeFile,
    nodes,
    get herald() {
      return nodes[0]!
    },
    get secrets() {
      return [...secretsOf(nodes[0]!.config)]
    },
    async startNode(more = {}, nodeOptions) {
      const node = await startNodeFromEnv({ ...env, ...more }, { ...(await storeOf()), ...nodeOptions })
      nodes.push(node)
      return node
    },
    finished,
    async answersFinished(n, timeoutMs = 15_000) {
      await until(() => finished().length >= n, `${n} finished answers`, timeoutMs)
    },
    output: () => nodes.flatMap((node) => [...node.logs.lines, ...node.said]),
    async close() {
      try {
        await Promise.all(nodes.map((node) => node.stop()))
      } finally {
        await closeFakes()
      }
    },
  }
  return stack
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
