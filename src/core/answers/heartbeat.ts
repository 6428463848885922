import { type Clock, systemClock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import { logStoreFailure, type Store } from '../store/store.ts'

/**
 * This process's heartbeat in the store: a hold on `process:<id>` that lives `ttlMs` and is renewed
 * every third of it. Other processes sharing the store ask `isAlive(owner)` before they touch what a
 * process left behind (answers recorded in progress): a crashed process's heartbeat lapses within
 * `ttlMs`, a live one's never does while its event loop and the store answer.
 *
 * @example
 *   const heartbeat = await startHeartbeat(store, { processId, ttlMs: 30_000, log })
 *   if (!(await isAlive(store, record.owner))) finalise(record)
 *   await heartbeat.stop()
 */
export interface Heartbeat {
  readonly processId: string
  /** Stops renewing and lets go of the hold, so others see this process gone at once. */
  stop(): Promise<void>
}

export interface HeartbeatOptions {
  processId: string
  ttlMs: number
  log: Logger
  clock?: Clock
}

const keyOf = (processId: string) => `process:${processId}`

export async function isAlive(store: Store, processId: string): Promise<boolean> {
  return (await store.holder(keyOf(processId))) === processId
}

export async function startHeartbeat(store: Store, options: HeartbeatOptions): Promise<Heartbeat> {
  const { processId, ttlMs, log } = options
  const clock = options.clock ?? systemClock
  const key = keyOf(processId)
  if (!(await store.claim(key, processId, ttlMs))) {
    throw new Error(`process id ${processId} is already in use by another process`)
  }
  const stopped = new AbortController()

  const beat = async () => {
    try {
      if (await store.renew(key, processId, ttlMs)) return
      // The hold lapsed (the store was unreachable longer than ttlMs): take it again.
      const again = await store.claim(key, processId, ttlMs)
      log.warn({ processId, reclaimed: again }, 'process heartbeat had lapsed')
    } catch (err) {
      logStoreFailure(store, log, err, { processId }, 'process heartbeat could not be renewed')
    }
  }
  const loop = (async () => {
    for (;;) {
      try {
        await clock.sleep(Math.max(1, Math.floor(ttlMs / 3)), stopped.signal)
      } catch {
        return
      }
      await beat()
    }
  })()

  return {
    processId,
    async stop() {
      if (stopped.signal.aborted) return
      stopped.abort()
      await loop
      try {
        await store.release(key, processId)
      } catch (err) {
        log.warn({ err, processId }, 'process heartbeat could not be released')
      }
    },
  }
}
