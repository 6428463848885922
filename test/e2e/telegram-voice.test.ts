import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { oggVoice } from '../fakes/audio.ts'
import { transcript } from '../fakes/fake-responses-api.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  answerBy,
  askAndWait,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  promptOf,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** Voice notes on Telegram, end to end: transcribed, the transcript shown, then answered like text. */
const t = translator('en')

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform())
  return e2e
}

describe('voice notes on Telegram, end to end', () => {
  test('a voice note is transcribed as is, its transcript quoted at the top of the answer', async () => {
    const { responses } = await start()
    responses.enqueueFor('/v1/audio/transcriptions', transcript('What is the capital of Norway?'))
    responses.route = answerBy(() => 'Oslo.')
    const voice = oggVoice()
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, voice: { bytes: voice, duration: 4 } })

    expect(answer.text).toBe('What is the capital of Norway?\n\nOslo.')
    expect(answer.entities).toContainEqual({ type: 'blockquote', offset: 0, length: 30 })
    const [heard, asked] = responses.requests
    expect([heard!.pathname, heard!.body, heard!.files.map((f) => [f.name, f.type, f.bytes.length])]).toEqual(
      [
        '/v1/audio/transcriptions',
        { model: 'gpt-4o-mini-transcribe', response_format: 'json' },
        [['voice.ogg', 'audio/ogg', voice.length]],
      ],
    )
    expect(promptOf(asked!.body)).toBe('What is the capital of Norway?')
    // gpt-5-mini tokens (18 µUSD) + 4 s at $0.003 per minute (200 µUSD).
    expect(finishedAnswers(e2e!).map((r) => r.usd)).toEqual([0.000218])
    expectCleanTelegram(e2e!)
  })

  test('a caption beside the voice note goes with its transcript', async () => {
    const { responses } = await start()
    responses.enqueueFor('/v1/audio/transcriptions', transcript('Summarise this meeting.'))
    responses.route = answerBy(() => 'Done.')
    await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      voice: { bytes: oggVoice(), duration: 12 },
      caption: 'In three bullet points.',
    })
    expect(promptOf(responses.requests[1]!.body)).toBe('Summarise this meeting.\n\nIn three bullet points.')
  })

  test('too long, or too large for the Bot API: one line, and nothing downloaded or sent upstream', async () => {
    const { platform: tg, responses } = await start()
    const long = tg.userSays({ chat: CHAT, from: ADA, voice: { bytes: oggVoice(), duration: 301 } })
    expect((await replyTo(tg, long)).text).toBe(t('voice.too_long', { seconds: 301, max: 300 }))
    const large = tg.userSays({
      chat: CHAT,
      from: ADA,
      voice: { bytes: oggVoice(), duration: 60, fileSize: 21 * 1024 * 1024 },
    })
    expect((await replyTo(tg, large)).text).toBe(
      t('reason.failed', { message: t('voice.too_large', { size: '21.0', max: '20' }) }),
    )
    expect(responses.requests).toEqual([])
    expect([tg.callsTo('getFile'), tg.downloads]).toEqual([[], []])
  })
})
