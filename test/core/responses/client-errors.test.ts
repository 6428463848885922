import { describe, expect, test } from 'vitest'
import { HeraldError } from '../../../src/core/contracts/errors.ts'
import { ConnectionError, UpstreamError, UpstreamTimeoutError } from '../../../src/core/responses/errors.ts'
import {
  apiError,
  modelNotFound,
  quotaExceeded,
  rateLimited,
  serverError,
  sse,
} from '../../fakes/fake-responses-api.ts'
import { failedAnswer, textAnswer } from '../../fakes/fake-responses-transcripts.ts'
import { KEY, timeouts, until, useClientHarness } from './client-harness.ts'

const h = useClientHarness()
const req = { model: 'gpt-test', input: 'Hi' }
const retries = () =>
  h.logs.filter((l) => l.msg === 'retrying OpenAI call').map((l) => [l.kind, l.attempt, l.delayMs])

describe('retries before the first byte', () => {
  test('a 429 with Retry-After waits that long plus its jitter on the clock, then succeeds', async () => {
    h.fake.enqueue(rateLimited({ retryAfter: '3' }), sse(textAnswer('Hello world', 3)))
    const result = h.client.run(req)
    await until(() => retries().length === 1, 'the retry')
    // 3000 + 0.5 × 750 (random is 0.5 in these tests)
    expect(retries()).toEqual([['rate_limited', 1, 3375]])
    await h.clock.advance(3374)
    expect(h.fake.requests).toHaveLength(1)
    await h.clock.advance(1)
    const final = await result
    expect([final.status, final.text]).toEqual(['completed', 'Hello world'])
    expect(h.fake.requests).toHaveLength(2)
  })

  test('retry-after-ms is preferred', async () => {
    h.fake.enqueue(rateLimited({ retryAfterMs: '1200', retryAfter: '9' }), sse(textAnswer('ok', 1)))
    const result = h.client.run(req)
    await until(() => retries().length === 1, 'the retry')
    expect(retries()).toEqual([['rate_limited', 1, 1450]])
    await h.clock.advance(1450)
    expect((await result).text).toBe('ok')
  })

  test('a 500 is retried after a jittered backoff, then succeeds', async () => {
    h.fake.enqueue(serverError(500), sse(textAnswer('ok', 1)))
    const result = h.client.run(req)
    await until(() => retries().length === 1, 'the retry')
    await h.clock.advance(250)
    expect((await result).text).toBe('ok')
    expect(retries()).toEqual([['server', 1, 250]])
  })

  test('retries stop after maxRetries with the last error', async () => {
    h.fake.enqueue(serverError(502), serverError(503), serverError(500))
    const result = h.client.run(req).catch((e: unknown) => e)
    await until(() => retries().length === 1, 'the first retry')
    await h.clock.advance(250)
    await until(() => retries().length === 2, 'the second retry')
    await h.clock.advance(500)
    const error = await result
    expect(error).toBeInstanceOf(UpstreamError)
    expect(error).toMatchObject({ kind: 'server', status: 500 })
    expect(retries()).toEqual([
      ['gateway', 1, 250],
      ['overloaded', 2, 500],
    ])
    expect(h.fake.requests).toHaveLength(3)
  })

  test('insufficient_quota is never retried', async () => {
    h.fake.enqueue(quotaExceeded())
    await expect(h.client.run(req)).rejects.toMatchObject({
      kind: 'quota',
      status: 429,
      code: 'insufficient_quota',
    })
    expect(h.fake.requests).toHaveLength(1)
    expect(retries()).toEqual([])
  })

  test('a background request is never retried', async () => {
    h.fake.enqueue(serverError(500), serverError(500))
    await expect(h.client.run({ ...req, background: true })).rejects.toMatchObject({ kind: 'server' })
    await expect(h.client.create({ ...req, background: true })).rejects.toMatchObject({ kind: 'server' })
    expect(h.fake.requests).toHaveLength(2)
  })

  test('a request sent once is never retried', async () => {
    h.fake.enqueue(serverError(500), serverError(500))
    await expect(h.client.run(req, { once: true })).rejects.toMatchObject({ kind: 'server' })
    expect(h.fake.requests).toHaveLength(1)
  })

  test('nothing is retried once an event arrived', async () => {
    h.fake.enqueue(sse(failedAnswer('server_error', 'The model crashed')), sse(textAnswer('never', 1)))
    const final = await h.client.run(req)
    expect([final.status, final.error]).toEqual([
      'failed',
      { code: 'server_error', message: 'The model crashed' },
    ])
    expect(h.fake.requests).toHaveLength(1)
  })

  test('an unreachable API is a ConnectionError after retries', async () => {
    const port = Number(new URL(h.fake.url).port)
    await h.fake.close()
    const client = h.makeClient({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 })
    const result = client.run(req).catch((e: unknown) => e)
    await until(() => retries().length === 1, 'the retry')
    await h.clock.advance(250)
    const error = await result
    expect(error).toBeInstanceOf(ConnectionError)
    expect((error as ConnectionError).message).toBe('could not reach the OpenAI API (ECONNREFUSED)')
  })
})

describe('timeouts before the first byte', () => {
  test('no answer within firstByteMs is retried, then throws a first_byte timeout', async () => {
    h.fake.enqueue({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' })
    const result = h.client.run(req).catch((e: unknown) => e)
    await h.fake.waitForRequests(1)
    await h.clock.advance(timeouts.firstByteMs - 1)
    expect(retries()).toEqual([])
    await h.clock.advance(1)
    await until(() => retries().length === 1, 'the first retry')
    await h.clock.advance(250)
    await h.fake.waitForRequests(2)
    await h.clock.advance(timeouts.firstByteMs)
    await until(() => retries().length === 2, 'the second retry')
    await h.clock.advance(500)
    await h.fake.waitForRequests(3)
    await h.clock.advance(timeouts.firstByteMs)
    const error = await result
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ kind: 'timeout', phase: 'first_byte', timeoutMs: 5000 })
    expect(retries()).toEqual([
      ['timeout', 1, 250],
      ['timeout', 2, 500],
    ])
    expect(h.fake.requests).toHaveLength(3)
  })

  test('a first-byte timeout retried succeeds when the next attempt answers', async () => {
    h.fake.enqueue({ kind: 'hang' }, sse(textAnswer('late but fine', 2)))
    const result = h.client.run(req)
    await h.fake.waitForRequests(1)
    await h.clock.advance(timeouts.firstByteMs)
    await until(() => retries().length === 1, 'the retry')
    await h.clock.advance(250)
    const final = await result
    expect([final.status, final.text]).toEqual(['completed', 'late but fine'])
    expect(h.fake.requests).toHaveLength(2)
  })

  test('headers without any event within firstByteMs also throw a first_byte timeout', async () => {
    h.fake.enqueue(sse(textAnswer('x', 1), { stallAfter: 0 }))
    const result = h.client.run(req).catch((e: unknown) => e)
    await h.fake.waitForRequests(1)
    await h.clock.advance(timeouts.firstByteMs)
    expect(await result).toMatchObject({ kind: 'timeout', phase: 'first_byte' })
  })

  test('a stream that closes before any event is a ConnectionError', async () => {
    h.fake.enqueue(sse([]))
    await expect(h.client.run(req)).rejects.toMatchObject({ kind: 'network' })
  })
})

describe('error answers', () => {
  test('a 404 under a base URL without /v1 is not_found_base_url', async () => {
    const client = h.makeClient({ baseUrl: h.fake.origin })
    const error = await client.run(req).catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'not_found_base_url', status: 404 })
    expect(h.fake.requests[0]?.path).toBe('/responses')
  })

  test('an unknown model is not_found', async () => {
    h.fake.enqueue(modelNotFound('gpt-nope'))
    await expect(h.client.run({ ...req, model: 'gpt-nope' })).rejects.toMatchObject({
      kind: 'not_found',
      code: 'model_not_found',
    })
  })

  test('a relay that rejects previous_response_id answers bad_request naming the parameter', async () => {
    h.fake.options.rejectPreviousResponseId = true
    const error = await h.client.run({ ...req, previous_response_id: 'resp_0' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'previous_response_id' })
  })

  test('the API key never leaks into an error, even when the body echoes it', async () => {
    h.fake.enqueue(
      apiError(401, {
        message: `Incorrect API key provided: ${KEY}.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
      { kind: 'text', status: 401, body: `Authorization: Bearer ${KEY} rejected`, contentType: 'text/plain' },
      apiError(500, {
        message: `upstream saw key=${encodeURIComponent(KEY)}`,
        type: 'server_error',
        param: KEY,
      }),
    )
    const client = h.makeClient({ maxRetries: 0 })
    for (let i = 0; i < 3; i++) {
      const error = (await client.run(req).catch((e: unknown) => e)) as HeraldError
      expect(error).toBeInstanceOf(HeraldError)
      for (const text of [error.message, JSON.stringify(error), String(error.stack), String(error)]) {
        expect(text).not.toContain(KEY)
        expect(text).not.toContain(KEY.slice(8))
      }
    }
    expect(JSON.stringify(h.logs)).not.toContain(KEY)
  })
})
