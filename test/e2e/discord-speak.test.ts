import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeDiscord, FakeUser } from '../fakes/fake-discord.ts'
import { botMessages, type DiscordE2E, mention, startDiscordE2E } from './discord-harness.ts'
import { answerBy } from './harness.ts'

const t = translator('en')

/** /voice on Discord, end to end: the text answer, then the same answer as an Ogg/Opus attachment. */
let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

/** Runs /voice and resolves with its filled deferred reply. */
async function voice(fake: FakeDiscord, user: FakeUser, enabled: boolean): Promise<string> {
  const interaction = fake.slash({ name: 'voice', options: { enabled }, user, channel: fake.general })
  const reply = await fake.waitFor(() =>
    fake
      .messages(fake.general, { ephemeral: true })
      .find((m) => m.interaction?.id === interaction.id && m.content !== ''),
  )
  return reply.content
}

describe('answers spoken on Discord, end to end', () => {
  test('with /voice on the answer is followed by a voice attachment; off (the default) sends none', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.route = answerBy(() => 'Late evening.')
    fake.userMessage({ content: mention(fake, 'what time is it in Tokyo?'), author: fake.bob })
    await e2e.answersFinished(1)
    expect(botMessages(fake).map((m) => [m.content, m.attachments.length])).toEqual([['Late evening.', 0]])

    expect(await voice(fake, fake.alice, true)).toBe('Answers also sent as voice messages: **on**.')
    fake.userMessage({ content: mention(fake, 'what time is it in Tokyo?'), author: fake.bob })
    await e2e.answersFinished(2)
    const [text, spoken] = botMessages(fake).slice(-2)
    expect([text!.content, text!.attachments]).toEqual(['Late evening.', []])
    expect(spoken!.attachments.map((a) => a.filename)).toEqual(['answer.ogg'])
    const stored = fake.world.files.get(new URL(spoken!.attachments[0]!.url).pathname)!
    expect(Buffer.from(stored.bytes.subarray(6)).toString('utf8')).toBe('Late evening.')
    expect(upstream.requests.filter((r) => r.pathname === '/v1/audio/speech')).toHaveLength(1)

    expect(await voice(fake, fake.alice, false)).toBe('Answers also sent as voice messages: **off**.')
    fake.userMessage({ content: mention(fake, 'and now?'), author: fake.bob })
    await e2e.answersFinished(3)
    expect(upstream.requests.filter((r) => r.pathname === '/v1/audio/speech')).toHaveLength(1)
    expect(botMessages(fake).at(-1)!.attachments).toEqual([])
  })

  test('a speech failure leaves the text answer whole, with one short notice after it', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.route = answerBy(() => 'Late evening.')
    upstream.enqueueFor('/v1/audio/speech', {
      kind: 'json',
      status: 400,
      body: { error: { message: 'Invalid voice.', type: 'invalid_request_error', param: 'voice' } },
    })
    await voice(fake, fake.alice, true)
    fake.userMessage({ content: mention(fake, 'what time is it in Tokyo?'), author: fake.bob })
    await e2e.answersFinished(1)
    const [text, notice] = botMessages(fake).slice(-2)
    expect([text!.content, notice!.content]).toEqual(['Late evening.', t('voice.failed')])
    expect(botMessages(fake).flatMap((m) => m.attachments)).toEqual([])
    expect(e2e.logs.filter((l) => l.msg === 'speaking the answer failed')).toHaveLength(1)
  })
})
