import { describe, expect, test } from 'vitest'
import { ConnectionError, UpstreamError, UpstreamTimeoutError } from '../../../src/core/responses/errors.ts'
import { isRetryable, retryDelayMs, withRetries } from '../../../src/core/responses/retry.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

const upstream = (status: number, headers: Record<string, string> = {}, code?: string) =>
  UpstreamError.from(status, { error: { message: 'm', code: code ?? null } }, headers)

describe('retry policy', () => {
  test('retries rate limits, 5xx and connection failures, never quota or client errors', () => {
    expect(isRetryable(upstream(429))).toBe(true)
    expect(isRetryable(upstream(500))).toBe(true)
    expect(isRetryable(upstream(503))).toBe(true)
    expect(isRetryable(upstream(504))).toBe(true)
    expect(isRetryable(new ConnectionError('refused'))).toBe(true)
    expect(isRetryable(upstream(429, {}, 'insufficient_quota'))).toBe(false)
    expect(isRetryable(upstream(400))).toBe(false)
    expect(isRetryable(upstream(401))).toBe(false)
    expect(isRetryable(new Error('bug'))).toBe(false)
  })

  test('retries no first byte in time, never a stream that went silent after it started', () => {
    expect(isRetryable(new UpstreamTimeoutError('first_byte', 5000))).toBe(true)
    expect(isRetryable(new UpstreamTimeoutError('idle', 5000))).toBe(false)
  })

  test('Retry-After is honoured up to the cap, never less, with up to a quarter of it more as jitter', () => {
    const at = (random: number, headers: Record<string, string>, maxRetryAfterMs?: number) =>
      retryDelayMs(upstream(429, headers), 1, {
        random: () => random,
        ...(maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs }),
      })
    expect(at(0, { 'retry-after': '3' })).toBe(3000)
    expect(at(0.5, { 'retry-after': '3' })).toBe(3375)
    expect(at(0.999, { 'retry-after': '3' })).toBe(3749)
    expect(at(0, { 'retry-after': '300' })).toBe(30_000)
    expect(at(0.5, { 'retry-after': '300' })).toBe(33_750)
    expect(at(0, { 'retry-after': '300' }, 5000)).toBe(5000)
    // A short delay still spreads over at least the base backoff (500 ms).
    expect(at(0.5, { 'retry-after-ms': '100' })).toBe(350)
  })

  test('a hundred requests told the same Retry-After come back spread out, none early', () => {
    let seed = 1
    const random = () => {
      seed = (seed * 48271) % 2147483647
      return seed / 2147483647
    }
    const error = upstream(429, { 'retry-after': '2' })
    const delays = Array.from({ length: 100 }, () => retryDelayMs(error, 1, { random }))
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000)
    expect(Math.max(...delays)).toBeLessThan(2500)
    expect(new Set(delays).size).toBeGreaterThan(90)
  })

  test('without Retry-After the backoff is exponential with full jitter', () => {
    const error = upstream(500)
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(error, n, { random: () => 0.5 }))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ])
    expect(retryDelayMs(error, 3, { random: () => 0 })).toBe(0)
    expect(retryDelayMs(error, 3, { random: () => 0.999 })).toBe(1998)
  })
})

describe('withRetries', () => {
  test('waits on the clock between attempts and returns the first success', async () => {
    const clock = fakeClock()
    const attempts: number[] = []
    const retries: [number, number][] = []
    const result = withRetries(
      async () => {
        attempts.push(clock.now())
        if (attempts.length < 3) throw upstream(503)
        return 'ok'
      },
      { maxRetries: 2, clock, random: () => 0.5, onRetry: (r) => retries.push([r.attempt, r.delayMs]) },
    )
    await clock.runAll()
    expect(await result).toBe('ok')
    expect(attempts).toEqual([0, 250, 750])
    expect(retries).toEqual([
      [1, 250],
      [2, 500],
    ])
  })

  test('gives up after maxRetries with the last error', async () => {
    const clock = fakeClock()
    let attempts = 0
    const result = withRetries(
      async () => {
        attempts++
        throw upstream(500)
      },
      { maxRetries: 2, clock, random: () => 0.5 },
    )
    const settled = result.catch((e: unknown) => e)
    await clock.runAll()
    expect(await settled).toMatchObject({ kind: 'server', status: 500 })
    expect(attempts).toBe(3)
  })

  test('does not retry what is not retryable', async () => {
    const clock = fakeClock()
    let attempts = 0
    const result = withRetries(
      async () => {
        attempts++
        throw upstream(429, {}, 'insufficient_quota')
      },
      { maxRetries: 2, clock, random: () => 0.5 },
    )
    await expect(result).rejects.toMatchObject({ kind: 'quota' })
    expect(attempts).toBe(1)
  })

  test('an abort during the wait ends the retries', async () => {
    const clock = fakeClock()
    const controller = new AbortController()
    const reason = new Error('stop')
    const result = withRetries(
      async () => {
        throw upstream(500)
      },
      { maxRetries: 2, clock, random: () => 0.5, signal: controller.signal },
    )
    const settled = result.catch((e: unknown) => e)
    await clock.advance(100)
    controller.abort(reason)
    expect(await settled).toBe(reason)
  })
})
