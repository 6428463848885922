import type { Clock } from '../contracts/clock.ts'
import { type HeaderSource, header, UpstreamError } from './errors.ts'

/**
 * How many upstream streams may run at once, learned from the endpoint's own push-back (AIMD).
 *
 * The limit starts at the ceiling, so a burst starts at once. A push-back (a 429 rate limit, a relay's
 * "too many concurrent requests", or `x-ratelimit-remaining-*` near zero on an answer) halves it, at
 * most once per round trip: a push-back to a request sent before the last cut is the same congestion
 * seen again, not new evidence. Every answer that opens without such a sign raises the limit by one,
 * up to the ceiling. A `retry-after` (or the reset of an exhausted request budget) also holds new
 * streams until it has passed, so the queue does not walk into the same wall.
 *
 * Explicit signals are what an LLM endpoint gives: its latency grows with the answer's length, not
 * with its load, so a latency-gradient limiter would read long answers as congestion.
 *
 * @example
 *   const limit = createAdaptiveLimit({ ceiling: 200, clock })
 *   limit.observe({ kind: 'push_back', sentAt: 0, retryAfterMs: 2000 }) // limit 100, holdUntil now + 2000
 */
export type UpstreamSignal =
  /** The endpoint answered (status below 400); `nearLimit` when its rate-limit headers ran low. */
  | { kind: 'ok'; sentAt: number; nearLimit: boolean; holdMs?: number }
  /** The endpoint pushed back on a request sent at `sentAt`. */
  | { kind: 'push_back'; sentAt: number; retryAfterMs?: number }

export interface AdaptiveLimit {
  /** How many streams may run now (1 … ceiling). */
  readonly limit: number
  readonly ceiling: number
  /** No new stream starts before this time (ms, the clock's); 0 when nothing holds them. */
  readonly holdUntil: number
  observe(signal: UpstreamSignal): void
  /** Called after every change of `limit` or `holdUntil`. Returns an unsubscribe. */
  onChange(listener: () => void): () => void
}

export interface AdaptiveLimitOptions {
  ceiling: number
  clock: Clock
  /** Where the limit starts; default the ceiling. */
  initial?: number
  /** The factor a push-back multiplies the limit by; default 0.5. */
  backoff?: number
  /** The longest hold a single push-back can set; default 60 000. */
  maxHoldMs?: number
}

export function createAdaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  const { ceiling, clock } = options
  const backoff = options.backoff ?? 0.5
  const maxHoldMs = options.maxHoldMs ?? 60_000
  let limit = Math.max(1, Math.min(ceiling, options.initial ?? ceiling))
  let holdUntil = 0
  let lastCutAt = Number.NEGATIVE_INFINITY
  const listeners = new Set<() => void>()

  const cut = (sentAt: number) => {
    if (sentAt <= lastCutAt) return false
    lastCutAt = clock.now()
    const next = Math.max(1, Math.floor(limit * backoff))
    if (next === limit) return false
    limit = next
    return true
  }
  const hold = (ms: number | undefined) => {
    if (ms === undefined || ms <= 0) return false
    const until = clock.now() + Math.min(ms, maxHoldMs)
    if (until <= holdUntil) return false
    holdUntil = until
    return true
  }

  return {
    get limit() {
      return limit
    },
    ceiling,
    get holdUntil() {
      return holdUntil
    },
    observe(signal) {
      let changed: boolean
      if (signal.kind === 'push_back') {
        changed = cut(signal.sentAt)
        changed = hold(signal.retryAfterMs) || changed
      } else if (signal.nearLimit) {
        changed = cut(signal.sentAt)
        changed = hold(signal.holdMs) || changed
      } else {
        changed = limit < ceiling
        limit = Math.min(ceiling, limit + 1)
      }
      if (changed) for (const listener of [...listeners]) listener()
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

/** True for the errors that mean "fewer at once": a rate limit (not quota) or a relay's concurrency refusal. */
export function isPushBack(error: unknown): error is UpstreamError {
  if (!(error instanceof UpstreamError)) return false
  if (error.kind === 'rate_limited') return true
  return (error.status === 429 || error.status >= 500) && /concurren|too many/i.test(error.message)
}

/** The share of a request or token budget under which an answer counts as a push-back. */
const NEAR_ZERO = 0.02

/**
 * Reads an answer's `x-ratelimit-*` headers: near zero when either remaining count is at most 2% of
 * its limit (or 0 without a limit); `holdMs` is the request budget's reset when it is exhausted.
 */
export function rateLimitHeaders(headers: HeaderSource): { nearLimit: boolean; holdMs?: number } {
  let nearLimit = false
  let holdMs: number | undefined
  for (const budget of ['requests', 'tokens']) {
    const remaining = Number.parseFloat(header(headers, `x-ratelimit-remaining-${budget}`) ?? '')
    if (!Number.isFinite(remaining)) continue
    const limit = Number.parseFloat(header(headers, `x-ratelimit-limit-${budget}`) ?? '')
    const floor = Number.isFinite(limit) && limit > 0 ? limit * NEAR_ZERO : 0
    if (remaining > floor) continue
    nearLimit = true
    if (budget === 'requests' && remaining <= 0) {
      const reset = durationMs(header(headers, 'x-ratelimit-reset-requests'))
      if (reset !== undefined) holdMs = reset
    }
  }
  return holdMs === undefined ? { nearLimit } : { nearLimit, holdMs }
}

/** OpenAI's reset durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`. */
export function durationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(text)) return undefined
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  for (const [, amount, , name] of text.matchAll(/(\d+(\.\d+)?)(ms|h|m|s)/g)) {
    total += Number.parseFloat(amount!) * unit[name!]!
  }
  return Math.round(total)
}
