import type { Clock } from '../contracts/clock.ts'

/**
 * The budget one platform gives a bot across all its chats (Telegram about 30 calls a second,
 * Discord 50): at most one call every `gapMs`, and nothing while a global 429 runs. Under a burst
 * the waiting calls go by priority: final renders (an answer lands), then first messages (an
 * answer shows it has started), then intermediate edits; in order of arrival within each. Among
 * final renders, one in a new message goes first: that person sees nothing of the answer yet, and
 * either way one call lands one answer.
 *
 * @example
 *   const gate = new GlobalGate(clock, 34)
 *   await gate.acquire('edit')  // then make one call
 */
export type GatePriority = 'final-new' | 'final' | 'first' | 'edit'

const RANK: Record<GatePriority, number> = { 'final-new': 0, final: 1, first: 2, edit: 3 }

/** A wait for the gate; `raise` moves it up when what waits became more urgent meanwhile. */
export type GateTurn = Promise<void> & { raise(priority: GatePriority): void }
export class GlobalGate {
  private readonly clock: Clock
  private readonly gapMs: number
  private nextAt = 0
  private waiters: Array<{ rank: number; resolve: () => void }> = []
  private pumping = false
  pausedUntil = 0

  constructor(clock: Clock, gapMs: number) {
    this.clock = clock
    this.gapMs = gapMs
  }

  /** Resolves when one call may go; the waiting ones go by priority, then in order. */
  acquire(priority: GatePriority): GateTurn {
    const now = this.clock.now()
    if (!this.pumping && now >= this.nextAt && now >= this.pausedUntil) {
      this.nextAt = now + this.gapMs
      return Object.assign(Promise.resolve(), { raise: () => {} })
    }
    const waiter = { rank: RANK[priority], resolve: () => {} }
    const turn = new Promise<void>((resolve) => {
      waiter.resolve = resolve
      this.waiters.push(waiter)
      if (!this.pumping) void this.pump()
    })
    return Object.assign(turn, {
      raise: (to: GatePriority) => {
        waiter.rank = Math.min(waiter.rank, RANK[to])
      },
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
        let best = 0
        for (let i = 1; i < this.waiters.length; i++) {
          if (this.waiters[i]!.rank < this.waiters[best]!.rank) best = i
        }
        const [waiter] = this.waiters.splice(best, 1)
        this.nextAt = this.clock.now() + this.gapMs
        waiter?.resolve()
      }
    } finally {
      this.pumping = false
    }
  }
}
