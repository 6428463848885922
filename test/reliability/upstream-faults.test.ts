import { afterEach, describe, expect, test } from 'vitest'
import type { ErrorKind } from '../../src/core/contracts/errors.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { rateLimited, type Script, serverError, sse } from '../fakes/fake-responses-api.ts'
import { textAnswer, toSseFrames } from '../fakes/fake-responses-transcripts.ts'
import { httpGet, metric, type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * The Responses API failing in every way it can, against the real Herald and the fake Telegram:
 * before the first byte (retried, then one clear line), mid-stream (partial text kept with a
 * one-line reason), and with malformed lines (skipped and counted). After each, the bot serves the
 * next message.
 */
const t = translator('en')
const CHAT = 501
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function ask(text: string, finishedBefore: number): Promise<string> {
  const s = stack!
  s.telegram!.userSays({ chat: { id: CHAT, type: 'private' }, text })
  await s.answersFinished(finishedBefore + 1)
  return telegramTexts(s.telegram!, CHAT).at(-1)!
}

/** The next message after a failure is answered normally. */
async function servesTheNextMessage(finishedBefore: number): Promise<void> {
  stack!.responses.enqueue(sse(textAnswer('Back to normal.', 2)))
  expect(await ask('are you there?', finishedBefore)).toBe('Back to normal.')
}

async function metrics(): Promise<string> {
  return (await httpGet(stack!.herald, '/metrics')).body
}

const failureLine = (kind: ErrorKind) => t('reason.failed', { message: t(`errors.${kind}`) })

describe('before the first byte', () => {
  test('a 429 and a 503 are retried, and the third attempt streams the answer', async () => {
    stack = await startStack()
    stack.responses.enqueue(
      rateLimited({ retryAfterMs: '20' }),
      serverError(503),
      sse(textAnswer('Third time lucky.', 3)),
    )
    expect(await ask('hello', 0)).toBe('Third time lucky.')
    expect(stack.responses.requests).toHaveLength(3)
    const text = await metrics()
    expect(metric(text, 'herald_upstream_errors_total', { kind: 'rate_limited' })).toBe(1)
    expect(metric(text, 'herald_upstream_errors_total', { kind: 'overloaded' })).toBe(1)
    expect(metric(text, 'herald_answers_total', { platform: 'telegram', status: 'completed' })).toBe(1)
    // The 429 halved the stream limit (ceiling 200); the answer that then opened raised it by one.
    expect(metric(text, 'herald_stream_limit')).toBe(101)
  })

  test('5xx on every attempt ends in one clear line, without the upstream words', async () => {
    stack = await startStack({ env: { OPENAI_MAX_RETRIES: '2' } })
    stack.responses.enqueue(serverError(500), serverError(500), serverError(500))
    const shown = await ask('hello', 0)
    expect(shown).toBe(failureLine('server'))
    expect(stack.responses.requests).toHaveLength(3)
    expect(metric(await metrics(), 'herald_upstream_errors_total', { kind: 'server' })).toBe(3)
    await servesTheNextMessage(1)
  })

  test('no first byte within the deadline is retried, then ends in one clear line', async () => {
    stack = await startStack({ env: { OPENAI_FIRST_BYTE_TIMEOUT_MS: '200', OPENAI_MAX_RETRIES: '1' } })
    stack.responses.enqueue({ kind: 'hang' }, { kind: 'hang' })
    expect(await ask('hello', 0)).toBe(failureLine('timeout'))
    expect(stack.responses.requests).toHaveLength(2)
    expect(metric(await metrics(), 'herald_upstream_errors_total', { kind: 'timeout' })).toBe(2)
    await servesTheNextMessage(1)
  })
})

describe('mid-stream', () => {
  // created, in_progress, item added, part added, then the deltas: "Partial ", "answer t", …
  const answer = textAnswer('Partial answer that never ends', 4)

  test('a cut stream keeps the partial text and adds one reason line', async () => {
    stack = await startStack()
    stack.responses.enqueue(sse(answer, { cutAfter: 6 }))
    const shown = await ask('hello', 0)
    expect(shown).toBe(`Partial answer t\n\n${t('reason.stream_ended')}`)
    expect(metric(await metrics(), 'herald_upstream_errors_total', { kind: 'stream' })).toBe(1)
    await servesTheNextMessage(1)
  })

  test('a stalled stream is given up after the idle timeout, keeping the partial text', async () => {
    stack = await startStack({ env: { OPENAI_IDLE_TIMEOUT_MS: '300' } })
    stack.responses.enqueue(sse(answer, { stallAfter: 6 }))
    const shown = await ask('hello', 0)
    expect(shown).toBe(`Partial answer t\n\n${t('reason.timeout')}`)
    expect(metric(await metrics(), 'herald_upstream_errors_total', { kind: 'timeout' })).toBe(1)
    await servesTheNextMessage(1)
  })
})

describe('malformed stream lines', () => {
  test('are skipped and counted, and the answer lands in full', async () => {
    stack = await startStack()
    const frames = toSseFrames(textAnswer('Every word arrives.', 3))
    const garbage = [
      'data: {this is not json\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta"}\n\n',
      'data: 42\n\n',
    ]
    const chunks = [
      ...frames.slice(0, 5),
      garbage[0]!,
      frames[5]!,
      garbage[1]!,
      garbage[2]!,
      ...frames.slice(6),
    ]
    const script: Script = { kind: 'raw', chunks }
    stack.responses.enqueue(script)
    expect(await ask('hello', 0)).toBe('Every word arrives.')
    await until(async () => metric(await metrics(), 'herald_malformed_sse_lines_total') === 3, 'the count')
    const warned = stack.herald.logs.find('malformed stream events skipped')
    expect(warned.map((line) => line.malformed)).toEqual([3])
  })
})
