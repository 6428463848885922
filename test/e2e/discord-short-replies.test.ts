import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { botMessages, type DiscordE2E, mention, messageWrites, startDiscordE2E } from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')

/** The calls that send or edit messages in #general (not interaction webhooks), oldest first. */
function channelWrites(e2e: DiscordE2E) {
  return messageWrites(e2e.fake).filter((r) => r.params.channel === e2e.fake.general.id)
}

describe('short replies in a channel with an answer streaming', () => {
  test('wait their turn in the channel: no 429, every reply lands, and the answer lands in full', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const answer = Array.from({ length: 12 }, (_, i) => `Step ${i + 1}.`).join(' ')
    upstream.enqueue(sse(textAnswer(answer, 24), { delayMs: 250 }))
    fake.userMessage({ content: mention(fake, 'count the steps'), author: fake.bob })
    await fake.waitFor(() => botMessages(fake).length > 0)
    // Four people mention the bot with nothing to ask, right after the answer's first message.
    const people = ['carol', 'dave', 'erin', 'frank'].map((name) => fake.addUser(name))
    const asked = people.map((author) => fake.userMessage({ content: mention(fake, ''), author }))
    await e2e.answersFinished(1, 20_000)
    const replies = await fake.waitFor(() => {
      const found = botMessages(fake).filter((m) => m.content === t('ask.empty'))
      return found.length === asked.length && found
    }, 15_000)

    expect(fake.requests.filter((r) => r.status === 429)).toEqual([])
    expect(replies.map((m) => m.reference?.message_id).sort()).toEqual(asked.map((m) => m.id).sort())
    const reply = botMessages(fake).find((m) => m.content.startsWith('Step 1.'))!
    expect(reply).toMatchObject({ content: answer, components: [] })
    // One lane for the channel: its calls keep the channel's pace (1100 ms, less network jitter).
    const at = channelWrites(e2e).map((r) => r.at)
    const gaps = at.slice(1).map((time, i) => time - at[i]!)
    expect(gaps.filter((gap) => gap < 1000)).toEqual([])
  }, 40_000)

  test('a reply right after an answer’s last edit lands, without a 429', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(sse(textAnswer('One, two, three, four, five.', 5), { delayMs: 250 }))
    fake.userMessage({ content: mention(fake, 'count to five'), author: fake.bob })
    await e2e.answersFinished(1)
    const asked = fake.userMessage({ content: mention(fake, ''), author: fake.bob })
    const reply = await fake.waitFor(() => botMessages(fake).find((m) => m.content === t('ask.empty')))

    expect(reply.reference?.message_id).toBe(asked.id)
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([])
    expect(botMessages(fake).map((m) => m.content)).toEqual(['One, two, three, four, five.', t('ask.empty')])
  })
})
