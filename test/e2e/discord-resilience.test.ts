import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { splitInto, Transcript, textAnswer } from '../fakes/fake-responses-transcripts.ts'
import {
  botMessages,
  buttonIds,
  CURSOR,
  type DiscordE2E,
  ephemerals,
  mention,
  messageWrites,
  startDiscordE2E,
} from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')

/** An answer that streams `sent` deltas, then stays open and silent: only an abort ends it. */
function stalling(deltas: string[], sent: number, delayMs = 0) {
  const events = new Transcript({ id: 'resp_stalled' }).start().message(deltas).completed().events
  // created, in_progress, output_item.added, content_part.added, then the deltas.
  return sse(events, { stallAfter: 4 + sent, delayMs })
}

/** How each upstream exchange ended, once none is open any more. */
async function upstreamOutcomes(e2e: DiscordE2E): Promise<string[]> {
  const outcomes = () => e2e.tap!.exchanges.map((x) => x.outcome)
  return e2e.fake.waitFor(() => !outcomes().includes('open') && outcomes())
}

describe('rate limits', () => {
  test('a 429 mid-stream pauses the chat for retry_after and the final text still lands', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const answer = 'One, two, three, four, five, six, seven, eight.'
    upstream.enqueue(sse(textAnswer(answer, 8), { delayMs: 250 }))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'Count to eight' } })
    await fake.waitFor(() => messageWrites(fake).some((r) => r.status === 200))
    fake.rateLimitNext({ retryAfterMs: 2000, channelId: fake.general.id })
    await e2e.answersFinished(1, 20_000)

    const writes = messageWrites(fake)
    const limited = writes.filter((r) => r.status === 429)
    expect(limited).toHaveLength(1)
    const resetAt = limited[0]!.at + 2000
    expect(writes.filter((r) => r.at > limited[0]!.at && r.at < resetAt)).toEqual([])
    expect(writes.filter((r) => r.at >= resetAt).length).toBeGreaterThan(0)
    const original = fake.message(interaction.originalId!)!
    expect(original.content).toBe(answer)
    expect(original.components).toEqual([])
  })
})

describe('the answer message deleted mid-answer', () => {
  test('aborts the upstream stream, stops editing, and the next ask is served', async () => {
    e2e = await startDiscordE2E({ tap: true })
    const { fake, upstream } = e2e
    const deltas = splitInto('word '.repeat(60).trim(), 60)
    upstream.enqueue(stalling(deltas, 40, 120), sse(textAnswer('Still here.', 2)))
    fake.userMessage({ content: mention(fake, 'talk for a while') })
    const answer = await fake.waitFor(() => botMessages(fake).find((m) => m.content.startsWith('word')))
    const seen = fake.requests.length
    fake.deleteMessage(answer)

    const [finished] = await e2e.answersFinished(1)
    expect(finished).toMatchObject({ outcome: 'gone', status: 'incomplete', reason: 'aborted' })
    // The stream never ends by itself: Herald closed it.
    expect(await upstreamOutcomes(e2e)).toEqual(['closed'])
    expect(e2e.running.services.answers.all()).toEqual([])
    const later = fake.requests.slice(seen).filter((r) => r.params.message === answer.id)
    expect(later.map((r) => [r.method, r.status])).toEqual([['PATCH', 404]])

    fake.userMessage({ content: mention(fake, 'are you there?') })
    await e2e.answersFinished(2)
    expect(botMessages(fake).map((m) => m.content)).toEqual(['Still here.'])
    expect(await upstreamOutcomes(e2e)).toEqual(['closed', 'ended'])
    expect(fake.requests.slice(seen).filter((r) => r.params.message === answer.id)).toHaveLength(1)
    expect(e2e.logs.filter((l) => l.level >= 50)).toEqual([])
  })
})

describe('the Stop button', () => {
  test('refuses someone else privately and stops the answer for the asker', async () => {
    e2e = await startDiscordE2E({ tap: true })
    const { fake, upstream } = e2e
    const carol = fake.addUser('carol')
    upstream.enqueue(stalling(['Counting: one', ', two', ', three'], 2))
    fake.userMessage({ content: mention(fake, 'count slowly'), author: fake.bob })
    const answer = await fake.waitFor(() =>
      botMessages(fake).find((m) => m.content.startsWith('Counting: one, two')),
    )
    const [stop] = buttonIds(answer)
    expect(stop).toMatch(/^stop:/)

    fake.pressButton({ message: answer, customId: stop!, user: carol })
    const refusal = await fake.waitFor(() =>
      ephemerals(fake).find((m) => m.interaction?.user.id === carol.id),
    )
    expect(refusal.content).toBe(t('button.not_yours'))
    expect(e2e.running.services.answers.all()).toHaveLength(1)

    fake.pressButton({ message: fake.message(answer.id)!, customId: stop!, user: fake.bob })
    await e2e.answersFinished(1)
    const stopped = await fake.waitFor(() =>
      ephemerals(fake).find((m) => m.interaction?.user.id === fake.bob.id),
    )
    expect(stopped.content).toBe(t('ask.stopped'))
    const final = fake.message(answer.id)!
    expect(final.content).toBe(`Counting: one, two\n\n-# ${t('reason.aborted')}`)
    expect(final.components).toEqual([])
    expect(ephemerals(fake)).toHaveLength(2)
    expect(await upstreamOutcomes(e2e)).toEqual(['closed'])
  })
})

describe('interaction tokens', () => {
  test('past the handover time the answer moves to a channel message and the original says so', async () => {
    e2e = await startDiscordE2E({ handoverAfterMs: 2000, fake: { interactionTokenLifeMs: 6000 } })
    const { fake, upstream } = e2e
    const answer = 'Part one. Part two. Part three. Part four.'
    upstream.enqueue(sse(textAnswer(answer, 4), { delayMs: 400 }))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'Four parts, slowly' } })
    await e2e.answersFinished(1)

    const notice = `-# ${t('discord.moved')}`
    const [original, moved, ...others] = botMessages(fake)
    expect(others).toEqual([])
    expect(original!.id).toBe(interaction.originalId)
    expect(original).toMatchObject({ content: notice, components: [] })
    expect(moved!.interaction).toBeUndefined()
    expect(moved!.webhookId).toBeUndefined()
    expect(moved).toMatchObject({ content: answer, components: [] })
    expect(moved!.history.some((h) => h.endsWith(CURSOR))).toBe(true)
    expect(fake.messages(fake.general).filter((m) => m.content.includes(notice))).toHaveLength(1)
    expect(fake.requests.filter((r) => r.status === 401)).toEqual([])
  })

  test('a token that expires before the handover: the answer lands in a channel message, the token is not used again', async () => {
    e2e = await startDiscordE2E({ fake: { interactionTokenLifeMs: 2500 } })
    const { fake, upstream } = e2e
    const answer = 'Alpha. Beta. Gamma. Delta. Epsilon.'
    upstream.enqueue(sse(textAnswer(answer, 5), { delayMs: 350 }))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'Five letters, slowly' } })
    await e2e.answersFinished(1)

    const refused = fake.requests.filter((r) => r.status === 401)
    expect(refused.map((r) => (r.response as { code: number }).code)).toEqual([50027])
    const afterExpiry = fake.requests.filter((r) => r.at > refused[0]!.at && r.route.startsWith('/webhooks/'))
    // At most the best-effort "continued below" edit, which the dead token refuses.
    expect(afterExpiry).toEqual([])
    const moved = botMessages(fake).find((m) => m.id !== interaction.originalId)!
    expect(moved).toMatchObject({ content: answer, components: [] })
    expect(moved.interaction).toBeUndefined()
  })
})

describe('each event is handled once', () => {
  test('two processes on one store and one Discord: each message and interaction is answered once', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const second = await e2e.startAnother()
    try {
      upstream.enqueue(sse(textAnswer('Only once.', 2)), sse(textAnswer('Should not be used.', 2)))
      const question = fake.userMessage({ content: mention(fake, 'answer once') })
      await e2e.answersFinished(1)
      await fake.waitFor(() =>
        e2e!.logs.find(
          (l) => l.msg === 'event already handled' && l.event === `discord:message:${question.id}`,
        ),
      )
      expect(upstream.requests).toHaveLength(1)
      expect(botMessages(fake).map((m) => m.content)).toEqual(['Only once.'])

      const help = fake.slash({ name: 'help', user: fake.bob })
      await fake.waitFor(() => ephemerals(fake).find((m) => m.interaction?.id === help.id))
      const callbacks = () => fake.requests.filter((r) => r.params.interaction === help.id)
      await fake.waitFor(() => callbacks().length === 2)
      expect(callbacks().map((r) => [r.status, (r.response as { code?: number } | undefined)?.code])).toEqual(
        [
          [204, undefined],
          [400, 40060],
        ],
      )
      expect(ephemerals(fake).map((m) => m.content)).toEqual([
        expect.stringMatching(new RegExp(`^${escapeRegExp(t('help.intro'))}\n/ask: `)),
      ])
    } finally {
      await second.stop()
    }
  })

  test('a message sent while the gateway reconnects is answered once, after the resume', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(sse(textAnswer('Back again.', 2)), sse(textAnswer('Should not be used.', 2)))
    fake.reconnect()
    fake.userMessage({ content: mention(fake, 'did you miss me?') })
    await fake.waitFor(() => fake.gateway.stats.resumes === 1)
    await e2e.answersFinished(1)
    expect(fake.gateway.stats.identifies).toBe(1)
    expect(upstream.requests).toHaveLength(1)
    expect(botMessages(fake).map((m) => m.content)).toEqual(['Back again.'])
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
