import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { Surface } from '../contracts/surface.ts'
import { type KeptMessage, keepMessage } from '../live/kept-message.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import { logStoreFailure } from '../store/store.ts'
import { buttonData, type Phase, progressText } from './research-cards.ts'
import { type ResearchDeps, wordsOf } from './research-deps.ts'
import { lockKey, type ResearchJob, type ResearchJobs } from './research-jobs.ts'

/**
 * A job this process holds the lock of, while it waits, runs and is delivered: its record (every
 * write serialised), its progress message (re-rendered on each state and every 30 s for the
 * elapsed time), and the lock, renewed every third of its lifetime. A lock found taken by someone
 * else aborts `controller` and calls `onLockLost`; a record found with `cancelRequested` set by
 * another process (looked at on each renewal, and when that process says so) calls
 * `onCancelRequested` (only this process can close the run's stream).
 *
 * @example
 *   const rt = new JobRuntime(deps, job, surface)
 *   rt.start()
 *   await rt.save((j) => ({ ...j, status: 'running' }))
 *   await rt.close()   // releases the lock
 */
/** What every part that drives jobs shares: research's deps, time, logs, the job records and this process's lock. */
export interface JobDeps {
  s: ResearchDeps
  clock: Clock
  log: Logger
  jobs: ResearchJobs
  /** This process in lock ownership. */
  processId: string
  /** Lock lifetime; renewed every third of it. */
  lockTtlMs: number
}

export interface RuntimeDeps extends JobDeps {
  onLockLost(rt: JobRuntime): void
  /** The record says cancel was pressed elsewhere (seen at each lock renewal). */
  onCancelRequested(rt: JobRuntime): void
}

/** Progress edits at most this often, besides the platform's pace. */
const PROGRESS_MIN_GAP_MS = 5_000
/** A render this often keeps the elapsed time current. */
const PROGRESS_TICK_MS = 30_000

export class JobRuntime {
  job: ResearchJob
  phase: Phase = { kind: 'running' }
  state: AnswerState
  cancelRequested = false
  /** Aborted to stop driving (stop(), a lost lock). */
  readonly controller = new AbortController()
  /** Aborted to cancel by closing the run's stream (a foreground run, an endpoint without /cancel). */
  readonly closing = new AbortController()
  readonly surface: Surface
  readonly progress: KeptMessage
  readonly openThread: ((name: string) => Promise<Surface>) | undefined
  /** Resolves once the runtime is over. */
  readonly done: Promise<void>
  readonly #deps: RuntimeDeps
  /** Aborted when the run is over (delivery starts): no more progress renders. */
  readonly #ticking = new AbortController()
  /** Aborted when the runtime is over: the lock is no longer renewed. */
  readonly #ended = new AbortController()
  #saving: Promise<void> = Promise.resolve()
  #shown = ''
  #finish!: () => void

  constructor(
    deps: RuntimeDeps,
    job: ResearchJob,
    surface: Surface,
    openThread?: ((name: string) => Promise<Surface>) | undefined,
  ) {
    this.#deps = deps
    this.job = job
    this.surface = surface
    this.openThread = openThread
    this.state = { ...initialState(), searches: job.searches }
    this.done = new Promise((resolve) => {
      this.#finish = resolve
    })
    this.progress = keepMessage({
      surface,
      lanes: deps.s.lanes,
      ref: job.progress,
      minGapMs: PROGRESS_MIN_GAP_MS,
      onRef: (ref) => void this.save((j) => ({ ...j, progress: ref })).catch(() => {}),
    })
  }

  get over(): boolean {
    return this.#ended.signal.aborted
  }

  /** Starts renewing the lock and the elapsed-time renders. */
  start(): void {
    void this.#keepLock()
    void this.#tick()
  }

  /** Reads the job, changes it and writes it back, after every earlier write. */
  save(change: (job: ResearchJob) => ResearchJob): Promise<void> {
    const write = this.#saving.then(async () => {
      const next = await this.#deps.jobs.update(this.job.id, change)
      if (next) this.job = next
    })
    this.#saving = write.catch((err: unknown) =>
      logStoreFailure(
        this.#deps.s.store,
        this.#deps.log,
        err,
        { job: this.job.id },
        'could not save the research job',
      ),
    )
    return write
  }

  /** Offers the progress message for the current phase and state (nothing when unchanged). */
  render(): void {
    if (this.#ticking.signal.aborted) return
    const { s, clock } = this.#deps
    const t = wordsOf(s, this.job)
    const markdown = progressText(t, this.job, this.phase, this.state, clock.now())
    if (markdown === this.#shown) return
    this.#shown = markdown
    const cancel = {
      label: t('research.button_cancel'),
      data: buttonData('k', this.job.id),
      style: 'danger' as const,
    }
    void this.progress.show(markdown, this.phase.kind === 'cancelling' ? [] : [cancel])
  }

  /** The run is over: the progress message is the delivery's from here on. */
  stopRendering(): void {
    this.#ticking.abort()
  }

  /** The runtime is over: timers stop, unshown progress is dropped, the lock goes (if still ours). */
  async close(): Promise<void> {
    this.#ticking.abort()
    this.#ended.abort()
    this.progress.close()
    await this.#deps.s.store.release(lockKey(this.job.id), this.#deps.processId).catch(() => false)
    this.#finish()
  }

  async #keepLock(): Promise<void> {
    const { s, clock, log, lockTtlMs, processId } = this.#deps
    const signal = this.#ended.signal
    while (!signal.aborted) {
      try {
        await clock.sleep(Math.max(1, Math.floor(lockTtlMs / 3)), signal)
      } catch {
        return
      }
      try {
        if (await s.store.renew(lockKey(this.job.id), processId, lockTtlMs)) {
          await this.checkCancelRequested()
          continue
        }
        // Lapsed while the store was away (or it came back empty): take it again unless another process has.
        if (await s.store.claim(lockKey(this.job.id), processId, lockTtlMs)) continue
      } catch (err) {
        logStoreFailure(s.store, log, err, { job: this.job.id }, 'could not renew the research lock')
        continue
      }
      if (signal.aborted) return
      log.warn({ job: this.job.id }, 'research lock lost: another process drives this job now')
      this.controller.abort()
      this.#deps.onLockLost(this)
      return
    }
  }

  /** Reads the record: cancel pressed in another process is handed to `onCancelRequested`. */
  async checkCancelRequested(): Promise<void> {
    if (this.cancelRequested || this.closing.signal.aborted) return
    const latest = await this.#deps.jobs.get(this.job.id).catch(() => undefined)
    if (latest?.cancelRequested && !this.over && !this.cancelRequested) this.#deps.onCancelRequested(this)
  }

  async #tick(): Promise<void> {
    const signal = this.#ticking.signal
    while (!signal.aborted) {
      try {
        await this.#deps.clock.sleep(PROGRESS_TICK_MS, signal)
      } catch {
        return
      }
      this.render()
    }
  }
}
