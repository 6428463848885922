import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
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

/** /voice on Telegram, end to end: the finished text answer, then the same answer as a voice message. */
const t = translator('en')

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(env: Record<string, string> = {}): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env })
  return e2e
}

async function command(text: string): Promise<string | undefined> {
  const tg = e2e!.platform
  return (await replyTo(tg, tg.userSays({ chat: CHAT, from: ADA, text }))).text
}

/** What the fake speech endpoint said: the bytes after its Ogg page header. */
function spokenText(tg: FakeTelegram, fileId: string): string {
  const file = tg.state.files.get(fileId)!
  return Buffer.from(file.bytes.subarray(6)).toString('utf8')
}

describe('answers spoken on Telegram, end to end', () => {
  test('off by default; with /voice on the text lands first, then the voice message, priced', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy(() => 'Oslo is the **capital** of Norway.')
    const quiet = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Capital of Norway?' })
    expect(quiet.answer.text).toBe('Oslo is the capital of Norway.')
    expect(tg.callsTo('sendVoice')).toEqual([])

    expect(await command('/voice on')).toBe('Answers also sent as voice messages: on.')
    expect(await command('/voice')).toBe('Answers also sent as voice messages: on.')
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Capital of Norway?' })

    expect(answer.text).toBe('Oslo is the capital of Norway.')
    const voice = tg.botMessages(CHAT).at(-1)!
    expect(voice.message_id).toBeGreaterThan(answer.message_id)
    expect([voice.voice?.mime_type, voice.caption]).toEqual(['audio/ogg', undefined])
    expect(spokenText(tg, voice.voice!.file_id)).toBe('Oslo is the capital of Norway.')
    const speech = responses.requests.filter((r) => r.pathname === '/v1/audio/speech')
    expect(speech.map((r) => r.body)).toEqual([
      {
        model: 'gpt-4o-mini-tts',
        input: 'Oslo is the capital of Norway.',
        voice: 'alloy',
        response_format: 'opus',
      },
    ])
    // 30 characters at $15 per 1M characters: 450 µUSD on top of the same answer's tokens.
    const [before, after] = finishedAnswers(e2e!).map((r) => r.usd as number)
    expect(after! - before!).toBeCloseTo(0.00045, 8)

    expect(await command('/voice off')).toBe('Answers also sent as voice messages: off.')
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Capital of Norway?' })
    expect(tg.callsTo('sendVoice')).toHaveLength(1)
    expectCleanTelegram(e2e!)
  })

  test('a long answer is spoken up to a sentence end within 4096 characters, the caption says the rest is in the text', async () => {
    const { platform: tg, responses } = await start()
    const sentence = 'This sentence is part of a long answer. '
    const long = sentence.repeat(120).trim()
    responses.route = answerBy(() => long)
    await command('/voice on')
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Tell me a lot.' })

    const voice = tg.botMessages(CHAT).at(-1)!
    expect(voice.caption).toBe(t('voice.rest_in_text'))
    const said = spokenText(tg, voice.voice!.file_id)
    expect(said.length).toBeLessThanOrEqual(4096)
    expect(said).toBe(sentence.repeat(Math.floor(4096 / sentence.length)).trim())
    expectCleanTelegram(e2e!)
  })

  test('a speech failure leaves the text answer whole: one notice, one log line, no voice message', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy(() => 'Still here.')
    responses.enqueueFor('/v1/audio/speech', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'Invalid voice.', type: 'invalid_request_error', param: 'voice' } },
    })
    await command('/voice on')
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Are you there?' })

    expect(answer.text).toBe('Still here.')
    expect(tg.botMessages(CHAT).at(-1)!.text).toBe(t('voice.failed'))
    expect(tg.callsTo('sendVoice')).toEqual([])
    expect(e2e!.heralds.flatMap((h) => h.logs.find('speaking the answer failed'))).toHaveLength(1)
    expect(finishedAnswers(e2e!).map((r) => r.status)).toEqual(['completed'])
    expectCleanTelegram(e2e!)
  })

  test('a reply to the voice message continues the conversation from that answer', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy((prompt) => `On ${prompt}.`)
    expect(await command('/voice on')).toBe('Answers also sent as voice messages: on.')
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'cats' })
    const catsVoice = await tg.waitFor(() => tg.botMessages(CHAT).find((m) => m.voice !== undefined))
    await tg.waitFor(() => tg.callsTo('sendVoice').length === 1)
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'dogs' })
    await tg.waitFor(() => tg.callsTo('sendVoice').length === 2)
    await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: 'more about them',
      reply_to_message_id: catsVoice.message_id,
    })

    const asked = responses.requests.filter((r) => r.pathname === '/v1/responses')
    expect(asked.map((r) => [promptOf(r.body), r.body?.previous_response_id])).toEqual([
      ['cats', undefined],
      ['dogs', 'resp_1'],
      ['more about them', 'resp_1'],
    ])
    expectCleanTelegram(e2e!)
  })

  test('TTS_VOICE chooses the voice', async () => {
    const { responses } = await start({ TTS_VOICE: 'coral' })
    responses.route = answerBy(() => 'Hello.')
    expect(await command('/voice on')).toBe('Answers also sent as voice messages: on.')
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'Hi' })
    const speech = await e2e!.platform.waitFor(() =>
      responses.requests.find((r) => r.pathname === '/v1/audio/speech'),
    )
    expect(speech.body?.voice).toBe('coral')
  })
})
