import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram, TgChat, TgUser } from '../fakes/fake-telegram.ts'
import {
  answerBy,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  promptOf,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** Groups, end to end: who triggers the bot, who may change settings, who may press Stop. */
const ADMIN: TgUser = { id: 900, is_bot: false, first_name: 'Grace' }
const user = (id: number, first_name: string): TgUser => ({ id, is_bot: false, first_name })
const group = (id: number): TgChat => ({ id, type: 'supergroup', title: `Group ${id}` })

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env: { TELEGRAM_ADMIN_IDS: String(ADMIN.id) } })
  return e2e
}

describe('Telegram groups, end to end', () => {
  test('only a mention, a reply to the bot, /ask and /ask@BotName reach the model; the rest costs nothing', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy((prompt) => `Answer: ${prompt}`)
    // Each trigger in its own group (by its own person), after messages that must be ignored.
    const [g1, g2, g3, g4] = [group(-1001), group(-1002), group(-1003), group(-1004)]
    const help = tg.userSays({ chat: g4!, from: user(104, 'Dan'), text: '/help' })
    const helpReply = await replyTo(tg, help)
    tg.userSays({ chat: g1!, from: user(101, 'Ann'), text: 'just chatting about the weather' })
    tg.userSays({ chat: g1!, from: user(101, 'Ann'), text: '/ask@OtherBot what is 1+1?' })
    tg.userSays({ chat: g2!, from: user(102, 'Ben'), text: 'HeraldBot is not a mention without @' })
    const mention = tg.userSays({ chat: g1!, from: user(101, 'Ann'), text: 'hey @HeraldBot what is 2+2?' })
    const ask = tg.userSays({ chat: g2!, from: user(102, 'Ben'), text: '/ask hello there' })
    const addressed = tg.userSays({ chat: g3!, from: user(103, 'Cy'), text: '/ask@HeraldBot why?' })
    const reply = tg.userSays({
      chat: g4!,
      from: user(104, 'Dan'),
      text: 'go on',
      reply_to_message_id: helpReply.message_id,
    })
    await tg.waitFor(() => finishedAnswers(e2e!).length === 4, 15_000)

    expect(responses.requests.map((r) => promptOf(r.body)).sort()).toEqual([
      'go on',
      'hello there',
      'hey what is 2+2?',
      'why?',
    ])
    for (const [update, prompt] of [
      [mention, 'hey what is 2+2?'],
      [ask, 'hello there'],
      [addressed, 'why?'],
      [reply, 'go on'],
    ] as const) {
      expect((await replyTo(tg, update)).text).toBe(`Answer: ${prompt}`)
    }
    expect(tg.botMessages(g1!)).toHaveLength(1)
    expect(tg.botMessages(g2!)).toHaveLength(1)
    expectCleanTelegram(e2e!)
  })

  test('settings in a group are refused for members and allowed for admins', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy(() => 'Fine.')
    const chat = group(-2001)
    const bob = user(5, 'Bob')
    const refused = tg.userSays({ chat, from: bob, text: '/model gpt-5' })
    expect((await replyTo(tg, refused)).text).toBe('Only admins can do that here.')
    const allowed = tg.userSays({ chat, from: ADMIN, text: '/model gpt-5' })
    expect((await replyTo(tg, allowed)).text).toBe('Model set to gpt-5.')
    const before = finishedAnswers(e2e!).length
    tg.userSays({ chat, from: bob, text: '/ask which model?' })
    await tg.waitFor(() => finishedAnswers(e2e!).length > before, 10_000)

    expect(responses.requests.map((r) => r.body?.model)).toEqual(['gpt-5'])
    expectCleanTelegram(e2e!)
  })

  test('Stop pressed by someone else is refused; pressed by the asker it stops the answer and keeps the text', async () => {
    e2e = await startE2e(telegramPlatform(), { tap: true, env: { TELEGRAM_ADMIN_IDS: String(ADMIN.id) } })
    const { platform: tg, responses, tap } = e2e
    const chat = group(-3001)
    const [ada, bob] = [user(42, 'Ada'), user(5, 'Bob')]
    const story = new Transcript({ id: 'resp_story' }).start().message(['Once upon', ' a time']).completed()
    // The stream stops after the text and stays open, as a long answer would.
    responses.enqueue(sse(story.events, { stallAfter: story.events.length - 4 }))
    const asked = tg.userSays({ chat, from: ada, text: '/ask tell me a long story' })
    const message = await tg.waitFor(() => {
      const m = tg.botMessages(chat).find((b) => b.reply_to_message?.message_id === asked.message?.message_id)
      return m?.text === 'Once upon a time ▍' && m
    }, 10_000)
    const stop = message.reply_markup?.inline_keyboard[0]?.[0]?.callback_data ?? ''
    expect(stop).toMatch(/^stop:/)

    tg.press(chat, message.message_id, stop, bob)
    await tg.waitFor(() => tg.state.callbackAnswers.length === 1)
    expect(tg.state.callbackAnswers[0]?.text).toBe('Only the person who asked (or an admin) can press this.')
    expect(e2e.herald.running.services.answers.all()).toHaveLength(1)

    tg.press(chat, message.message_id, stop, ada)
    await tg.waitFor(() => finishedAnswers(e2e!).length === 1, 10_000)
    expect(tg.state.callbackAnswers[1]?.text).toBe('Stopped.')
    const final = tg.message(chat, message.message_id)
    expect([final?.text, final?.reply_markup]).toEqual(['Once upon a time\n\nStopped.', undefined])
    expect(tap?.exchanges.map((x) => x.outcome)).toEqual(['closed'])
    expectCleanTelegram(e2e)
  })
})
