import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js'
import { describe, expect, test } from 'vitest'
import {
  isTokenGone,
  toSurfaceError,
  withRateLimitRetry,
} from '../../../src/adapters/discord/discord-errors.ts'
import { Gone, InputError, RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

const url = 'https://discord.com/api/v10/channels/1/messages/2'

function apiError(status: number, code: number, message: string): DiscordAPIError {
  return new DiscordAPIError({ code, message }, code, status, 'PATCH', url, {
    body: undefined,
    files: undefined,
  })
}

function rateLimitError(retryAfter: number, global = false): RateLimitError {
  return new RateLimitError({
    timeToReset: retryAfter,
    limit: 5,
    method: 'PATCH',
    hash: 'bucket',
    url,
    route: '/channels/:id/messages/:id',
    majorParameter: '1',
    global,
    retryAfter,
    sublimitTimeout: 0,
    scope: 'user',
  })
}

describe('toSurfaceError', () => {
  test('a RateLimitError becomes RateLimited with its wait in whole ms and its scope', () => {
    const local = toSurfaceError(rateLimitError(2049.2))
    expect(local).toBeInstanceOf(RateLimited)
    expect([(local as RateLimited).retryAfterMs, (local as RateLimited).global]).toEqual([2050, false])
    const global = toSurfaceError(rateLimitError(1000, true)) as RateLimited
    expect([global.retryAfterMs, global.global]).toEqual([1000, true])
  })

  test.each([
    [404, 10008, 'Unknown Message'],
    [404, 10003, 'Unknown Channel'],
    [404, 10015, 'Unknown Webhook'],
    [401, 50027, 'Invalid Webhook Token'],
    [404, 10062, 'Unknown interaction'],
  ])('%i %i %s is Gone', (status, code, message) => {
    const error = toSurfaceError(apiError(status, code, message))
    expect(error).toBeInstanceOf(Gone)
    expect(error.message).toBe(`discord PATCH ${status} (${code}): ${message}`)
  })

  test('an invalid form body (content too long) is a non-transient SurfaceError', () => {
    const error = toSurfaceError(apiError(400, 50035, 'Invalid Form Body'))
    expect(error).toBeInstanceOf(SurfaceError)
    expect((error as SurfaceError).transient).toBe(false)
  })

  test('missing permissions are a non-transient SurfaceError', () => {
    expect((toSurfaceError(apiError(403, 50013, 'Missing Permissions')) as SurfaceError).transient).toBe(
      false,
    )
  })

  test('a 5xx after the client retries, and network failures, are transient', () => {
    const http = toSurfaceError(
      new HTTPError(502, 'Bad Gateway', 'POST', url, { body: undefined, files: undefined }),
    )
    expect([http.message, (http as SurfaceError).transient]).toEqual(['discord POST 502', true])
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    })
    expect((toSurfaceError(refused) as SurfaceError).transient).toBe(true)
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    expect((toSurfaceError(reset) as SurfaceError).transient).toBe(true)
    const timeout = Object.assign(new Error('aborted'), { name: 'AbortError' })
    expect((toSurfaceError(timeout) as SurfaceError).transient).toBe(true)
  })

  test('anything else is a non-transient SurfaceError, and Herald errors pass through', () => {
    expect((toSurfaceError(new Error('odd')) as SurfaceError).transient).toBe(false)
    const input = new InputError('prompt.empty')
    expect(toSurfaceError(input)).toBe(input)
  })

  test('only a refused interaction token counts as a spent token', () => {
    expect(isTokenGone(apiError(401, 50027, 'Invalid Webhook Token'))).toBe(true)
    expect(isTokenGone(apiError(404, 10015, 'Unknown Webhook'))).toBe(true)
    expect(isTokenGone(apiError(404, 10008, 'Unknown Message'))).toBe(false)
  })
})

describe('withRateLimitRetry', () => {
  test('waits out each rate limit, then returns the result', async () => {
    const clock = fakeClock()
    const outcomes: Array<Error | string> = [rateLimitError(1500), new RateLimited(700), 'done']
    const calls: number[] = []
    const result = withRateLimitRetry(async () => {
      calls.push(clock.now())
      const next = outcomes.shift()!
      if (next instanceof Error) throw next
      return next
    }, clock)
    await clock.runAll()
    expect(await result).toBe('done')
    expect(calls).toEqual([0, 1500, 2200])
  })

  test('gives up after the last attempt and rethrows other errors at once', async () => {
    const clock = fakeClock()
    let calls = 0
    const limited = withRateLimitRetry(
      async () => {
        calls++
        throw rateLimitError(100)
      },
      clock,
      2,
    ).catch((err: unknown) => err)
    await clock.runAll()
    expect(await limited).toBeInstanceOf(RateLimitError)
    expect(calls).toBe(2)
    const other = apiError(400, 50035, 'Invalid Form Body')
    await expect(withRateLimitRetry(() => Promise.reject(other), clock)).rejects.toBe(other)
  })
})
