import type { Clock } from '../contracts/clock.ts'

/**
 * The budget one platform gives a bot across all its chats (Telegram about 30 calls a second,
 * Discord 50): at most one call every `gapMs`, final renders first, and nothing while a global
 * 429 runs.
 *
 * @example
 *   const gate = new GlobalGate(clock, 34)
 *   await gate.acquire(false)  // then make one call
 */
export class GlobalGate {
  private readonly clock: Clock
  private readonly gapMs: number
  private nextAt = 0
  private waiters: Array<{ final: boolean; resolve: () => void }> = []
  private pumping = false
  pausedUntil = 0

  constructor(clock: Clock, gapMs: number) {
    this.clock = clock
    this.gapMs = gapMs
  }

  /** Resolves when one call may go; `final` ones are let through before the others. */
  acquire(final: boolean): Promise<void> {
    const now = this.clock.now()
    if (!this.pumping && now >= this.nextAt && now >= this.pausedUntil) {
      this.nextAt = now + this.gapMs
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.waiters.push({ final, resolve })
      if (!this.pumping) void this.pump()
    })
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms)
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      while (this.waiters.length > 0) {
        const wait = Math.max(this.nextAt, this.pausedUntil) - this.clock.now()
        if (wait > 0) {
          await this.clock.sleep(wait)
          continue
        }
        const finalAt = this.waiters.findIndex((w) => w.final)
        const [waiter] = this.waiters.splice(Math.max(finalAt, 0), 1)
        this.nextAt = this.clock.now() + this.gapMs
        waiter?.resolve()
      }
    } finally {
      this.pumping = false
    }
  }
}
