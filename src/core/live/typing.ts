import type { Clock } from '../contracts/clock.ts'
import { RateLimited } from '../contracts/errors.ts'
import type { Surface } from '../contracts/surface.ts'
import type { Lane } from './scheduler.ts'

/**
 * Keeps "typing…" alive while an answer streams (Telegram shows it for about 5 s): one call every
 * `everyMs` until `signal` aborts. It stays out of the lane's pace, but never calls while the chat
 * is paused by a 429, and a 429 it gets pauses the chat.
 *
 * @example
 *   void keepTyping(surface, lane, clock, 4500, stop.signal)
 */
export async function keepTyping(
  surface: Surface,
  lane: Lane,
  clock: Clock,
  everyMs: number,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    if (!lane.paused) {
      try {
        await surface.typing?.()
      } catch (err) {
        if (err instanceof RateLimited) lane.pause(err.retryAfterMs, err.global)
      }
    }
    try {
      await clock.sleep(everyMs, signal)
    } catch {
      return
    }
  }
}
