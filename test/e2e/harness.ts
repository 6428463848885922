import { expect } from 'vitest'
import type { Env } from '../../src/app/config.ts'
import type { FakeResponsesApi, Script } from '../fakes/fake-responses-api.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript, toSseFrames } from '../fakes/fake-responses-transcripts.ts'
import type {
  FakeTelegram,
  FakeTelegramOptions,
  TgMessage,
  TgUpdate,
  UserMessage,
} from '../fakes/fake-telegram.ts'
import {
  type Bot,
  type BotStack,
  type BotStackOptions,
  startBotStack,
  type UpstreamTap,
} from '../helpers/bot-stack.ts'

/**
 * End-to-end stacks: a view of the bot stack (test/helpers/bot-stack.ts: the real Herald started as
 * `npm start` starts it, against the fakes, on a fresh SQLite file, every log line captured) with
 * one platform in front, named by a `PlatformSetup`: `telegramPlatform()` here.
 *
 * @example
 *   const e2e = await startE2e(telegramPlatform())
 *   e2e.responses.route = answerBy((prompt) => `You said ${prompt}`)
 *   e2e.platform.userSays({ chat: { id: 42, type: 'private' }, text: 'hi' })
 *   await e2e.close()
 */

export const E2E_OPENAI_KEY = 'sk-e2e-SECRET-0123456789abcdef'
export const E2E_TELEGRAM_TOKEN = '7654321:AAE2eSecretTelegramToken_0123456789'

/** A platform of a stack: which fake the bot stack starts, and that fake, for the tests to drive. */
export interface PlatformSetup<P> {
  fakes: Pick<BotStackOptions, 'telegram' | 'discord'>
  platform(stack: BotStack): P
}

/** One Herald of a stack. */
export type RunningHerald = Bot

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
  /** Every secret the configuration holds. */
  readonly secrets: string[]
  /** Stops Herald and starts a new one on the same store, fakes and environment. */
  restart(env?: Env): Promise<RunningHerald>
  close(): Promise<void>
}

export async function startE2e<P>(setup: PlatformSetup<P>, options: E2eOptions = {}): Promise<E2eStack<P>> {
  const stack = await startBotStack({
    ...setup.fakes,
    env: { OPENAI_API_KEY: E2E_OPENAI_KEY, ...options.env },
    ...(options.tap ? { tap: true } : {}),
    ...(options.storeFile === undefined ? {} : { storeFile: options.storeFile }),
  })
  return {
    platform: setup.platform(stack),
    responses: stack.responses,
    tap: stack.tap,
    storeFile: stack.storeFile,
    env: stack.env,
    get herald() {
      return stack.bot
    },
    heralds: stack.bots,
    get secrets() {
      return stack.secrets
    },
    restart: (env) => stack.restart(env),
    close: () => stack.close(),
  }
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
  return {
    fakes: { telegram: { ...options, token: options.token ?? E2E_TELEGRAM_TOKEN } },
    platform: (stack) => stack.telegram!,
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
