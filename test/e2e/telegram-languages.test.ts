import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram, TgChat, TgMessage, TgUser } from '../fakes/fake-telegram.ts'
import {
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/**
 * One group, two people: Ann's Telegram is in Chinese, Ben's in English. At default settings each
 * reads Herald's own words in their language; messages for the whole group follow the group's
 * /language (the operator's LANGUAGE until an admin sets it).
 */
const en = translator('en')
const zh = translator('zh')
const ANN: TgUser = { id: 301, is_bot: false, first_name: 'Ann', language_code: 'zh-hans' }
const BEN: TgUser = { id: 302, is_bot: false, first_name: 'Ben', language_code: 'en' }
const GRACE: TgUser = { id: 900, is_bot: false, first_name: 'Grace', language_code: 'en' }
const GROUP: TgChat = { id: -4001, type: 'supergroup', title: 'Mixed' }

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env: { TELEGRAM_ADMIN_IDS: String(GRACE.id) } })
  return e2e
}

/** The bot's live answer to `asked` once its text shows, with the Stop button still on it. */
function streaming(tg: FakeTelegram, asked: { message?: TgMessage }, text: string): Promise<TgMessage> {
  return tg.waitFor(() => {
    const m = tg.botMessages(GROUP).find((b) => b.reply_to_message?.message_id === asked.message?.message_id)
    return m?.text === `${text} ▍` && m
  }, 10_000)
}

describe('Telegram: each person in their own language', () => {
  test('help and refusals follow the person who asked', async () => {
    const { platform: tg } = await start()
    const annHelp = await replyTo(tg, tg.userSays({ chat: GROUP, from: ANN, text: '/help' }))
    const benHelp = await replyTo(tg, tg.userSays({ chat: GROUP, from: BEN, text: '/help' }))
    expect(annHelp.text?.split('\n')[0]).toBe('Herald：有问必答。')
    expect(benHelp.text?.split('\n')[0]).toBe('Herald: ask anything.')

    const annRefused = await replyTo(tg, tg.userSays({ chat: GROUP, from: ANN, text: '/model gpt-5' }))
    const benRefused = await replyTo(tg, tg.userSays({ chat: GROUP, from: BEN, text: '/model gpt-5' }))
    expect([annRefused.text, benRefused.text]).toEqual([zh('policy.admin_only'), en('policy.admin_only')])
    expectCleanTelegram(e2e!)
  })

  test('the Stop button, its answer and the stopped line are in the asker’s language', async () => {
    const { platform: tg, responses } = await start()
    for (const id of ['resp_ann', 'resp_ben']) {
      const story = new Transcript({ id }).start().message(['Once upon', ' a time']).completed()
      responses.enqueue(sse(story.events, { stallAfter: story.events.length - 4 }))
    }
    const annAsked = tg.userSays({ chat: GROUP, from: ANN, text: '/ask 讲个故事' })
    const annAnswer = await streaming(tg, annAsked, 'Once upon a time')
    const benAsked = tg.userSays({ chat: GROUP, from: BEN, text: '/ask tell me a story' })
    const benAnswer = await streaming(tg, benAsked, 'Once upon a time')
    const button = (m: TgMessage) => m.reply_markup?.inline_keyboard[0]?.[0]
    expect([button(annAnswer)?.text, button(benAnswer)?.text]).toEqual(['停止', 'Stop'])

    // Ben pressing Ann's Stop is refused in English; Ann's own press answers in Chinese.
    tg.press(GROUP, annAnswer.message_id, button(annAnswer)?.callback_data ?? '', BEN)
    await tg.waitFor(() => tg.state.callbackAnswers.length === 1)
    tg.press(GROUP, annAnswer.message_id, button(annAnswer)?.callback_data ?? '', ANN)
    tg.press(GROUP, benAnswer.message_id, button(benAnswer)?.callback_data ?? '', BEN)
    await tg.waitFor(() => finishedAnswers(e2e!).length === 2, 10_000)
    expect(tg.state.callbackAnswers.map((a) => a.text)).toEqual([
      en('button.not_yours'),
      zh('ask.stopped'),
      en('ask.stopped'),
    ])
    expect(tg.message(GROUP, annAnswer.message_id)?.text).toBe(`Once upon a time\n\n${zh('reason.aborted')}`)
    expect(tg.message(GROUP, benAnswer.message_id)?.text).toBe(`Once upon a time\n\n${en('reason.aborted')}`)
    expectCleanTelegram(e2e!)
  })

  test('a research request card is for the whole group: the group’s /language, set by an admin', async () => {
    const { platform: tg } = await start()
    const before = await replyTo(
      tg,
      tg.userSays({ chat: GROUP, from: ANN, text: '/research 太阳能电池的效率' }),
    )
    expect(before.text?.split('\n')[0]).toBe('Research request from Ann')

    const set = await replyTo(tg, tg.userSays({ chat: GROUP, from: GRACE, text: '/language zh' }))
    expect(set.text).toBe('本聊天的语言已设为简体中文。')
    const after = await replyTo(tg, tg.userSays({ chat: GROUP, from: BEN, text: '/research solar cells' }))
    expect(after.text?.split('\n')[0]).toBe('研究申请，来自 Ben')
    // Ben's own replies stay English: his Telegram says so.
    const help = await replyTo(tg, tg.userSays({ chat: GROUP, from: BEN, text: '/help' }))
    expect(help.text?.split('\n')[0]).toBe('Herald: ask anything.')
    expectCleanTelegram(e2e!)
  })
})
