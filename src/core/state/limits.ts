import { type Clock, systemClock } from '../contracts/clock.ts'
import { HeraldError, InputError } from '../contracts/errors.ts'
import type { AdaptiveLimit } from '../responses/concurrency.ts'
import type { Store } from '../store/store.ts'

/**
 * Limits on load, checked before a request is sent:
 * - a per-user request rate, in fixed one-minute windows counted in the store (shared by all
 *   processes; a burst of up to twice the rate can straddle a window boundary);
 * - a limit on concurrent upstream streams with a FIFO queue whose position people can see: fixed,
 *   or adapting to the endpoint's push-back under a ceiling (responses/concurrency.ts). It is per
 *   process: each process protects its own sockets and memory.
 * - a maximum prompt length, in Unicode code points.
 *
 * @example
 *   const limits = createLimits({ store, maxConcurrentStreams: 8, userRequestsPerMinute: 10, maxPromptChars: 8000 })
 *   limits.checkPromptLength(text)
 *   const ticket = limits.enqueue()
 *   ticket.onPosition((n) => n > 0 && status(t('limits.queued', { n })))
 *   const done = await ticket.ready
 *   try { await stream() } finally { done() }
 */

export type RateResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number }

export interface StreamTicket {
  /** 0 once the stream may start; otherwise the place in the queue, 1 being next. */
  position(): number
  /** Called on every change of position (the last call is with 0). Returns an unsubscribe. */
  onPosition(listener: (position: number) => void): () => void
  /** Resolves with `release` when the stream may start; rejects (kind `aborted`) if cancelled while queued. */
  readonly ready: Promise<() => void>
  /** Leaves the queue, or releases the place if it was already granted. */
  cancel(): void
}

export interface StreamGate {
  enqueue(): StreamTicket
  readonly active: number
  readonly waiting: number
}

export interface LimitsOptions {
  store: Store
  clock?: Clock
  /** Concurrent upstream streams in this process: a fixed cap (0 = none) or an adaptive limit. */
  maxConcurrentStreams?: number | AdaptiveLimit
  /** Requests per user per minute; 0 = no cap. */
  userRequestsPerMinute?: number
  /** Prompt length in code points; 0 = no cap. */
  maxPromptChars?: number
}

export interface Limits {
  checkRate(user: string): Promise<RateResult>
  enqueue(): StreamTicket
  /** Throws InputError('input.too_long', { length, max }). */
  checkPromptLength(text: string): void
  readonly streams: StreamGate
}

export function createLimits(opts: LimitsOptions): Limits {
  const clock = opts.clock ?? systemClock
  const streams = createStreamGate(opts.maxConcurrentStreams ?? 0, clock)
  const rate = createRateLimiter(opts.store, clock, opts.userRequestsPerMinute ?? 0)
  const maxChars = opts.maxPromptChars ?? 0
  return {
    checkRate: rate,
    enqueue: () => streams.enqueue(),
    checkPromptLength: (text) => checkPromptLength(text, maxChars),
    streams,
  }
}

/** Throws InputError('input.too_long', { length, max }) past `maxChars` code points (0 = no cap). */
export function checkPromptLength(text: string, maxChars: number): void {
  if (maxChars <= 0) return
  let length = 0
  for (const _ of text) length++
  if (length > maxChars) throw new InputError('input.too_long', { length, max: maxChars })
}

/** Fixed one-minute windows counted in the store, so every process sees the same count. */
export function createRateLimiter(
  store: Store,
  clock: Clock,
  perMinute: number,
): (user: string) => Promise<RateResult> {
  const windowMs = 60_000
  return async (user) => {
    if (perMinute <= 0) return { ok: true, remaining: Number.POSITIVE_INFINITY }
    const now = clock.now()
    const window = Math.floor(now / windowMs)
    const count = await store.incrBy(`rate:${user}:${window}`, 1, 2 * windowMs)
    if (count > perMinute) return { ok: false, retryAfterMs: (window + 1) * windowMs - now }
    return { ok: true, remaining: perMinute - count }
  }
}

interface Waiter {
  position: number
  listeners: Set<(position: number) => void>
  grant: () => void
  reject: (error: Error) => void
}

/**
 * A FIFO gate of concurrent streams in this process: at most `max` (0 = no cap), or as many as an
 * adaptive limit allows now; while the limit holds new streams (a running retry-after) none starts.
 */
export function createStreamGate(max: number | AdaptiveLimit, clock: Clock = systemClock): StreamGate {
  let active = 0
  const queue: Waiter[] = []
  const allowed = () => (typeof max === 'number' ? (max <= 0 ? Number.POSITIVE_INFINITY : max) : max.limit)
  let wakeAt = 0

  const announce = (waiter: Waiter, position: number) => {
    if (waiter.position === position) return
    waiter.position = position
    for (const listener of [...waiter.listeners]) listener(position)
  }
  /** One timer for the end of a hold, so the queue moves on when it passes. */
  const wakeAfterHold = (until: number) => {
    if (wakeAt >= until) return
    wakeAt = until
    clock.sleep(until - clock.now()).then(() => {
      if (wakeAt === until) wakeAt = 0
      pump()
    })
  }
  const pump = () => {
    const holdUntil = typeof max === 'number' ? 0 : max.holdUntil
    const held = queue.length > 0 && holdUntil > clock.now()
    if (held) wakeAfterHold(holdUntil)
    while (!held && queue.length > 0 && active < allowed()) {
      const next = queue.shift()!
      active++
      announce(next, 0)
      next.grant()
    }
    for (const [i, waiter] of queue.entries()) announce(waiter, i + 1)
  }
  if (typeof max !== 'number') max.onChange(pump)

  return {
    get active() {
      return active
    },
    get waiting() {
      return queue.length
    },
    enqueue() {
      let granted = false
      let done = false
      const release = () => {
        if (done) return
        done = true
        active--
        pump()
      }
      let resolveReady!: (release: () => void) => void
      let rejectReady!: (error: Error) => void
      const ready = new Promise<() => void>((resolve, reject) => {
        resolveReady = resolve
        rejectReady = reject
      })
      ready.catch(() => {})
      const waiter: Waiter = {
        position: -1,
        listeners: new Set(),
        grant: () => {
          granted = true
          resolveReady(release)
        },
        reject: rejectReady,
      }
      queue.push(waiter)
      pump()
      return {
        position: () => waiter.position,
        onPosition(listener) {
          waiter.listeners.add(listener)
          return () => waiter.listeners.delete(listener)
        },
        ready,
        cancel() {
          if (granted) return release()
          const i = queue.indexOf(waiter)
          if (i < 0) return
          queue.splice(i, 1)
          done = true
          waiter.reject(new HeraldError('aborted', 'cancelled while queued'))
          pump()
        },
      }
    },
  }
}
