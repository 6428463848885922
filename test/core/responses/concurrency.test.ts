import { describe, expect, test } from 'vitest'
import {
  createAdaptiveLimit,
  durationMs,
  isPushBack,
  rateLimitHeaders,
  type UpstreamSignal,
} from '../../../src/core/responses/concurrency.ts'
import { UpstreamError } from '../../../src/core/responses/errors.ts'
import { createStreamGate } from '../../../src/core/state/limits.ts'
import { rateLimited, sse } from '../../fakes/fake-responses-api.ts'
import { textAnswer } from '../../fakes/fake-responses-transcripts.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { useClientHarness } from './client-harness.ts'

const ok = (sentAt: number): UpstreamSignal => ({ kind: 'ok', sentAt, nearLimit: false })
const pushBack = (sentAt: number, retryAfterMs?: number): UpstreamSignal =>
  retryAfterMs === undefined ? { kind: 'push_back', sentAt } : { kind: 'push_back', sentAt, retryAfterMs }

describe('adaptive limit (AIMD)', () => {
  test('starts at the ceiling, halves on a push-back and grows by one per answer up to the ceiling', async () => {
    const clock = fakeClock(1000)
    const limit = createAdaptiveLimit({ ceiling: 8, clock })
    expect(limit.limit).toBe(8)
    limit.observe(pushBack(900))
    expect(limit.limit).toBe(4)
    await clock.advance(10)
    limit.observe(pushBack(1005))
    expect(limit.limit).toBe(2)
    const seen: number[] = []
    limit.onChange(() => seen.push(limit.limit))
    for (let i = 0; i < 8; i++) limit.observe(ok(1020))
    expect(seen).toEqual([3, 4, 5, 6, 7, 8])
    expect(limit.limit).toBe(8)
  })

  test('push-backs to requests sent before the last cut count once: a burst of 429s halves the limit once', async () => {
    const clock = fakeClock(0)
    const limit = createAdaptiveLimit({ ceiling: 200, clock })
    await clock.advance(50)
    for (let i = 0; i < 150; i++) limit.observe(pushBack(0))
    expect(limit.limit).toBe(100)
    // A request sent after the cut that is refused again is new evidence.
    await clock.advance(50)
    limit.observe(pushBack(60))
    expect(limit.limit).toBe(50)
  })

  test('never goes below one', () => {
    const clock = fakeClock(0)
    const limit = createAdaptiveLimit({ ceiling: 2, clock, initial: 1 })
    limit.observe(pushBack(1))
    expect(limit.limit).toBe(1)
  })

  test('a retry-after holds new streams until it passes (capped), and only extends forward', async () => {
    const clock = fakeClock(10_000)
    const limit = createAdaptiveLimit({ ceiling: 10, clock, maxHoldMs: 5000 })
    limit.observe(pushBack(9000, 2000))
    expect(limit.holdUntil).toBe(12_000)
    limit.observe(pushBack(9000, 1000))
    expect(limit.holdUntil).toBe(12_000)
    limit.observe(pushBack(9000, 60_000))
    expect(limit.holdUntil).toBe(15_000)
    expect(limit.limit).toBe(5)
  })

  test('an answer whose rate-limit headers ran low cuts the limit like a push-back', () => {
    const clock = fakeClock(100)
    const limit = createAdaptiveLimit({ ceiling: 16, clock })
    limit.observe({ kind: 'ok', sentAt: 50, nearLimit: true, holdMs: 1500 })
    expect([limit.limit, limit.holdUntil]).toEqual([8, 1600])
  })
})

describe('rate-limit signals', () => {
  test('remaining requests or tokens at or under 2% of the limit are near zero', () => {
    expect(rateLimitHeaders({})).toEqual({ nearLimit: false })
    expect(
      rateLimitHeaders({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '11' }),
    ).toEqual({ nearLimit: false })
    expect(
      rateLimitHeaders({ 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '10' }),
    ).toEqual({ nearLimit: true })
    expect(
      rateLimitHeaders({ 'x-ratelimit-limit-tokens': '200000', 'x-ratelimit-remaining-tokens': '1200' }),
    ).toEqual({ nearLimit: true })
    expect(rateLimitHeaders({ 'x-ratelimit-remaining-tokens': '1' })).toEqual({ nearLimit: false })
  })

  test('an exhausted request budget holds until its reset', () => {
    expect(
      rateLimitHeaders(
        new Headers({
          'x-ratelimit-limit-requests': '60',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '1m2.5s',
        }),
      ),
    ).toEqual({ nearLimit: true, holdMs: 62_500 })
  })

  test('reset durations as OpenAI writes them', () => {
    expect(['1s', '6m0s', '20ms', '1h2m3.5s', '0.5s'].map(durationMs)).toEqual([
      1000, 360_000, 20, 3_723_500, 500,
    ])
    expect([undefined, '', 'soon', '5'].map(durationMs)).toEqual([undefined, undefined, undefined, undefined])
  })

  test('a rate limit and a relay concurrency refusal push back; quota and other errors do not', () => {
    const error = (status: number, message: string, code?: string) =>
      UpstreamError.from(status, { error: { message, code: code ?? null } }, {})
    expect(isPushBack(error(429, 'Rate limit reached', 'rate_limit_exceeded'))).toBe(true)
    expect(isPushBack(error(503, 'Too many concurrent requests for this key'))).toBe(true)
    expect(isPushBack(error(500, 'concurrency limit exceeded'))).toBe(true)
    expect(isPushBack(error(429, 'You exceeded your current quota', 'insufficient_quota'))).toBe(false)
    expect(isPushBack(error(503, 'The engine is currently overloaded'))).toBe(false)
    expect(isPushBack(error(400, 'too many tools'))).toBe(false)
    expect(isPushBack(new Error('429'))).toBe(false)
  })
})

describe('stream gate under an adaptive limit', () => {
  test('a cut queues new streams with visible positions; answers that succeed let them in again', async () => {
    const clock = fakeClock(0)
    const limit = createAdaptiveLimit({ ceiling: 4, clock })
    const gate = createStreamGate(limit, clock)
    const running = Array.from({ length: 4 }, () => gate.enqueue())
    expect(running.map((t) => t.position())).toEqual([0, 0, 0, 0])
    await clock.advance(10)
    limit.observe(pushBack(0))
    expect(limit.limit).toBe(2)
    const waiting = [gate.enqueue(), gate.enqueue()]
    expect(waiting.map((t) => t.position())).toEqual([1, 2])
    // Three streams end: one waiter may start; the other waits until an answer succeeds.
    for (const ticket of running.slice(0, 3)) ticket.cancel()
    expect([gate.active, gate.waiting]).toEqual([2, 1])
    expect(waiting.map((t) => t.position())).toEqual([0, 1])
    limit.observe(ok(20))
    expect(waiting.map((t) => t.position())).toEqual([0, 0])
    expect([gate.active, gate.waiting]).toEqual([3, 0])
  })

  test('while a retry-after holds, nothing starts; the queue moves when it passes', async () => {
    const clock = fakeClock(0)
    const limit = createAdaptiveLimit({ ceiling: 10, clock })
    const gate = createStreamGate(limit, clock)
    limit.observe(pushBack(-1, 3000))
    const tickets = [gate.enqueue(), gate.enqueue()]
    expect(tickets.map((t) => t.position())).toEqual([1, 2])
    await clock.advance(2999)
    expect(gate.active).toBe(0)
    await clock.advance(1)
    expect(tickets.map((t) => t.position())).toEqual([0, 0])
    expect(gate.active).toBe(2)
    expect(clock.pending).toBe(0)
  })

  test('a hold extended while waiting wakes the queue only at its new end', async () => {
    const clock = fakeClock(0)
    const limit = createAdaptiveLimit({ ceiling: 10, clock })
    const gate = createStreamGate(limit, clock)
    limit.observe(pushBack(-1, 1000))
    const ticket = gate.enqueue()
    await clock.advance(500)
    limit.observe(pushBack(-1, 2000))
    await clock.advance(1000)
    expect(ticket.position()).toBe(1)
    await clock.advance(1000)
    expect(ticket.position()).toBe(0)
  })
})

describe('the client reports how the endpoint took each request', () => {
  const h = useClientHarness()

  test('a 429 is a push-back with its retry-after and its send time; the retry that opens is ok', async () => {
    const signals: UpstreamSignal[] = []
    const client = h.makeClient({ onUpstreamSignal: (s) => signals.push(s) })
    h.fake.enqueue(rateLimited({ retryAfterMs: '800' }), sse(textAnswer('Hi', 1)))
    const result = client.run({ model: 'gpt-test', input: 'Hi' })
    await expect.poll(() => signals.length).toBe(1)
    await h.clock.advance(2000)
    expect((await result).text).toBe('Hi')
    // The retry waits 800 + 0.5 × 500 of jitter.
    expect(signals).toEqual([
      { kind: 'push_back', sentAt: 0, retryAfterMs: 800 },
      { kind: 'ok', sentAt: 1050, nearLimit: false },
    ])
  })

  test('an answer with its request budget spent is ok but near the limit, with the reset to hold for', async () => {
    const signals: UpstreamSignal[] = []
    const client = h.makeClient({ onUpstreamSignal: (s) => signals.push(s) })
    h.fake.enqueue(
      sse(textAnswer('Hi', 1), {
        headers: {
          'x-ratelimit-limit-requests': '3',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '20s',
        },
      }),
    )
    await client.run({ model: 'gpt-test', input: 'Hi' })
    expect(signals).toEqual([{ kind: 'ok', sentAt: 0, nearLimit: true, holdMs: 20_000 }])
  })
})
