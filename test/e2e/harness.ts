import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { type Config, type Env, loadConfig, secretsOf } from '../../src/app/config.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import { type Running, startHerald } from '../../src/main.ts'
import {
  type FakeResponsesApi,
  type Script,
  sse,
  startFakeResponsesApi,
} from '../fakes/fake-responses-api.ts'
import { Transcript, toSseFrames } from '../fakes/fake-responses-transcripts.ts'
import {
  type FakeTelegram,
  type FakeTelegramOptions,
  startFakeTelegram,
  type TgMessage,
  type TgUpdate,
  type UserMessage,
} from '../fakes/fake-telegram.ts'

/**
 * End-to-end stacks: the real Herald (`startHerald` with a config from `loadConfig`, exactly as a
 * deployment builds it from its environment) against a fake platform and the fake Responses API,
 * on a fresh SQLite file, with every log line captured. The platform part is a parameter
 * (`PlatformSetup`): `telegramPlatform()` here; a Discord setup gives its fake's env the same way.
 *
 * @example
 *   const e2e = await startE2e(telegramPlatform())
 *   e2e.responses.route = answerBy((prompt) => `You said ${prompt}`)
 *   e2e.platform.userSays({ chat: { id: 42, type: 'private' }, text: 'hi' })
 *   await e2e.close()
 */

export const E2E_OPENAI_KEY = 'sk-e2e-SECRET-0123456789abcdef'
export const E2E_TELEGRAM_TOKEN = '7654321:AAE2eSecretTelegramToken_0123456789'

/** What a platform contributes to a stack: its fake, the variables pointing Herald at it, and cleanup. */
export interface PlatformSetup<P> {
  start(): Promise<P>
  env(platform: P): Env
  /** Secrets of this platform, for leak scans (beyond what `secretsOf(config)` lists). */
  secrets?: readonly string[]
  close(platform: P): Promise<void>
}

export interface LogCapture {
  /** Raw JSON lines as pino wrote them (after Herald's own secret scrubbing). */
  readonly lines: string[]
  records(): Record<string, unknown>[]
  /** Records whose `msg` is `message`. */
  find(message: string): Record<string, unknown>[]
}

export function captureLogs(): LogCapture & { write(line: string): void } {
  const lines: string[] = []
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  return {
    lines,
    write: (line) => void lines.push(line),
    records,
    find: (message) => records().filter((r) => r.msg === message),
  }
}

export interface RunningHerald {
  running: Running
  config: Config
  logs: LogCapture
  /** The start-up lines Herald printed (`herald: telegram ready`). */
  said: string[]
  stop(): Promise<void>
}

/** Starts Herald from environment variables, as `npm start` does, with logs captured at `LOG_LEVEL` (default debug). */
export async function startHeraldFromEnv(env: Env): Promise<RunningHerald> {
  const config = await loadConfig({ LOG_LEVEL: 'debug', ...env })
  const logs = captureLogs()
  const log = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: { write: logs.write },
  })
  const said: string[] = []
  const running = await startHerald(config, log, (line) => void said.push(line))
  let stopped: Promise<void> | undefined
  return { running, config, logs, said, stop: () => (stopped ??= running.stop()) }
}

/**
 * A proxy in front of the fake Responses API that sees each exchange end: `ended` when the answer
 * was sent to the end, `closed` when Herald closed the connection first (an aborted stream).
 */
export interface UpstreamTap {
  readonly url: string
  readonly exchanges: { path: string; outcome: 'open' | 'ended' | 'closed' }[]
  close(): Promise<void>
}

export async function startUpstreamTap(targetUrl: string): Promise<UpstreamTap> {
  const target = new URL(targetUrl)
  const exchanges: UpstreamTap['exchanges'] = []
  const server: Server = createServer((req, res) => {
    const exchange: UpstreamTap['exchanges'][number] = { path: req.url ?? '/', outcome: 'open' }
    exchanges.push(exchange)
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname.replace(/\/v1$/, '')}${req.url ?? '/'}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        res.flushHeaders()
        answer.pipe(res)
        answer.on('end', () => {
          if (exchange.outcome === 'open') exchange.outcome = 'ended'
        })
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => {
      if (exchange.outcome === 'open') exchange.outcome = res.writableFinished ? 'ended' : 'closed'
      upstream.destroy()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

export interface E2eOptions {
  /** More variables (or overrides) for Herald. */
  env?: Env
  /** Put an UpstreamTap between Herald and the fake Responses API. */
  tap?: boolean
  /** An existing SQLite file (to share across stacks); default a fresh one, removed on close. */
  storeFile?: string
}

export interface E2eStack<P> {
  readonly platform: P
  readonly responses: FakeResponsesApi
  readonly tap: UpstreamTap | undefined
  readonly storeFile: string
  /** The environment Herald was started with. */
  readonly env: Env
  /** The Herald running now (replaced by `restart`). */
  readonly herald: RunningHerald
  /** Every Herald this stack started, oldest first (for log scans across restarts). */
  readonly heralds: readonly RunningHerald[]
  /** Every secret the configuration holds, plus the platform's. */
  readonly secrets: string[]
  /** Stops Herald and starts a new one on the same store, fakes and environment. */
  restart(env?: Env): Promise<RunningHerald>
  close(): Promise<void>
}

export async function startE2e<P>(setup: PlatformSetup<P>, options: E2eOptions = {}): Promise<E2eStack<P>> {
  const dir = options.storeFile === undefined ? mkdtempSync(join(tmpdir(), 'herald-e2e-')) : undefined
  const storeFile = options.storeFile ?? join(dir!, 'herald.sqlite')
  const responses = await startFakeResponsesApi()
  const tap = options.tap ? await startUpstreamTap(responses.url) : undefined
  const platform = await setup.start()
  const env: Env = {
    OPENAI_API_KEY: E2E_OPENAI_KEY,
    OPENAI_BASE_URL: tap?.url ?? responses.url,
    STORE_URL: `sqlite:${storeFile}`,
    SHUTDOWN_GRACE_MS: '500',
    ...setup.env(platform),
    ...options.env,
  }
  const heralds: RunningHerald[] = []
  try {
    heralds.push(await startHeraldFromEnv(env))
  } catch (err) {
    await setup.close(platform)
    await tap?.close()
    await responses.close()
    throw err
  }
  const stack: E2eStack<P> = {
    platform,
    responses,
    tap,
    storeFile,
    env,
    heralds,
    get herald() {
      return heralds.at(-1)!
    },
    get secrets() {
      return [...secretsOf(heralds[0]!.config), ...(setup.secrets ?? [])]
    },
    async restart(more = {}) {
      await stack.herald.stop()
      const next = await startHeraldFromEnv({ ...env, ...more })
      heralds.push(next)
      return next
    },
    async close() {
      await stack.herald.stop()
      await setup.close(platform)
      await tap?.close()
      await responses.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
  return stack
}

/** A free TCP port on this machine (for HTTP_PORT, which must be a real port number). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Which of `secrets` occur in `texts`. */
export function leakedSecrets(texts: readonly string[], secrets: readonly string[]): string[] {
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)))
}

// The fake Responses API, driven by the prompt.

/** The text of the last user message of a recorded request body. */
export function promptOf(body: Record<string, unknown> | undefined): string {
  const input = body?.input
  if (!Array.isArray(input)) return typeof input === 'string' ? input : ''
  const last = input.at(-1) as { content?: unknown } | undefined
  const content = last?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .filter((part): part is { type: 'input_text'; text: string } => part?.type === 'input_text')
    .map((part) => part.text)
    .join('')
}

/**
 * A `route` for the fake Responses API answering each prompt with `answer(prompt)` (text, or a whole
 * script), with response ids `resp_1`, `resp_2`, … in the order the requests arrive.
 */
export function answerBy(
  answer: (prompt: string, n: number) => string | Script,
  options: { delayMs?: number; deltas?: number } = {},
): (req: { body: Record<string, unknown> | undefined }) => Script {
  let n = 0
  return (req) => {
    n++
    const result = answer(promptOf(req.body), n)
    if (typeof result !== 'string') return result
    return sse(textEvents(result, `resp_${n}`, options.deltas ?? 3), { delayMs: options.delayMs ?? 5 })
  }
}

/** A text answer's events with a chosen response id (and usage). */
export function textEvents(
  text: string,
  id: string,
  deltas = 3,
  usage?: Parameters<Transcript['completed']>[0],
): ReturnType<Transcript['start']>['events'] {
  const size = Math.max(1, Math.ceil([...text].length / deltas))
  const chars = [...text]
  const parts: string[] = []
  for (let i = 0; i < chars.length; i += size) parts.push(chars.slice(i, i + size).join(''))
  return new Transcript({ id }).start().message(parts).completed(usage).events
}

// Telegram.

/** Telegram as the platform: the fake Bot API (flood limits on) with its token and root in the env. */
export function telegramPlatform(options: FakeTelegramOptions = {}): PlatformSetup<FakeTelegram> {
  const token = options.token ?? E2E_TELEGRAM_TOKEN
  return {
    start: () => startFakeTelegram({ ...options, token }),
    env: (fake) => ({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.url }),
    secrets: [token],
    close: (fake) => fake.close(),
  }
}

/** Everything the bot wrote to Telegram: texts, captions and callback answers of every call it made. */
export function telegramOutgoingTexts(fake: FakeTelegram): string[] {
  return fake.calls.flatMap((call) =>
    ['text', 'caption'].flatMap((field) => {
      const value = call.body[field]
      return typeof value === 'string' ? [value] : []
    }),
  )
}

/** Calls Telegram refused (a 4xx other than a 429): Herald should make none. */
export function telegramRefusals(fake: FakeTelegram): { method: string; status: number; error?: string }[] {
  return fake.calls
    .filter((c) => c.status >= 400 && c.status !== 429 && c.method !== 'getUpdates')
    .map((c) => ({ method: c.method, status: c.status, ...(c.error ? { error: c.error } : {}) }))
}

/** The calls that changed one chat (send and edit), oldest first. */
export function chatCalls(fake: FakeTelegram, chatId: number, methods = ['sendMessage', 'editMessageText']) {
  return fake.calls.filter((c) => methods.includes(c.method) && String(c.body.chat_id) === String(chatId))
}

/** Log records of finished answers (`answer finished`) across every Herald of the stack. */
export function finishedAnswers(stack: E2eStack<unknown>): Record<string, unknown>[] {
  return stack.heralds.flatMap((h) => h.logs.find('answer finished'))
}

/** Every log line of every Herald of the stack. */
export function allLogLines(stack: E2eStack<unknown>): string[] {
  return stack.heralds.flatMap((h) => h.logs.lines)
}

/** No secret of the stack in any log line of any of its Heralds, nor in `outgoing` (what the bot wrote to chats). */
export function expectNoLeaks(stack: E2eStack<unknown>, outgoing: readonly string[]): void {
  expect(leakedSecrets(allLogLines(stack), stack.secrets)).toEqual([])
  expect(leakedSecrets(outgoing, stack.secrets)).toEqual([])
}

/**
 * A stream in phases: the events up to and including each one `cut` picks form one chunk, and the
 * chunks go `delayMs` apart (the first too), so a state (thinking, searching) holds long enough to be shown.
 */
export function inPhases(
  events: readonly object[],
  cut: (event: { type?: string }) => boolean,
  delayMs: number,
): Script {
  const chunks: string[] = []
  let chunk = ''
  for (const frame of toSseFrames(events).map((frame, i) => ({
    frame,
    event: events[i] as { type?: string },
  }))) {
    chunk += frame.frame
    if (cut(frame.event)) {
      chunks.push(chunk)
      chunk = ''
    }
  }
  if (chunk !== '') chunks.push(chunk)
  return { kind: 'raw', chunks, delayMs }
}

/** Telegram calls refused or rate limited, violations of a running retry_after, and leaks: none. */
export function expectCleanTelegram(
  stack: E2eStack<FakeTelegram>,
  options: { rateLimits?: number } = {},
): void {
  const fake = stack.platform
  expect(telegramRefusals(fake)).toEqual([])
  expect(fake.violations).toEqual([])
  expect(fake.calls.filter((c) => c.status === 429)).toHaveLength(options.rateLimits ?? 0)
  expectNoLeaks(stack, telegramOutgoingTexts(fake))
}

/** The user says something; resolves once Herald has finished answering it (logged `answer finished`). */
export async function askAndWait(
  stack: E2eStack<FakeTelegram>,
  input: UserMessage,
  timeoutMs = 15_000,
): Promise<{ update: TgUpdate; answer: TgMessage }> {
  const fake = stack.platform
  const before = finishedAnswers(stack).length
  const update = fake.userSays(input)
  await fake.waitFor(() => finishedAnswers(stack).length > before, timeoutMs)
  return { update, answer: await replyTo(fake, update) }
}

/** The bot's (first) message that quotes the update's message. */
export function replyTo(fake: FakeTelegram, update: TgUpdate, timeoutMs = 10_000): Promise<TgMessage> {
  const asked = update.message!
  return fake.waitFor(
    () => fake.botMessages(asked.chat.id).find((m) => m.reply_to_message?.message_id === asked.message_id),
    timeoutMs,
  )
}

/** The Telegram user most end-to-end tests speak as, and her private chat with the bot. */
export const ADA = { id: 42, is_bot: false, first_name: 'Ada' }
export const CHAT = { id: 42, type: 'private' as const, first_name: 'Ada' }
