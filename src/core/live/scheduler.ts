import { type Clock, systemClock } from '../contracts/clock.ts'
import { RateLimited } from '../contracts/errors.ts'
import type { Pace, Surface } from '../contracts/surface.ts'
import { type GatePriority, type GateTurn, GlobalGate } from './global-gate.ts'
import { defaultGlobalGapMs, PACE_MARGIN_MS } from './platform-defaults.ts'
import type { SharedPace } from './shared-pace.ts'

/**
 * One lane per chat, shared by every answer in it: calls go one at a time, `perChatMs` apart (and
 * `perMessageMs` between edits of one message); a 429 pauses the whole lane until `retryAfterMs`
 * has passed; final renders go before intermediate edits of other answers, and across chats the
 * platform's budget goes to final renders, then first messages, then intermediate edits.
 *
 * A task is asked for its next call only when the lane can make one, so the newest content wins
 * and a stream reader never waits: it offers, and the lane pulls. With a SharedPace, the lanes of
 * one chat in every process take turns through it, and a 429 pauses the chat in all of them.
 *
 * @example
 *   const lanes = createLaneRegistry({ clock })
 *   lanes.lane(surface).offer(liveMessage)   // liveMessage.next() is called when the chat's turn comes
 */
export interface LaneCall {
  /** The message the call edits (its pace applies); undefined when it sends a new one. */
  messageId?: string | undefined
  /** The answer's final render: it goes before other answers' intermediate edits. */
  final: boolean
  /** Not before this time (a backoff after an error). */
  notBefore?: number | undefined
  /** Makes the platform call, resolving with the touched message's id; a RateLimited it throws pauses the lane. */
  run(): Promise<string | undefined>
}

/** Something with calls to make in a chat (a live message), asked for its newest call just before each one. */
export interface LaneTask {
  next(): LaneCall | undefined
}

export interface LaneStats {
  calls: number
  rateLimited: number
}

/** The pacing a lane shares with the other processes: the platform it belongs to and that platform's gap. */
export interface LaneSharing {
  pace: SharedPace
  platform: string
  platformGapMs: number
}

export class Lane {
  readonly key: string
  readonly pace: Pace
  readonly stats: LaneStats = { calls: 0, rateLimited: 0 }
  private readonly clock: Clock
  private readonly gate: GlobalGate
  private readonly onError: (err: unknown) => void
  private readonly sharing: LaneSharing | undefined
  private readonly tasks = new Set<LaneTask>()
  private readonly lastServed = new Map<LaneTask, number>()
  private readonly messageReadyAt = new Map<string, number>()
  private nextCallAt = 0
  private pausedUntil = 0
  private running = false
  private waking: AbortController | undefined
  private waiting: { task: LaneTask; turn: GateTurn; messageId: string | undefined } | undefined

  constructor(
    key: string,
    pace: Pace,
    clock: Clock,
    gate: GlobalGate,
    onError: (err: unknown) => void,
    sharing?: LaneSharing,
  ) {
    this.key = key
    this.pace = pace
    this.clock = clock
    this.gate = gate
    this.onError = onError
    this.sharing = sharing
  }

  /** Tells the lane the task has something new; `urgent` re-plans at once (a final render). */
  offer(task: LaneTask, urgent = false): void {
    const known = this.tasks.has(task)
    this.tasks.add(task)
    // Waiting at the global gate for this task, whose call just became its final render.
    if (urgent && this.waiting?.task === task) {
      this.waiting.turn.raise(this.waiting.messageId === undefined ? 'final-new' : 'final')
    }
    if (!this.running) void this.loop()
    else if (!known || urgent) this.waking?.abort()
  }

  /** Nothing may be sent in this chat (or, when global, on this platform) for `ms`. */
  pause(ms: number, global = false): void {
    const until = this.clock.now() + ms
    if (global) this.gate.pause(ms)
    else this.pausedUntil = Math.max(this.pausedUntil, until)
    if (this.sharing) void this.sharing.pace.hold(this.key, this.sharing.platform, ms, global)
  }

  get paused(): boolean {
    const now = this.clock.now()
    return now < this.pausedUntil || now < this.gate.pausedUntil
  }

  /** Idle: no task, no pause or pace running, so the registry may forget it. */
  get idle(): boolean {
    const now = this.clock.now()
    return !this.running && this.tasks.size === 0 && now >= this.nextCallAt && !this.paused
  }

  private async loop(): Promise<void> {
    this.running = true
    try {
      for (;;) {
        const pick = this.pick()
        if (!pick) return
        if (pick.at > this.clock.now()) {
          await this.sleep(pick.at - this.clock.now())
          continue
        }
        const turn = this.gate.acquire(gatePriority(pick.call))
        this.waiting = { task: pick.task, turn, messageId: pick.call.messageId }
        try {
          await turn
        } finally {
          this.waiting = undefined
        }
        if (!(await this.sharedTurn())) continue
        // The newest call, after any wait for the global gate; it may have changed or become due later.
        const call = this.ask(pick.task)
        if (!call || this.readyAt(call) > this.clock.now()) continue
        await this.run(pick.task, call)
      }
    } finally {
      this.running = false
    }
  }

  /** True when the other processes leave this call its turn; otherwise waits what they still need (an offer wakes it). */
  private async sharedTurn(): Promise<boolean> {
    if (!this.sharing) return true
    const { pace, platform, platformGapMs } = this.sharing
    const wait = await pace.take(this.key, this.pace.perChatMs, platform, platformGapMs)
    if (wait <= 0) return true
    await this.sleep(wait)
    return false
  }

  private pick(): { task: LaneTask; call: LaneCall; at: number } | undefined {
    let best: { task: LaneTask; call: LaneCall; at: number; rank: number; served: number } | undefined
    for (const task of this.tasks) {
      const call = this.ask(task)
      if (!call) {
        this.tasks.delete(task)
        this.lastServed.delete(task)
        continue
      }
      const at = this.readyAt(call)
      // A final render outranks an intermediate one that is due less than one chat interval earlier.
      const rank = at - (call.final ? this.pace.perChatMs : 0)
      const served = this.lastServed.get(task) ?? Number.NEGATIVE_INFINITY
      if (!best || rank < best.rank || (rank === best.rank && served < best.served)) {
        best = { task, call, at, rank, served }
      }
    }
    return best
  }

  private ask(task: LaneTask): LaneCall | undefined {
    try {
      return task.next()
    } catch (err) {
      this.onError(err)
      return undefined
    }
  }

  private readyAt(call: LaneCall): number {
    const perMessage = call.messageId === undefined ? 0 : (this.messageReadyAt.get(call.messageId) ?? 0)
    return Math.max(
      this.clock.now(),
      this.nextCallAt,
      this.pausedUntil,
      this.gate.pausedUntil,
      perMessage,
      call.notBefore ?? 0,
    )
  }

  private async run(task: LaneTask, call: LaneCall): Promise<void> {
    const now = this.clock.now()
    this.nextCallAt = now + this.pace.perChatMs
    this.lastServed.set(task, now)
    this.stats.calls++
    let touched = call.messageId
    try {
      touched = (await call.run()) ?? touched
    } catch (err) {
      if (err instanceof RateLimited) {
        this.stats.rateLimited++
        this.pause(err.retryAfterMs, err.global)
      } else {
        this.onError(err)
      }
    }
    // The call reached the platform somewhere between its start and its end: spacing the next from
    // the end as well (less the margin) keeps a slow call from bringing it inside the limit.
    const settled = this.clock.now() - PACE_MARGIN_MS
    this.nextCallAt = Math.max(this.nextCallAt, settled + this.pace.perChatMs)
    if (touched !== undefined)
      this.messageReadyAt.set(touched, Math.max(now, settled) + this.pace.perMessageMs)
    if (this.messageReadyAt.size > 64) this.forgetPastMessages()
  }

  private forgetPastMessages(): void {
    const now = this.clock.now()
    for (const [id, at] of this.messageReadyAt) if (at <= now) this.messageReadyAt.delete(id)
  }

  private async sleep(ms: number): Promise<void> {
    const waking = new AbortController()
    this.waking = waking
    try {
      await this.clock.sleep(ms, waking.signal)
    } catch {
      // Woken early by an offer: plan again.
    } finally {
      if (this.waking === waking) this.waking = undefined
    }
  }
}

export interface LaneRegistry {
  readonly clock: Clock
  /** The lane of the surface's chat (`surface.chatKey`), created with the surface's pace. */
  lane(surface: Pick<Surface, 'chatKey' | 'pace'>): Lane
}

export interface LaneRegistryOptions {
  clock?: Clock
  /** Minimum time between two calls to one platform across its chats, by chat key prefix (`telegram:…`). */
  globalGapMs?: Readonly<Record<string, number>>
  /** Errors a task did not handle (a bug): log them. */
  onError?: (err: unknown) => void
  /** Pacing kept with the other processes of the bot (see shared-pace.ts); alone when absent. */
  shared?: SharedPace
}

export function createLaneRegistry(options: LaneRegistryOptions = {}): LaneRegistry {
  const clock = options.clock ?? systemClock
  const gaps = options.globalGapMs ?? defaultGlobalGapMs
  const onError = options.onError ?? (() => {})
  const lanes = new Map<string, Lane>()
  const gates = new Map<string, GlobalGate>()
  const gateOf = (platform: string): GlobalGate => {
    let gate = gates.get(platform)
    if (!gate) {
      gate = new GlobalGate(clock, gaps[platform] ?? 0)
      gates.set(platform, gate)
    }
    return gate
  }
  return {
    clock,
    lane(surface) {
      let lane = lanes.get(surface.chatKey)
      if (lane) return lane
      if (lanes.size >= 1024) for (const [key, old] of lanes) if (old.idle) lanes.delete(key)
      const platform = surface.chatKey.split(':')[0] ?? ''
      const sharing = options.shared && {
        pace: options.shared,
        platform,
        platformGapMs: gaps[platform] ?? 0,
      }
      lane = new Lane(surface.chatKey, surface.pace, clock, gateOf(platform), onError, sharing)
      lanes.set(surface.chatKey, lane)
      return lane
    },
  }
}

/** A final render lands an answer; a new message shows one has started; the rest are edits. */
function gatePriority(call: LaneCall): GatePriority {
  if (call.final) return call.messageId === undefined ? 'final-new' : 'final'
  return call.messageId === undefined ? 'first' : 'edit'
}
