import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type DiscordE2E, mention, startDiscordE2E } from '../e2e/discord-harness.ts'
import { type E2eStack, finishedAnswers, startE2e, telegramPlatform } from '../e2e/harness.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import { hasRealTraffic, streamRecordings } from './real-traffic.ts'
import { replayRoute } from './replay-route.ts'
import { expectNothingRaw, expectShown } from './shown-text.ts'

/**
 * Every recorded Responses stream, served byte for byte, answering a question asked of the whole
 * bot (the real Herald with telegraf or discord.js) on the fake Telegram and the fake Discord.
 */
const recordings = streamRecordings()

/** The failure and incomplete lines people read, in English. */
const ENDING = /^(?:_|-# )?(The answer failed: |Stopped: |The connection ended|The answer is incomplete)/

describe.skipIf(!hasRealTraffic)('recorded streams through the whole bot on Telegram', () => {
  let e2e: E2eStack<FakeTelegram>
  const chatOf = (i: number) => 5000 + i

  beforeAll(async () => {
    e2e = await startE2e(telegramPlatform())
    e2e.responses.route = replayRoute
    recordings.forEach((r, i) => {
      const person = { id: chatOf(i), is_bot: false, first_name: 'Reader' }
      e2e.platform.userSays({
        chat: { id: chatOf(i), type: 'private', first_name: 'Reader' },
        from: person,
        text: r.name,
      })
    })
    await e2e.platform.waitFor(() => finishedAnswers(e2e).length >= recordings.length, 30_000)
  }, 40_000)
  afterAll(() => e2e?.close())

  test.each(recordings.map((r, i) => ({ ...r, i })))('$name', (r) => {
    const messages = e2e.platform.botMessages(chatOf(r.i))
    expectShown(r, messages.map((m) => m.text ?? '').join('\n'), { failed: ENDING, allSources: true })
    if (r.expected.reasoning) {
      // Reasoning is shown collapsed, above the answer.
      expect(messages[0]?.entities).toContainEqual(
        expect.objectContaining({ type: 'expandable_blockquote', offset: 0 }),
      )
    }
  })

  test('nothing raw ever reaches a chat, and only flood control refused a call', () => {
    const sent = e2e.platform.calls
      .filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText')
      .map((c) => String(c.body.text))
    expectNothingRaw(sent)
    expect(e2e.platform.calls.filter((c) => c.status >= 400 && c.status !== 429)).toEqual([])
    expect(e2e.platform.violations).toEqual([])
  })
})

describe.skipIf(!hasRealTraffic)('recorded streams through the whole bot on Discord', () => {
  let e2e: DiscordE2E
  const channels: string[] = []

  beforeAll(async () => {
    e2e = await startDiscordE2E()
    e2e.upstream.route = replayRoute
    for (const r of recordings) {
      // One reader per channel: a person has one answer running at a time.
      const channel = e2e.fake.addChannel(`replay-${channels.length}`)
      const author = e2e.fake.addUser(`reader-${channels.length}`)
      channels.push(channel.id)
      e2e.fake.userMessage({ channel, author, content: mention(e2e.fake, r.name) })
    }
    await e2e.answersFinished(recordings.length, 40_000)
  }, 50_000)
  afterAll(() => e2e?.close())

  const shownIn = (channelId: string) =>
    [...e2e.fake.world.messages.values()]
      .filter((m) => m.channelId === channelId && m.author.id === e2e.fake.bot.id)
      .map((m) => m.content)
      .join('\n')

  test.each(recordings.map((r, i) => ({ ...r, i })))('$name', (r) => {
    // 2,000 characters a message: the last one keeps the sources that fit beside the answer's end.
    expectShown(r, shownIn(channels[r.i]!), { failed: ENDING, allSources: false })
  })

  test('nothing raw ever reaches a channel', () => {
    const written = [...e2e.fake.world.messages.values()]
      .filter((m) => m.author.id === e2e.fake.bot.id)
      .flatMap((m) => m.history ?? [m.content])
    expectNothingRaw(written)
  })
})
