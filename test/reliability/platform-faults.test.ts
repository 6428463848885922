import { afterEach, describe, expect, test } from 'vitest'
import { chatCalls } from '../e2e/harness.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { httpGet, metric, type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * The platforms failing under an answer: 429s pause the chat for their retry_after (nothing is sent
 * inside it), 5xx are retried with a backoff, and the final text lands in full. /metrics counts
 * every send and edit that landed and every 429.
 */
const CHAT = 601
const ANSWER = 'One, two, three, four, five, six, seven, eight, nine, ten.'
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function metrics(): Promise<string> {
  return (await httpGet(stack!.herald, '/metrics')).body
}

describe('Telegram', () => {
  test('a 429 and a 502 on edits mid-answer pause and retry; the final text lands', async () => {
    stack = await startStack()
    const fake = stack.telegram!
    stack.responses.enqueue(sse(textAnswer(ANSWER, 10), { delayMs: 200 }))
    fake.userSays({ chat: { id: CHAT, type: 'private' }, text: 'count to ten' })
    await until(() => chatCalls(fake, CHAT).some((c) => c.method === 'sendMessage'), 'the first message')
    fake.rateLimitNext(CHAT, 1)
    const limited = await until(() => chatCalls(fake, CHAT).find((c) => c.status === 429), 'the 429')
    fake.failNext('editMessageText', 502, 'Bad Gateway')
    await stack.answersFinished(1)

    expect(telegramTexts(fake, CHAT)).toEqual([ANSWER])
    const calls = chatCalls(fake, CHAT)
    expect(calls.filter((c) => c.status === 502)).toHaveLength(1)
    expect(calls.filter((c) => c.at > limited.at && c.at < limited.at + 1000)).toEqual([])
    expect(fake.violations).toEqual([])
    const text = await metrics()
    expect(metric(text, 'herald_rate_limit_answers_total', { platform: 'telegram' })).toBe(1)
    expect(metric(text, 'herald_edits_total', { platform: 'telegram' })).toBe(
      calls.filter((c) => c.status === 200).length,
    )
  })

  test('a 500 on the first send is retried: one message, complete', async () => {
    stack = await startStack()
    const fake = stack.telegram!
    fake.failNext('sendMessage', 500, 'Internal Server Error')
    stack.responses.enqueue(sse(textAnswer(ANSWER, 3), { delayMs: 100 }))
    fake.userSays({ chat: { id: CHAT, type: 'private' }, text: 'count to ten' })
    await stack.answersFinished(1)
    expect(telegramTexts(fake, CHAT)).toEqual([ANSWER])
    const sends = chatCalls(fake, CHAT, ['sendMessage'])
    expect(sends.map((c) => c.status)).toEqual([500, 200])
  })
})

describe('Discord', () => {
  test('a 429 and 502s past the client’s own retries pause and retry; the final text lands', async () => {
    stack = await startStack({ telegram: false, discord: {} })
    const fake = stack.discord!
    stack.responses.enqueue(sse(textAnswer(ANSWER, 10), { delayMs: 200 }))
    const asked = fake.userMessage({ content: `<@${fake.bot.id}> count to ten` })
    const writes = () =>
      fake.requests.filter((r) => r.route.startsWith('/channels/:channel/messages') && r.method !== 'GET')
    await until(() => writes().some((r) => r.status === 200), 'the first message')
    fake.rateLimitNext({ retryAfterMs: 1500, channelId: fake.general.id })
    const limited = await until(() => writes().find((r) => r.status === 429), 'the 429')
    // discord.js retries a 5xx three times itself; the fourth failure reaches Herald.
    fake.failNext({ status: 502, route: '/channels/:channel/messages/:message', times: 4 })
    await stack.answersFinished(1)

    const reply = fake.messages(fake.general).find((m) => m.reference?.message_id === asked.id)!
    expect(reply.content).toBe(ANSWER)
    expect(reply.components).toEqual([])
    expect(writes().filter((r) => r.status === 502)).toHaveLength(4)
    expect(writes().filter((r) => r.at > limited.at && r.at < limited.at + 1500)).toEqual([])
    const text = await metrics()
    expect(metric(text, 'herald_rate_limit_answers_total', { platform: 'discord' })).toBe(1)
    expect(metric(text, 'herald_edits_total', { platform: 'discord' })).toBe(
      writes().filter((r) => r.status === 200).length,
    )
  })
})
