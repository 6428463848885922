import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { promptOf, textEvents } from '../e2e/harness.ts'
import type { FakeChannel, FakeUser, RecordedRequest } from '../fakes/fake-discord.ts'
import { type Script, serverError, sse } from '../fakes/fake-responses-api.ts'
import { type Stack, startStack, until } from './stack.ts'

/**
 * A soak, bounded in time: 200 conversations across 50 chats (25 Telegram private chats, 25 Discord
 * DMs), 4 asks in a row per chat and every chat at once, with both fakes enforcing their flood limits
 * and faults injected at fixed rates from a seeded RNG (one stream per chat, so the faults do not
 * depend on how the chats interleave): upstream 500s before the first byte, streams cut mid-answer,
 * platform 429s and 5xx on sends and edits.
 *
 * At the end: every answer's final text is in the fake platform in full (a cut one as its partial
 * text and the reason line); no chat got a 429 it did not honour; and the heap, after a full GC,
 * is back within a bound of where it was after the first round.
 */
const t = translator('en')
const SEED = 20_240_601
const CHATS_PER_PLATFORM = 25
const ROUNDS = 4
const RATES = { upstream500: 0.1, cut: 0.1, platform429: 0.15, platform5xx: 0.1 }
/**
 * Heap growth allowed between the first round and the end, both after a full GC. The fakes (in this
 * process) keep every message and request, about 2.7 MB for the 150 conversations after the first
 * round; a leak of 40 KB or more per conversation breaks this bound.
 */
const HEAP_BOUND_BYTES = 8 * 1024 * 1024

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS =
  'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa'.split(
    ' ',
  )

interface Conversation {
  prompt: string
  answer: string
  /** Deltas the answer streams in. */
  deltas: number
  fault: 'none' | 'upstream500' | 'cut'
  platformFault: 'none' | '429' | '5xx'
  /** What the platform must show at the end. */
  expected?: string
  attempts: number
}

interface Chat {
  platform: 'telegram' | 'discord'
  index: number
  random: () => number
  conversations: Conversation[]
  telegramId?: number
  user?: FakeUser
  dm?: FakeChannel
}

let stack: Stack
let chats: Chat[]
const byPrompt = new Map<string, Conversation>()
let gc: () => void

function plan(chat: Chat, round: number): Conversation {
  const r = chat.random
  const words = Array.from(
    { length: 20 + Math.floor(r() * 100) },
    () => WORDS[Math.floor(r() * WORDS.length)],
  )
  const upstream = r()
  const platform = r()
  const conversation: Conversation = {
    prompt: `q ${chat.platform} ${chat.index}.${round}`,
    answer: `Answer ${chat.index}.${round}: ${words.join(' ')}.`,
    deltas: 5,
    fault:
      upstream < RATES.upstream500
        ? 'upstream500'
        : upstream < RATES.upstream500 + RATES.cut
          ? 'cut'
          : 'none',
    platformFault:
      platform < RATES.platform429
        ? '429'
        : platform < RATES.platform429 + RATES.platform5xx
          ? '5xx'
          : 'none',
    attempts: 0,
  }
  byPrompt.set(conversation.prompt, conversation)
  return conversation
}

/** The fake Responses API, driven by each conversation's plan. */
function route(req: { body: Record<string, unknown> | undefined }): Script {
  const conversation = byPrompt.get(promptOf(req.body))
  if (!conversation) return serverError(400)
  conversation.attempts++
  const events = textEvents(
    conversation.answer,
    `resp_${conversation.prompt.replace(/\W/g, '_')}`,
    conversation.deltas,
  )
  if (conversation.fault === 'upstream500' && conversation.attempts === 1) return serverError(500)
  // created, in_progress, item added, part added, then the deltas: the cut comes after two of them.
  if (conversation.fault === 'cut') return sse(events, { cutAfter: 6, delayMs: 30 })
  return sse(events, { delayMs: 30 })
}

function partialOf(conversation: Conversation): string {
  const chars = [...conversation.answer]
  const size = Math.ceil(chars.length / conversation.deltas)
  return chars
    .slice(0, 2 * size)
    .join('')
    .trimEnd()
}

/** Arms a platform fault for the chat's next call, as the plan says. */
function armPlatformFault(chat: Chat, conversation: Conversation): void {
  if (conversation.platformFault === 'none') return
  if (chat.platform === 'telegram') {
    const telegram = stack.telegram!
    if (conversation.platformFault === '429') telegram.rateLimitNext(chat.telegramId!, 1)
    else telegram.failNext(chat.random() < 0.5 ? 'sendMessage' : 'editMessageText', 502, 'Bad Gateway')
    return
  }
  const discord = stack.discord!
  if (conversation.platformFault === '429')
    discord.rateLimitNext({ retryAfterMs: 1000, channelId: chat.dm!.id })
  // discord.js retries a 5xx three times itself: four failures reach Herald.
  else discord.failNext({ status: 502, route: '/channels/:channel/messages/:message', times: 4 })
}

/** Finished answers per chat key, read incrementally from the log (parsing every line on every poll is too slow). */
const finishedPerChat = new Map<string, number>()
let readLines = 0
function countFinished(): void {
  const lines = stack.herald.logs.lines
  for (; readLines < lines.length; readLines++) {
    const line = lines[readLines]!
    if (!line.includes('"answer finished"')) continue
    const chat = (JSON.parse(line) as { chat: string }).chat
    finishedPerChat.set(chat, (finishedPerChat.get(chat) ?? 0) + 1)
  }
}

/** One conversation: the user asks, and Herald's answer is finished. */
async function converse(chat: Chat, conversation: Conversation): Promise<void> {
  armPlatformFault(chat, conversation)
  if (chat.platform === 'telegram') {
    stack.telegram!.userSays({ chat: { id: chat.telegramId!, type: 'private' }, text: conversation.prompt })
  } else {
    stack.discord!.userMessage({ content: conversation.prompt, author: chat.user!, channel: chat.dm! })
  }
  const done = chat.conversations.indexOf(conversation) + 1
  await until(
    () => {
      countFinished()
      return (finishedPerChat.get(chatKey(chat)) ?? 0) >= done
    },
    `the end of ${conversation.prompt}`,
    30_000,
  )
}

function chatKey(chat: Chat): string {
  return chat.platform === 'telegram' ? `telegram:${chat.telegramId}` : `discord:${chat.dm!.id}`
}

async function round(n: number): Promise<void> {
  await Promise.all(
    chats.map(async (chat) => {
      const conversation = plan(chat, n)
      chat.conversations.push(conversation)
      await converse(chat, conversation)
    }),
  )
}

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

beforeAll(async () => {
  setFlagsFromString('--expose_gc')
  gc = runInNewContext('gc') as () => void
  stack = await startStack({ discord: {}, env: { USER_REQUESTS_PER_MINUTE: '0', LOG_LEVEL: 'info' } })
  stack.responses.route = route
  const discord = stack.discord!
  chats = []
  for (let i = 0; i < CHATS_PER_PLATFORM; i++) {
    chats.push({
      platform: 'telegram',
      index: i,
      random: rng(SEED + i),
      conversations: [],
      telegramId: 3000 + i,
    })
    const user = discord.addUser(`soak${i}`)
    chats.push({
      platform: 'discord',
      index: i,
      random: rng(SEED + 1000 + i),
      conversations: [],
      user,
      dm: discord.dmChannel(user),
    })
  }
})

afterAll(async () => {
  await stack?.close()
})

test('200 conversations across 50 chats with random faults: every answer lands, every 429 is honoured, memory returns', async () => {
  await round(0)
  const baseline = heapAfterGc()
  for (let n = 1; n < ROUNDS; n++) await round(n)
  const after = heapAfterGc()

  const all = chats.flatMap((chat) => chat.conversations.map((conversation) => ({ chat, conversation })))
  expect(all).toHaveLength(200)
  expect(stack.finished()).toHaveLength(200)
  // Faults did happen, at about their rates.
  const count = (pick: (c: Conversation) => boolean) =>
    all.filter(({ conversation }) => pick(conversation)).length
  expect(count((c) => c.fault === 'upstream500')).toBeGreaterThan(5)
  expect(count((c) => c.fault === 'cut')).toBeGreaterThan(5)
  expect(count((c) => c.platformFault === '429')).toBeGreaterThan(10)
  expect(count((c) => c.platformFault === '5xx')).toBeGreaterThan(5)

  // Every final text, in full.
  const shown: Array<[string, string]> = []
  const expected: Array<[string, string]> = []
  for (const { chat, conversation } of all) {
    const reason = t('reason.stream_ended')
    const full =
      conversation.fault === 'cut'
        ? chat.platform === 'telegram'
          ? `${partialOf(conversation)}\n\n${reason}`
          : `${partialOf(conversation)}\n\n-# ${reason}`
        : conversation.answer
    expected.push([conversation.prompt, full])
    shown.push([conversation.prompt, finalTextOf(chat, conversation)])
  }
  expect(shown).toEqual(expected)

  // No call inside a running retry_after.
  expect(stack.telegram!.violations).toEqual([])
  expect(discordViolations(stack.discord!.requests)).toEqual([])
  expect(stack.telegram!.calls.filter((c) => c.status === 429).length).toBeGreaterThan(0)
  expect(stack.discord!.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0)

  expect(after - baseline).toBeLessThan(HEAP_BOUND_BYTES)
}, 60_000)

function finalTextOf(chat: Chat, conversation: Conversation): string {
  if (chat.platform === 'telegram') {
    const telegram = stack.telegram!
    const asked = telegram.messages(chat.telegramId!).find((m) => m.text === conversation.prompt)
    const reply = telegram
      .botMessages(chat.telegramId!)
      .find((m) => m.reply_to_message?.message_id === asked?.message_id)
    return reply?.text ?? '(missing)'
  }
  const discord = stack.discord!
  const asked = discord.messages(chat.dm!).find((m) => m.content === conversation.prompt)
  const reply = discord.messages(chat.dm!).find((m) => m.reference?.message_id === asked?.id)
  return reply?.content ?? '(missing)'
}

/** Message sends and edits in a channel while a 429 it got was still running. */
function discordViolations(requests: readonly RecordedRequest[]): string[] {
  const writes = requests.filter(
    (r) => (r.method === 'POST' || r.method === 'PATCH') && r.route.startsWith('/channels/:channel/messages'),
  )
  return writes
    .filter((r) => r.status === 429)
    .flatMap((limited) => {
      const retryMs = ((limited.response as { retry_after?: number }).retry_after ?? 0) * 1000
      return writes
        .filter(
          (r) =>
            r.params.channel === limited.params.channel &&
            r.at > limited.at &&
            r.at < limited.at + retryMs - 25,
        )
        .map((r) => `${r.method} ${r.path} at +${r.at - limited.at} ms inside a ${retryMs} ms retry_after`)
    })
}
