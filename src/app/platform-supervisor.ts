import { type Clock, systemClock } from '../core/contracts/clock.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import type { Logger } from '../core/contracts/log.ts'
import type { PlatformReporter, SupervisedClient } from '../core/contracts/platform.ts'

/**
 * One platform's state, kept in one place: `starting`, `up`, `retrying` since the trouble began, or
 * `stopped` with the reason a person must act on. The adapter reports (`up`, `trouble`, `failed`);
 * the supervisor retries a failed client with exponential backoff and jitter (1 s doubling to 60 s),
 * rebuilding it each time, and stops the platform on a ConfigError. One log line when an outage
 * begins and one when it is over, never one per retry.
 *
 * @example
 *   const supervisor = createPlatformSupervisor({ platform: 'telegram', log })
 *   const telegram = createTelegramAdapter({ …, reporter: supervisor })
 *   await supervisor.start(telegram)   // rejects only with a ConfigError (a refused token at start-up)
 *   supervisor.status                  // { state: 'up', since: 1733300000000 }
 */

/** A platform's state, with when it began (ms since the epoch) and, when not up, why. */
export type PlatformStatus =
  | { state: 'starting'; since: number }
  | { state: 'up'; since: number }
  | { state: 'retrying'; since: number; reason: string; attempts: number }
  | { state: 'stopped'; since: number; reason: string }

export interface PlatformSupervisor extends PlatformReporter {
  readonly platform: string
  readonly status: PlatformStatus
  /**
   * Starts the client. Resolves once it is up, or once a transient failure has it retrying in the
   * background; rejects with the ConfigError when the first start is refused for good.
   */
  start(client: SupervisedClient): Promise<void>
  /** No more retries; stops the client. */
  stop(): Promise<void>
}

export interface SupervisorOptions {
  platform: string
  log: Logger
  clock?: Clock
  /** Jitter source, in [0, 1). */
  random?: () => number
  backoff?: Partial<Backoff>
  /** Every change of state (metrics). */
  onChange?: (status: PlatformStatus) => void
  /** Removes secrets from a reason before it is logged or shown (a Bot API URL carries the token). */
  scrub?: (text: string) => string
}

export interface Backoff {
  firstMs: number
  maxMs: number
  /** Each delay is spread by ± this share of itself, so processes that failed together retry apart. */
  jitter: number
}

export const supervisorDefaults: Backoff = { firstMs: 1_000, maxMs: 60_000, jitter: 0.2 }

/** The delay before retry number `attempt` (1, 2, …): firstMs doubling up to maxMs, spread by jitter, never above maxMs. */
export function backoffMs(
  attempt: number,
  random: () => number,
  backoff: Backoff = supervisorDefaults,
): number {
  const base = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1))
  const spread = base * backoff.jitter * (2 * random() - 1)
  return Math.min(backoff.maxMs, Math.round(base + spread))
}

/** The first line of an error's message: what the log and /healthz show as the reason. */
export function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n')[0] ?? message
}

export function createPlatformSupervisor(options: SupervisorOptions): PlatformSupervisor {
  const { platform } = options
  const clock = options.clock ?? systemClock
  const random = options.random ?? Math.random
  const backoff = { ...supervisorDefaults, ...options.backoff }
  const log = options.log.child({ platform })
  const scrub = options.scrub ?? ((text: string) => text)
  const reason = (err: unknown) => scrub(reasonOf(err))
  let status: PlatformStatus = { state: 'starting', since: clock.now() }
  let client: SupervisedClient | undefined
  let retrying: AbortController | undefined
  let failedWhileStarting: unknown
  let stopping = false
  /**
   * The outage a rebuild may not have ended: a rebuilt client counts as recovered once it has served
   * for backoff.maxMs. A failure before that (two copies polling with one token take turns) continues
   * the same outage: same `since`, a growing backoff, no new log line.
   */
  let outage: { since: number; attempts: number; upAt?: number; settling?: AbortController } | undefined

  function enter(next: PlatformStatus): void {
    status = next
    options.onChange?.(next)
  }

  function markUp(): void {
    const was = status
    enter({ state: 'up', since: clock.now() })
    if (was.state === 'retrying' && !outage) {
      log.info({ downMs: clock.now() - was.since, attempts: was.attempts }, `${platform}: up again`)
    }
  }

  /** The rebuilt client serves: up now, and the outage over once it has stayed up. */
  function rebuilt(current: NonNullable<typeof outage>): void {
    const settling = new AbortController()
    current.upAt = clock.now()
    current.settling = settling
    enter({ state: 'up', since: clock.now() })
    clock.sleep(backoff.maxMs, settling.signal).then(
      () => {
        if (outage !== current) return
        outage = undefined
        if (status.state !== 'up') return
        log.info(
          { downMs: (current.upAt ?? current.since) - current.since, attempts: current.attempts },
          `${platform}: up again`,
        )
      },
      () => {},
    )
  }

  function endOutage(): void {
    outage?.settling?.abort()
    outage = undefined
  }

  async function stopFor(err: unknown): Promise<void> {
    retrying?.abort()
    retrying = undefined
    endOutage()
    enter({ state: 'stopped', since: clock.now(), reason: reason(err) })
    log.error({ state: 'stopped' }, `${platform} stopped: ${reason(err)}`)
    await client?.stop().catch((stopErr: unknown) => log.warn({ err: stopErr }, `${platform}: stop failed`))
  }

  /** Rebuilds the client after a backoff until it starts, the supervisor stops, or a ConfigError ends it. */
  async function retry(first: unknown): Promise<void> {
    const controller = new AbortController()
    retrying = controller
    outage?.settling?.abort()
    const announce = !outage && status.state !== 'retrying'
    const current = outage ?? { since: status.state === 'retrying' ? status.since : clock.now(), attempts: 0 }
    outage = current
    let err = first
    for (;;) {
      if (err instanceof ConfigError) return stopFor(err)
      current.attempts++
      const why = reason(err)
      enter({ state: 'retrying', since: current.since, reason: why, attempts: current.attempts })
      const delayMs = backoffMs(current.attempts, random, backoff)
      if (announce && current.attempts === 1)
        log.warn({ state: 'retrying', retryInMs: delayMs }, `${platform} retrying: ${why}`)
      else
        log.debug(
          { attempts: current.attempts, retryInMs: delayMs, reason: why },
          `${platform}: retry failed`,
        )
      try {
        await clock.sleep(delayMs, controller.signal)
        await client?.restart()
      } catch (restartErr) {
        if (controller.signal.aborted) return
        err = restartErr
        continue
      }
      // Stopped while the rebuild was connecting: the new client must not stay connected.
      if (controller.signal.aborted) return void (await client?.stop().catch(() => {}))
      retrying = undefined
      return rebuilt(current)
    }
  }

  return {
    platform,
    get status() {
      return status
    },

    async start(supervised) {
      client = supervised
      enter({ state: 'starting', since: clock.now() })
      try {
        await supervised.start()
      } catch (err) {
        failedWhileStarting = undefined
        if (err instanceof ConfigError) {
          enter({ state: 'stopped', since: clock.now(), reason: reason(err) })
          throw err
        }
        void retry(err)
        return
      }
      const failed = failedWhileStarting
      failedWhileStarting = undefined
      if (failed !== undefined) return void retry(failed)
      if (status.state === 'starting') markUp()
    },

    async stop() {
      stopping = true
      retrying?.abort()
      retrying = undefined
      endOutage()
      // /healthz turns red at once, so a balancer sends no more work while running answers drain.
      enter({ state: 'stopped', since: clock.now(), reason: 'Herald is stopping' })
      await client?.stop()
    },

    up() {
      if (stopping || retrying || status.state === 'stopped' || status.state === 'starting') return
      if (status.state !== 'up') markUp()
    },

    trouble(what) {
      if (stopping || retrying || status.state !== 'up') return
      const why = scrub(what)
      if (outage)
        return enter({ state: 'retrying', since: outage.since, reason: why, attempts: outage.attempts })
      enter({ state: 'retrying', since: clock.now(), reason: why, attempts: 0 })
      log.warn({ state: 'retrying' }, `${platform} retrying: ${why}`)
    },

    failed(err) {
      if (stopping || status.state === 'stopped') return
      if (status.state === 'starting') {
        failedWhileStarting ??= err
        return
      }
      if (retrying) {
        // A rebuild is under way and owns transient trouble; a refused token ends it now.
        if (err instanceof ConfigError) void stopFor(err)
        return
      }
      void retry(err)
    },
  }
}
