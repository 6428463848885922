import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import { logStoreFailure, type Store } from '../store/store.ts'
import { lockKey, type ResearchJobs } from './research-jobs.ts'
import { expireRequests, type RequestContext } from './research-requests.ts'
import type { ResearchRuns } from './research-runs.ts'

/**
 * How a job outlives the process that drove it: every `sweepMs` this process looks for unfinished
 * jobs nobody holds (their driver died and its lock lapsed), claims and takes them up, and marks
 * the cards of requests nobody decided in time as expired.
 *
 * @example
 *   const sweep = new ResearchSweep({ store, clock, log, jobs, runs, requests, processId, lockTtlMs, sweepMs })
 *   await sweep.start()   // sweeps once now (resolves with the jobs taken), then every sweepMs
 *   sweep.stop()
 */
export interface SweepDeps {
  store: Store
  clock: Clock
  log: Logger
  jobs: ResearchJobs
  runs: ResearchRuns
  requests: RequestContext
  processId: string
  lockTtlMs: number
  sweepMs: number
}

export class ResearchSweep {
  private readonly deps: SweepDeps
  private readonly stopping = new AbortController()
  private repeating = false

  constructor(deps: SweepDeps) {
    this.deps = deps
  }

  /** Sweeps now, then every `sweepMs` until `stop` (a second start sweeps once more). */
  async start(): Promise<number> {
    const taken = await this.sweep()
    if (!this.repeating) {
      this.repeating = true
      void this.repeat()
    }
    return taken
  }

  stop(): void {
    this.stopping.abort()
  }

  /** Takes up the unfinished jobs nobody holds; resolves with how many it took. */
  private async sweep(): Promise<number> {
    const { store, jobs, runs, requests, processId, lockTtlMs } = this.deps
    let taken = 0
    for (const id of await jobs.activeIds()) {
      if (runs.stopped) break
      if (runs.get(id)) continue
      const job = await jobs.get(id)
      if (!job || job.status === 'delivered') {
        await jobs.forget(id)
        continue
      }
      if (!(await store.claim(lockKey(id), processId, lockTtlMs))) continue
      // Read again under the lock: the last holder may have written since.
      if (runs.adopt((await jobs.get(id)) ?? job, {})) taken++
    }
    await expireRequests(requests)
    return taken
  }

  private async repeat(): Promise<void> {
    const { store, clock, log, sweepMs } = this.deps
    const signal = this.stopping.signal
    while (!signal.aborted) {
      try {
        await clock.sleep(sweepMs, signal)
      } catch {
        return
      }
      await this.sweep().catch((err: unknown) =>
        logStoreFailure(store, log, err, {}, 'research sweep failed'),
      )
    }
  }
}
