import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { TgUpdate } from '../fakes/fake-telegram.ts'
import { httpGet, type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * The platform connection lost and regained: Telegram's long polling resumes after failed
 * getUpdates, Discord's gateway resumes its session after a cut. /healthz says so meanwhile, and no
 * update is handled twice, not even one the platform delivers again.
 */
const CHAT = 701
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function health(node = stack!.herald): Promise<{ status: number; checks: Record<string, boolean> }> {
  const { status, body } = await httpGet(node, '/healthz')
  return { status, checks: (JSON.parse(body) as { checks: Record<string, boolean> }).checks }
}

describe('Telegram long polling', () => {
  test('a failing getUpdates shows in /healthz, polling resumes, and each update is answered once', async () => {
    stack = await startStack()
    const fake = stack.telegram!
    stack.responses.enqueue(sse(textAnswer('First.', 1)), sse(textAnswer('Second.', 1)))
    expect(await health()).toEqual({ status: 200, checks: { store: true, telegram: true } })
    await until(() => fake.pollWaiting, 'a held getUpdates')
    // The held poll delivers the first message; the next getUpdates fails and the bot waits 1 s.
    fake.failNext('getUpdates', 502, 'Bad Gateway', 1)
    const first = fake.userSays({ chat: { id: CHAT, type: 'private' }, text: 'one' })
    await until(async () => (await health()).status === 503, 'the outage in /healthz')
    expect((await health()).checks).toEqual({ store: true, telegram: false })
    fake.userSays({ chat: { id: CHAT, type: 'private' }, text: 'two' })
    await stack.answersFinished(2)
    await until(async () => (await health()).status === 200, 'the recovery in /healthz')
    expect(telegramTexts(fake, CHAT)).toEqual(['First.', 'Second.'])
    expect(fake.callsTo('getUpdates').filter((c) => c.status === 502)).toHaveLength(1)

    // Telegram delivers the first update again to the next process (its offset was never confirmed).
    await stack.herald.stop()
    ;(fake.pendingUpdates as TgUpdate[]).push(first)
    const next = await stack.startNode()
    await until(
      () =>
        next.logs.find('event already handled').some((l) => l.event === `telegram:update:${first.update_id}`),
      'the repeated update to be recognised',
    )
    expect(stack.responses.requests).toHaveLength(2)
    expect(telegramTexts(fake, CHAT)).toEqual(['First.', 'Second.'])
  })
})

describe('Discord gateway', () => {
  test('a cut connection resumes the session; a message sent meanwhile is answered once', async () => {
    stack = await startStack({ telegram: false, discord: {} })
    const fake = stack.discord!
    stack.responses.enqueue(sse(textAnswer('Before the cut.', 1)), sse(textAnswer('After the cut.', 1)))
    const before = fake.userMessage({ content: `<@${fake.bot.id}> before` })
    await stack.answersFinished(1)

    fake.gateway.drop()
    const during = fake.userMessage({ content: `<@${fake.bot.id}> during` })
    await stack.answersFinished(2)
    await until(() => fake.gateway.connectedSessions === 1, 'the session back')
    expect(fake.gateway.stats).toMatchObject({ identifies: 1, resumes: 1 })
    expect((await health()).checks).toEqual({ store: true, discord: true })

    // The gateway sends the same message again (a replay after a resume can overlap): nothing
    // answers it. Events arrive in order, so once a later message is answered it was seen.
    stack.responses.enqueue(sse(textAnswer('Later.', 1)))
    fake.world.dispatch({ t: 'MESSAGE_CREATE', d: {}, message: before, guildId: fake.guild.id })
    const later = fake.userMessage({ content: `<@${fake.bot.id}> later` })
    await stack.answersFinished(3)
    const replies = fake
      .messages(fake.general)
      .filter((m) => m.author.id === fake.bot.id)
      .map((m) => [m.reference?.message_id, m.content])
    expect(replies).toEqual([
      [before.id, 'Before the cut.'],
      [during.id, 'After the cut.'],
      [later.id, 'Later.'],
    ])
    expect(stack.responses.requests).toHaveLength(3)
  })
})
