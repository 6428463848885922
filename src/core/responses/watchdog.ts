import type { Clock } from '../contracts/clock.ts'

/**
 * A re-armable deadline on the injected Clock: `arm(ms)` moves the deadline to now + ms (cheap, so it
 * can be called on every chunk); `onExpire` runs once when the deadline passes without a re-arm.
 * One sleep is pending at a time.
 *
 * @example
 *   const watchdog = createWatchdog(clock, () => controller.abort())
 *   for await (const chunk of body) watchdog.arm(idleMs)
 *   watchdog.disarm()
 */
export interface Watchdog {
  arm(ms: number): void
  disarm(): void
}

export function createWatchdog(clock: Clock, onExpire: () => void): Watchdog {
  let deadline = Number.POSITIVE_INFINITY
  let sleeping: { until: number; controller: AbortController } | undefined

  const schedule = () => {
    if (deadline === Number.POSITIVE_INFINITY) return
    if (sleeping && sleeping.until <= deadline) return
    sleeping?.controller.abort()
    const controller = new AbortController()
    sleeping = { until: deadline, controller }
    clock.sleep(deadline - clock.now(), controller.signal).then(
      () => {
        if (sleeping?.controller !== controller) return
        sleeping = undefined
        if (clock.now() < deadline) return schedule()
        deadline = Number.POSITIVE_INFINITY
        onExpire()
      },
      () => {},
    )
  }

  return {
    arm(ms) {
      deadline = clock.now() + ms
      schedule()
    },
    disarm() {
      deadline = Number.POSITIVE_INFINITY
      sleeping?.controller.abort()
      sleeping = undefined
    },
  }
}
