import { Telegram } from 'telegraf'
import { afterEach, describe, expect, test } from 'vitest'
import { telegramChatRef } from '../../src/adapters/telegram/telegram-adapter.ts'
import {
  createSurfaceShared,
  createTelegramSurface,
  type TelegramSurfaceShared,
} from '../../src/adapters/telegram/telegram-surface.ts'
import { createLiveMessage, type LiveResult } from '../../src/core/live/live-message.ts'
import { createLaneRegistry, type LaneRegistry } from '../../src/core/live/scheduler.ts'
import { type AnswerState, initialState } from '../../src/core/responses/state.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { type FakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  askAndWait,
  CHAT,
  chatCalls,
  type E2eStack,
  expectCleanTelegram,
  startE2e,
  telegramPlatform,
  telegramRefusals,
  textEvents,
} from './harness.ts'

/**
 * Drafts (`sendMessageDraft`) in a private chat, end to end: the live-message engine and the real
 * Telegram surface (telegraf) against the fake Bot API, and the whole bot, whose answers carry a
 * Stop button (which a draft cannot show) and so stream by edits.
 */
const ANSWER = 'Drafts animate while the model writes, and the finished answer is sent once.'

let fake: FakeTelegram | undefined
let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  await fake?.close()
  e2e = undefined
  fake = undefined
})

/** Streams ANSWER word by word (every 300 ms, about 3.5 s in all) into a live message on a real Telegram surface. */
async function streamAnswer(
  tg: FakeTelegram,
  shared: TelegramSurfaceShared,
  lanes: LaneRegistry,
): Promise<LiveResult> {
  const asked = tg.userSays({ chat: CHAT, from: ADA, text: 'tell me about drafts' })
  const surface = createTelegramSurface({
    telegram: new Telegram(tg.token, { apiRoot: tg.url }),
    chat: telegramChatRef(CHAT),
    shared,
    replyToMessageId: asked.message!.message_id,
  })
  const live = createLiveMessage({ surface, lanes, options: { typingEveryMs: 0 } })
  const words = ANSWER.split(' ')
  let state: AnswerState = { ...initialState(), activity: { kind: 'writing' } }
  for (let i = 1; i <= words.length; i++) {
    state = { ...state, text: words.slice(0, i).join(' ') }
    live.update(state)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  return live.finish({ ...state, status: 'completed' })
}

describe('Telegram drafts, end to end', () => {
  test('a private answer shows as drafts, then lands as one sendMessage with the final text and no edit', async () => {
    fake = await startFakeTelegram({ draftSupported: true })
    const result = await streamAnswer(fake, createSurfaceShared(), createLaneRegistry())

    const drafts = fake.callsTo('sendMessageDraft')
    expect(drafts.length).toBeGreaterThanOrEqual(3)
    expect(drafts.every((c) => c.status === 200 && c.body.parse_mode === 'HTML')).toBe(true)
    expect(new Set(drafts.map((c) => c.body.draft_id)).size).toBe(1)
    // Growing prefixes of the answer, with the cursor after them.
    const previews = drafts.slice(1).map((c) => String(c.body.text))
    expect(previews.every((t) => t.endsWith(' ▍') && ANSWER.startsWith(t.slice(0, -2)))).toBe(true)
    expect(chatCalls(fake, CHAT.id).map((c) => [c.method, c.body.text])).toEqual([['sendMessage', ANSWER]])
    expect(drafts.at(-1)!.at).toBeLessThan(fake.callsTo('sendMessage')[0]!.at)
    expect(fake.botMessages(CHAT).map((m) => m.text)).toEqual([ANSWER])
    expect(result.outcome).toBe('delivered')
    expect(result.messages.map((m) => [m.ref.id, m.text])).toEqual([
      [String(fake.botMessages(CHAT)[0]!.message_id), ANSWER],
    ])
    expect([telegramRefusals(fake), fake.violations, fake.calls.filter((c) => c.status === 429)]).toEqual([
      [],
      [],
      [],
    ])
  })

  test('without sendMessageDraft on the server, the answer falls back to edits, and the next one skips drafts', async () => {
    fake = await startFakeTelegram({ draftSupported: false })
    const shared = createSurfaceShared()
    const lanes = createLaneRegistry()
    const first = await streamAnswer(fake, shared, lanes)
    const second = await streamAnswer(fake, shared, lanes)

    expect([first.outcome, second.outcome]).toEqual(['delivered', 'delivered'])
    expect(fake.callsTo('sendMessageDraft').map((c) => c.status)).toEqual([404])
    expect(shared.draftAvailable).toBe(false)
    // Each answer: one sendMessage (the text so far), then edits of that message, the last with the final text.
    for (const result of [first, second]) {
      const id = Number(result.messages[0]!.ref.id)
      const calls = chatCalls(fake, CHAT.id).filter(
        (c) => c.body.message_id === id || (c.result as { message_id?: number })?.message_id === id,
      )
      expect(calls[0]?.method).toBe('sendMessage')
      expect(calls.slice(1).length).toBeGreaterThanOrEqual(2)
      expect(calls.slice(1).every((c) => c.method === 'editMessageText')).toBe(true)
      expect(calls.at(-1)?.body.text).toBe(ANSWER)
    }
    expect(chatCalls(fake, CHAT.id).filter((c) => c.method === 'sendMessage')).toHaveLength(2)
    expect(fake.botMessages(CHAT).map((m) => m.text)).toEqual([ANSWER, ANSWER])
    expect([fake.violations, fake.calls.filter((c) => c.status === 429)]).toEqual([[], []])
  })

  test('through the whole bot, an answer with its Stop button streams by edits even where drafts work', async () => {
    e2e = await startE2e(telegramPlatform({ draftSupported: true }))
    const { platform: tg, responses } = e2e
    responses.enqueue(sse(textEvents(ANSWER, 'resp_1', 8), { delayMs: 250 }))
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'tell me about drafts' })

    expect(tg.callsTo('sendMessageDraft')).toEqual([])
    const [first, ...edits] = chatCalls(tg, CHAT.id)
    expect(first?.method).toBe('sendMessage')
    expect(first?.body.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Stop', callback_data: expect.stringMatching(/^stop:/) }]],
    })
    expect(edits.length).toBeGreaterThanOrEqual(2)
    expect(edits.every((c) => c.method === 'editMessageText')).toBe(true)
    expect([answer.text, answer.reply_markup]).toEqual([ANSWER, undefined])
    expectCleanTelegram(e2e)
  })

  test('with TELEGRAM_DRAFTS=on, a private answer streams as drafts and lands as one message, with no Stop button', async () => {
    e2e = await startE2e(telegramPlatform({ draftSupported: true }), { env: { TELEGRAM_DRAFTS: 'on' } })
    const { platform: tg, responses } = e2e
    responses.enqueue(sse(textEvents(ANSWER, 'resp_1', 8), { delayMs: 250 }))
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'tell me about drafts' })

    const drafts = tg.callsTo('sendMessageDraft')
    expect(drafts.length).toBeGreaterThanOrEqual(2)
    expect(new Set(drafts.map((c) => c.body.draft_id)).size).toBe(1)
    expect(drafts.every((c) => c.body.reply_markup === undefined)).toBe(true)
    const writes = chatCalls(tg, CHAT.id).filter(
      (c) => c.method !== 'sendMessageDraft' && c.method !== 'sendChatAction',
    )
    expect(writes.map((c) => c.method)).toEqual(['sendMessage'])
    expect([answer.text, answer.reply_markup]).toEqual([ANSWER, undefined])
    expectCleanTelegram(e2e)
  })
})
