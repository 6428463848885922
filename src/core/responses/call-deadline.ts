import type { Dispatcher } from 'undici'
import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import { ConnectionError, UpstreamTimeoutError } from './errors.ts'
import { createWatchdog, type Watchdog } from './watchdog.ts'

/**
 * The deadlines and the abort of one call to the API, across its attempts, on the injected Clock:
 * - each attempt gets its own AbortController, so a first-byte timeout aborts that attempt only
 *   and the next may run; the caller's signal aborts whichever attempt is current;
 * - the first-byte deadline runs from each send; once the body is being read, `arm` moves it
 *   chunk by chunk, and an expiry counts as an idle timeout;
 * - `translate` says what an error means: the deadline passing, the caller's abort, or a broken
 *   connection (a `HeraldError` from the API passes through).
 *
 * @example
 *   const deadline = new CallDeadline(clock, signal, { firstByteMs: 120_000, idleMs: 90_000 })
 *   try {
 *     const response = await request(url, { signal: deadline.startAttempt() })
 *     for await (const chunk of response.body) deadline.arm(90_000)
 *   } catch (error) {
 *     throw deadline.translate(error)   // UpstreamTimeoutError, 'aborted' or ConnectionError
 *   } finally {
 *     deadline.close()
 *   }
 */
export class CallDeadline {
  private readonly signal: AbortSignal | undefined
  private readonly firstByteMs: number
  private readonly idleMs: number
  private readonly watchdog: Watchdog
  private controller = new AbortController()
  private phase: 'first_byte' | 'idle' = 'first_byte'
  private timedOut: UpstreamTimeoutError | undefined
  private readonly onAbort = () => this.controller.abort(this.signal?.reason)

  constructor(
    clock: Clock,
    signal: AbortSignal | undefined,
    limits: { firstByteMs: number; idleMs: number },
  ) {
    this.signal = signal
    this.firstByteMs = limits.firstByteMs
    this.idleMs = limits.idleMs
    this.watchdog = createWatchdog(clock, () => this.expire())
    signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  /** A new attempt: its own controller and the first-byte deadline from now. Throws once the caller aborted. */
  startAttempt(): AbortSignal {
    this.controller = new AbortController()
    this.timedOut = undefined
    if (this.signal?.aborted) throw this.translate(this.signal.reason)
    this.watchdog.arm(this.firstByteMs)
    return this.controller.signal
  }

  /** The attempt failed before its answer: no deadline runs while the retry waits. */
  attemptFailed(): void {
    this.watchdog.disarm()
  }

  /** Moves the deadline to now + ms; from here on an expiry counts as an idle timeout. */
  arm(ms: number): void {
    this.phase = 'idle'
    this.watchdog.arm(ms)
  }

  /** What an error means: a timeout, the caller's abort, or a broken connection. */
  translate(error: unknown): HeraldError {
    if (this.timedOut) return this.timedOut
    if (this.signal?.aborted) return new HeraldError('aborted', 'aborted by the caller')
    if (error instanceof HeraldError) return error
    const code = (error as { code?: unknown } | null)?.code
    const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
    return new ConnectionError(`could not reach the OpenAI API (${detail})`, { cause: error })
  }

  /** The call is over: no deadline runs and the caller's signal is let go. */
  close(): void {
    this.watchdog.disarm()
    this.signal?.removeEventListener('abort', this.onAbort)
  }

  private expire(): void {
    this.timedOut = new UpstreamTimeoutError(
      this.phase,
      this.phase === 'first_byte' ? this.firstByteMs : this.idleMs,
    )
    this.controller.abort(this.timedOut)
  }
}

/** An answer whose status line arrived, with the deadline its body is read under. */
export interface OpenedCall {
  response: Dispatcher.ResponseData
  deadline: CallDeadline
}
