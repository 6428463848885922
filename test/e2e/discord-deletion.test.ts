import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeMessage } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import { botMessages, type DiscordE2E, mention, startDiscordE2E } from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')
const THOUGHT = 'Weighing the options carefully.'

/**
 * A model that thinks in silence: one reasoning summary, then nothing for as long as the test runs
 * (no text, so no edit of the answer is due). Only an abort ends the stream.
 */
function silentThinker() {
  const events = new Transcript({ id: 'resp_thinking' })
    .start()
    .reasoning([THOUGHT, 'Checking the edge cases.'], 3)
    .message(['Never', ' shown.'])
    .completed().events
  // created, in_progress, the reasoning item, its first summary part and three deltas; then silence.
  return sse(events, { stallAfter: 7, delayMs: 100 })
}

/** The answer message once it shows the model's first thought. */
function thinking(e2e: DiscordE2E): Promise<FakeMessage> {
  return e2e.fake.waitFor(() => botMessages(e2e.fake).find((m) => m.content.includes(THOUGHT)))
}

/** Resolves once the one upstream exchange was closed by Herald (the stream never ends by itself). */
function upstreamClosed(e2e: DiscordE2E, timeoutMs = 3000) {
  return e2e.fake.waitFor(() => e2e.tap!.exchanges[0]?.outcome === 'closed', timeoutMs)
}

describe('an answer message deleted while the model thinks in silence', () => {
  test('the deletion event stops the answer at once: the upstream stream is closed', async () => {
    e2e = await startDiscordE2E({ tap: true })
    const { fake, upstream } = e2e
    upstream.enqueue(silentThinker())
    fake.userMessage({ content: mention(fake, 'think hard about this'), author: fake.bob })
    const answer = await thinking(e2e)
    fake.deleteMessage(answer)

    expect(await upstreamClosed(e2e)).toBe(true)
    const [finished] = await e2e.answersFinished(1)
    expect(finished).toMatchObject({ status: 'incomplete', reason: 'aborted', outcome: 'gone' })
    expect(e2e.logs.filter((l) => l.msg === 'answer message deleted: stopping')).toMatchObject([
      { message: answer.id, chat: `discord:${fake.general.id}` },
    ])
    expect(e2e.running.services.answers.all()).toEqual([])
    expect(e2e.logs.filter((l) => l.level >= 50)).toEqual([])
  })

  test('a bulk deletion that takes a slash command’s answer stops it too', async () => {
    e2e = await startDiscordE2E({ tap: true })
    const { fake, upstream } = e2e
    upstream.enqueue(silentThinker())
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'think hard' }, user: fake.bob })
    const answer = await thinking(e2e)
    expect(answer.id).toBe(interaction.originalId)
    // A moderator purges the channel: one MESSAGE_DELETE_BULK for the answer and an older message.
    const older = fake.userMessage({ content: 'an older message', author: fake.alice })
    for (const message of [older, answer]) message.deleted = true
    fake.world.dispatch({
      t: 'MESSAGE_DELETE_BULK',
      d: { ids: [older.id, answer.id], channel_id: fake.general.id, guild_id: fake.guild.id },
      guildId: fake.guild.id,
    })

    expect(await upstreamClosed(e2e)).toBe(true)
    const [finished] = await e2e.answersFinished(1)
    expect(finished).toMatchObject({ status: 'incomplete', reason: 'aborted', outcome: 'gone' })
    expect(e2e.running.services.answers.all()).toEqual([])
  })

  test('deleting another message of the channel leaves the answer running', async () => {
    e2e = await startDiscordE2E({ tap: true })
    const { fake, upstream } = e2e
    upstream.enqueue(silentThinker())
    const question = fake.userMessage({ content: mention(fake, 'think hard'), author: fake.bob })
    await thinking(e2e)
    fake.deleteMessage(question)
    const other = fake.userMessage({ content: 'unrelated', author: fake.alice })
    fake.deleteMessage(other)
    // The deletions reached Herald (the gateway is ordered): a later message is seen after them.
    upstream.enqueue(sse(new Transcript().start().message(['Hi.']).completed().events))
    fake.userMessage({ content: mention(fake, 'hello'), author: fake.alice })
    await e2e.answersFinished(1)

    expect(e2e.tap!.exchanges.map((x) => x.outcome)).toEqual(['open', 'ended'])
    const [running] = e2e.running.services.answers.all()
    expect(running!.controller.signal.aborted).toBe(false)
    expect(e2e.logs.filter((l) => l.msg === 'answer message deleted: stopping')).toEqual([])
  })

  test('once an interaction answer moved to a channel message, deleting that message stops it, deleting the old one does not', async () => {
    e2e = await startDiscordE2E({ tap: true, handoverAfterMs: 1500 })
    const { fake, upstream } = e2e
    const events = new Transcript({ id: 'resp_moving' })
      .start()
      .message(['Part one.', ' Part two.', ' Part three.', ' Never shown.'])
      .completed().events
    // The text comes after the handover time, then the model goes silent.
    upstream.enqueue(sse(events, { stallAfter: 7, delayMs: 700 }))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'three parts' }, user: fake.bob })
    const moved = await fake.waitFor(
      () =>
        botMessages(fake).find(
          (m) => m.interaction === undefined && m.content.startsWith('Part one. Part two. Part three.'),
        ),
      10_000,
    )
    const original = fake.message(interaction.originalId!)!

    fake.deleteMessage(original)
    // Events arrive in order: once a later message is answered, the deletion was seen.
    fake.userMessage({ content: mention(fake, ''), author: fake.alice })
    await fake.waitFor(() => botMessages(fake).find((m) => m.content === t('ask.empty')))
    const [running] = e2e.running.services.answers.all()
    expect(running!.controller.signal.aborted).toBe(false)
    expect(e2e.logs.filter((l) => l.msg === 'answer message deleted: stopping')).toEqual([])

    fake.deleteMessage(moved)
    expect(await upstreamClosed(e2e)).toBe(true)
    const [finished] = await e2e.answersFinished(1)
    expect(finished).toMatchObject({ status: 'incomplete', reason: 'aborted', outcome: 'gone' })
    expect(e2e.logs.filter((l) => l.msg === 'answer message deleted: stopping')).toMatchObject([
      { message: original.id },
    ])
  }, 20_000)
})
