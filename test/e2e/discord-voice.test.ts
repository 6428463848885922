import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { oggVoice } from '../fakes/audio.ts'
import { transcript } from '../fakes/fake-responses-api.ts'
import { botMessages, type DiscordE2E, startDiscordE2E } from './discord-harness.ts'
import { answerBy, promptOf } from './harness.ts'

/** Voice messages on Discord, end to end: transcribed, the transcript quoted, then answered. */
const t = translator('en')

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const voiceMessage = (durationSecs: number) => ({
  filename: 'voice-message.ogg',
  contentType: 'audio/ogg',
  bytes: oggVoice(),
  durationSecs,
})

describe('voice messages on Discord, end to end', () => {
  test('a voice message in a DM is transcribed and answered, the transcript quoted first', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueueFor('/v1/audio/transcriptions', transcript('What time is it in Tokyo?'))
    upstream.route = answerBy(() => 'Late evening.')
    const dm = fake.dmChannel(fake.alice)
    fake.userMessage({ content: '', channel: dm, attachments: [voiceMessage(3.5)] })
    await e2e.answersFinished(1)

    expect(botMessages(fake, dm).map((m) => m.content)).toEqual([
      '> What time is it in Tokyo?\n\nLate evening.',
    ])
    const [heard, asked] = upstream.requests
    expect(heard!.files.map((f) => [f.name, f.type])).toEqual([['voice-message.ogg', 'audio/ogg']])
    expect(promptOf(asked!.body)).toBe('What time is it in Tokyo?')
  })

  test('a voice message past MAX_AUDIO_SECONDS is refused in one line before anything is downloaded', async () => {
    e2e = await startDiscordE2E({ env: { MAX_AUDIO_SECONDS: '60' } })
    const { fake, upstream } = e2e
    const dm = fake.dmChannel(fake.alice)
    fake.userMessage({ content: '', channel: dm, attachments: [voiceMessage(75)] })
    const refusal = await fake.waitFor(() => botMessages(fake, dm).find((m) => m.content !== ''))
    expect(refusal.content).toBe(t('voice.too_long', { seconds: 75, max: 60 }))
    expect([upstream.requests, fake.downloads]).toEqual([[], []])
  })
})
