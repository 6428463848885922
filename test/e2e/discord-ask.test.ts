import { afterEach, describe, expect, test } from 'vitest'
import type { FakeMessage } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import {
  botMessages,
  buttonIds,
  CURSOR,
  type DiscordE2E,
  mention,
  OPENAI_KEY,
  startDiscordE2E,
} from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const userInput = (text: string) => [{ role: 'user', content: [{ type: 'input_text', text }] }]

describe('asking on Discord', () => {
  test('a slash /ask is deferred within the deadline and streams into the original response', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const answer = 'Rayleigh scattering: air scatters blue light more than red.'
    upstream.enqueue(sse(textAnswer(answer, 4, { id: 'resp_sky' }), { delayMs: 300 }))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'Why is the sky blue?' } })
    await e2e.answersFinished(1)

    const [callback, ...otherCallbacks] = fake.requests.filter((r) => r.route.endsWith('/callback'))
    expect(otherCallbacks).toEqual([])
    expect(callback).toMatchObject({ status: 204, body: { type: 5, data: { flags: 0 } } })
    expect(callback!.at - interaction.createdAt).toBeLessThan(3000)

    const original = fake.message(interaction.originalId!)!
    expect(original.content).toBe(answer)
    expect(original.components).toEqual([])
    expect(botMessages(fake)).toEqual([original])
    // Streaming: intermediate contents carry the cursor and the Stop button; the last edit has neither.
    const edits = fake.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original'))
    const bodies = edits.map((r) => r.body as { content: string; components: unknown[] })
    const streaming = bodies.slice(0, -1)
    expect(streaming.some((b) => b.content.startsWith('Rayleigh') && b.content.endsWith(` ${CURSOR}`))).toBe(
      true,
    )
    for (const body of streaming) expect(JSON.stringify(body.components)).toContain('"custom_id":"stop:')
    expect(bodies.at(-1)).toMatchObject({ content: answer, components: [] })
    expect(edits.every((r) => r.status === 200)).toBe(true)
    expect(original.history.filter((h) => h === answer)).toHaveLength(1)

    expect(upstream.requests).toHaveLength(1)
    const [request] = upstream.requests
    expect(request!.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
    expect(request!.body).toMatchObject({
      model: 'gpt-5-mini',
      stream: true,
      input: userInput('Why is the sky blue?'),
    })
    expect(request!.body!.previous_response_id).toBeUndefined()
  })

  test('a mention in a guild channel is answered in a reply to it, without the mention upstream', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(sse(textAnswer('2 + 2 = 4.', 2, { id: 'resp_math' })))
    const question = fake.userMessage({ content: mention(fake, 'what is 2+2?'), author: fake.bob })
    await e2e.answersFinished(1)

    const [reply, ...others] = botMessages(fake)
    expect(others).toEqual([])
    expect(reply).toMatchObject({
      content: '2 + 2 = 4.',
      components: [],
      reference: { message_id: question.id, channel_id: fake.general.id },
      pings: { users: [], roles: [], everyone: false, repliedUser: false },
    })
    expect(reply!.interaction).toBeUndefined()
    expect(fake.requests.filter((r) => r.route.endsWith('/callback'))).toEqual([])
    expect(upstream.requests.map((r) => r.body!.input)).toEqual([userInput('what is 2+2?')])
  })

  test('any message in a DM is a prompt and is answered in the DM', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(sse(textAnswer('Hello Bob, how can I help?', 3)))
    const dm = fake.dmChannel(fake.bob)
    fake.userMessage({ content: 'hello there', author: fake.bob, channel: dm })
    await e2e.answersFinished(1)

    expect(botMessages(fake, dm).map((m) => [m.content, m.components])).toEqual([
      ['Hello Bob, how can I help?', []],
    ])
    expect(botMessages(fake)).toEqual([])
    expect(upstream.requests.map((r) => r.body!.input)).toEqual([userInput('hello there')])
  })

  test('a reply to a bot message continues that turn, not the latest one', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(
      sse(textAnswer('Paris.', 2, { id: 'resp_one' })),
      sse(textAnswer('About 2.1 million people.', 2, { id: 'resp_two' })),
      sse(textAnswer('It is the Seine.', 2, { id: 'resp_three' })),
    )
    fake.userMessage({ content: mention(fake, 'capital of France?') })
    await e2e.answersFinished(1)
    const [first] = botMessages(fake)
    fake.userMessage({ content: mention(fake, 'how many people live there?') })
    await e2e.answersFinished(2)
    // No mention: replying to the bot's first answer is enough.
    fake.userMessage({ content: 'which river runs through it?', replyTo: first! })
    await e2e.answersFinished(3)

    expect(upstream.requests.map((r) => r.body!.previous_response_id)).toEqual([
      undefined,
      'resp_one',
      'resp_one',
    ])
    expect(upstream.requests[2]!.body!.input).toEqual(userInput('which river runs through it?'))
    expect(botMessages(fake).map((m) => m.content)).toEqual([
      'Paris.',
      'About 2.1 million people.',
      'It is the Seine.',
    ])
  })
})

describe('long answers', () => {
  test('roll over into follow-ups of at most 2000 characters that together are the answer', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const answer = longAnswer()
    expect(answer.length).toBeGreaterThan(4000)
    upstream.enqueue(sse(textAnswer(answer, 12)))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'Explain at length, with code.' } })
    await e2e.answersFinished(1, 20_000)

    const messages = botMessages(fake)
    expect(messages.length).toBeGreaterThanOrEqual(3)
    expect(messages[0]!.id).toBe(interaction.originalId)
    for (const message of messages.slice(1)) expect(message.interaction?.id).toBe(interaction.id)
    for (const message of messages) {
      expect(message.content.length).toBeLessThanOrEqual(2000)
      expect(message.content).not.toContain(CURSOR)
      expect(buttonIds(message)).toEqual([])
    }
    const { pieces, reopened } = withoutReopenedFences(messages)
    expect(reopened).toBe(1)
    expect(reassembles(pieces, answer)).toBe(true)
  }, 30_000)
})

/** Paragraphs around a Python block longer than a message, so a message boundary falls inside it. */
function longAnswer(): string {
  const paragraph = (n: number) =>
    `Paragraph ${n}. ` +
    Array.from({ length: 7 }, (_, i) => `Sentence ${i + 1} of paragraph ${n} explains one more idea.`).join(
      ' ',
    )
  const code = Array.from({ length: 70 }, (_, i) => `print("step ${i + 1} of the worked example")`).join('\n')
  return [...[1, 2].map(paragraph), `\`\`\`py\n${code}\n\`\`\``, ...[3, 4].map(paragraph)].join('\n\n')
}

/** Drops the fence lines a split adds: a closing ```` ``` ```` ending one message and ```` ```py ```` opening the next. */
function withoutReopenedFences(messages: FakeMessage[]): { pieces: string[]; reopened: number } {
  const pieces = messages.map((m) => m.content)
  let reopened = 0
  for (let i = 1; i < pieces.length; i++) {
    if (pieces[i - 1]!.endsWith('\n```') && pieces[i]!.startsWith('```py\n')) {
      pieces[i - 1] = pieces[i - 1]!.slice(0, -'```'.length)
      pieces[i] = pieces[i]!.slice('```py\n'.length)
      reopened++
    }
  }
  return { pieces, reopened }
}

/** Whether the pieces, in order, are the whole answer: nothing lost or repeated (whitespace at the cuts aside). */
function reassembles(pieces: string[], answer: string): boolean {
  let pos = 0
  const skipSpace = () => {
    while (pos < answer.length && /\s/.test(answer[pos]!)) pos++
  }
  for (const piece of pieces) {
    const text = piece.trim()
    skipSpace()
    if (answer.slice(pos, pos + text.length) !== text) return false
    pos += text.length
  }
  skipSpace()
  return pos === answer.length
}
