import { type Clock, systemClock } from '../../src/core/contracts/clock.ts'

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, waking every sleeper due on the way, in order, settling promises between. */
  advance(ms: number): Promise<void>
  /** Runs until no sleeper is left or `limitMs` has passed. */
  runAll(limitMs?: number): Promise<void>
  readonly pending: number
}

interface Sleeper {
  at: number
  seq: number
  resolve: () => void
}

/** Lets every queued microtask and immediate run, so code woken by a timer reaches its next await. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r))
}

export function fakeClock(start = 0): FakeClock {
  let now = start
  let seq = 0
  const sleepers: Sleeper[] = []
  const clock: FakeClock = {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        const sleeper: Sleeper = { at: now + Math.max(0, ms), seq: seq++, resolve }
        sleepers.push(sleeper)
        signal?.addEventListener(
          'abort',
          () => {
            const i = sleepers.indexOf(sleeper)
            if (i >= 0) sleepers.splice(i, 1)
            reject(signal.reason)
          },
          { once: true },
        )
      })
    },
    async advance(ms) {
      const target = now + ms
      await settle()
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const next = sleepers[0]
        if (!next || next.at > target) break
        sleepers.shift()
        now = next.at
        next.resolve()
        await settle()
      }
      now = target
      await settle()
    },
    async runAll(limitMs = 3_600_000) {
      const end = now + limitMs
      await settle()
      while (sleepers.length > 0 && now < end) {
        sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq)
        await clock.advance(Math.max(0, Math.min(sleepers[0]!.at, end) - now))
      }
    },
    get pending() {
      return sleepers.length
    },
  }
  return clock
}

export interface ManualClock extends Clock {
  /** Moves the time `now()` reads forward by `ms`, at once. */
  advance(ms: number): void
}

/**
 * A clock whose `now()` stands still until the test moves it, while `sleep` waits in real time: for
 * code that reads the time for decisions (an interaction token's age) next to a library that keeps
 * real timers (discord.js), so both the code and a fake platform sharing this clock see exact times.
 *
 * @example
 *   const clock = manualClock(Date.UTC(2026, 0, 1))
 *   const fake = await startFakeDiscord({ clock })
 *   clock.advance(15 * 60_000) // the token is exactly 15 minutes old
 */
export function manualClock(start: number): ManualClock {
  let now = start
  return {
    now: () => now,
    sleep: systemClock.sleep,
    advance(ms) {
      now += ms
    },
  }
}
