import type { Clock } from '../contracts/clock.ts'
import { ConnectionError, UpstreamError, UpstreamTimeoutError } from './errors.ts'

/**
 * Bounded retries for the part of a call before any answer arrived. Retried: a 429 that is a rate
 * limit (never `insufficient_quota`), a 5xx, a connection that could not be made, and no first byte
 * within the deadline (a hung relay). The wait is
 * the API's `Retry-After` (capped at `maxRetryAfterMs`) plus a jitter of up to a quarter of it (at
 * least `baseDelayMs`), never less; else exponential backoff with full jitter.
 * The caller decides what is retryable in time: it wraps only the opening of a call, never the
 * reading of a stream, and passes `maxRetries: 0` for background requests.
 *
 * @example
 *   const opened = await withRetries(() => open(req), { maxRetries: 2, clock, random: Math.random, signal })
 */
export interface RetryOptions {
  maxRetries: number
  clock: Clock
  /** In [0, 1); injected so tests know the jitter. */
  random: () => number
  signal?: AbortSignal
  baseDelayMs?: number
  maxDelayMs?: number
  maxRetryAfterMs?: number
  onRetry?: (retry: { attempt: number; delayMs: number; error: Retryable }) => void
}

export const retryDefaults = { baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 30_000 }

export type Retryable = UpstreamError | ConnectionError | UpstreamTimeoutError

export function isRetryable(error: unknown): error is Retryable {
  if (error instanceof ConnectionError) return true
  if (error instanceof UpstreamTimeoutError) return error.phase === 'first_byte'
  if (!(error instanceof UpstreamError)) return false
  return error.kind === 'rate_limited' || error.status >= 500
}

/** The wait before retry number `attempt` (1-based). */
export function retryDelayMs(
  error: Retryable,
  attempt: number,
  options: Pick<RetryOptions, 'random' | 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs'>,
): number {
  const maxRetryAfterMs = options.maxRetryAfterMs ?? retryDefaults.maxRetryAfterMs
  const base = options.baseDelayMs ?? retryDefaults.baseDelayMs
  if (error instanceof UpstreamError && error.retryAfterMs !== undefined) {
    const wait = Math.min(error.retryAfterMs, maxRetryAfterMs)
    // Requests told the same delay would all come back at once: spread them over a quarter of it more.
    return wait + Math.floor(options.random() * Math.max(base, wait / 4))
  }
  const ceiling = Math.min(options.maxDelayMs ?? retryDefaults.maxDelayMs, base * 2 ** (attempt - 1))
  return Math.floor(options.random() * ceiling)
}

export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (retry > options.maxRetries || !isRetryable(error) || options.signal?.aborted) throw error
      const delayMs = retryDelayMs(error, retry, options)
      options.onRetry?.({ attempt: retry, delayMs, error })
      await options.clock.sleep(delayMs, options.signal)
    }
  }
}
