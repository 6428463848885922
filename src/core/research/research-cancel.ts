import type { ButtonPress } from '../contracts/chat.ts'
import type { Logger } from '../contracts/log.ts'
import type { ResearchDeps } from './research-deps.ts'
import { personOf, type ResearchJobs } from './research-jobs.ts'
import { missingRoute } from './research-refusals.ts'
import type { JobRuntime } from './research-runtime.ts'

/**
 * The Cancel button of a research run, and every way a run is stopped. A run this process drives
 * is cancelled upstream (`POST /responses/{id}/cancel`), or its stream is closed where that cannot
 * work (a foreground run, an endpoint without the route); a run still queued here ends before it
 * was sent; a run not sent yet is cancelled as soon as its response id is known. A run another
 * process drives is asked to stop through its record (`cancelRequested`, read at each lock
 * renewal) and the `research:cancel` channel, which every driving process listens to.
 *
 * @example
 *   const cancel = new ResearchCancel({ s, jobs, log, runs })
 *   cancel.listen()                      // once this process drives a run
 *   await cancel.pressed(press, jobId)   // the rs:k:<id> button
 */
export interface CancelDeps {
  s: ResearchDeps
  jobs: ResearchJobs
  log: Logger
  runs: HeldRuns
}

/** What the cancel path needs of the runs this process holds. */
export interface HeldRuns {
  get(id: string): JobRuntime | undefined
  /** Takes a queued run out of the queue and ends it, cancelled before it was sent: false when it is not queued. */
  cancelQueued(rt: JobRuntime): boolean
}

/** Cancel presses for runs another process drives (the message is the job id). */
const CANCEL_CHANNEL = 'research:cancel'

export class ResearchCancel {
  private readonly s: ResearchDeps
  private readonly jobs: ResearchJobs
  private readonly log: Logger
  private readonly runs: HeldRuns
  /** Cancel presses in other processes, heard while this one drives runs (resolves with the unsubscribe). */
  private listening: Promise<() => void> | undefined

  constructor(deps: CancelDeps) {
    this.s = deps.s
    this.jobs = deps.jobs
    this.log = deps.log
    this.runs = deps.runs
  }

  /** Hears cancel presses made in other processes for the runs held here (once; idempotent). */
  listen(): void {
    this.listening ??= this.s.store
      .listen(CANCEL_CHANNEL, (id) => void this.runs.get(id)?.checkCancelRequested())
      .catch((err: unknown) => {
        this.log.warn({ err }, 'cannot hear research cancels from other processes: the lock renewal will')
        return () => {}
      })
  }

  /** Stops listening (this process drives nothing more). */
  unlisten(): void {
    const unlisten = this.listening
    this.listening = undefined
    void unlisten?.then((stop) => stop())
  }

  /** The Cancel button: the requester or an admin stops the run, wherever it is driven. */
  async pressed(press: ButtonPress, id: string): Promise<void> {
    const rt = this.runs.get(id)
    const job = rt?.job ?? (await this.jobs.get(id))
    const t = await this.s.i18n.forPerson(press.user, press.chat)
    if (!job || job.status === 'finished' || job.status === 'delivered')
      return press.answer(t('button.stale'))
    if (!press.user.isAdmin && personOf(press.user).key !== job.requester.key) {
      return press.answer(t('research.cancel_not_allowed'))
    }
    await press.answer(t('research.cancelling'))
    this.log.info({ job: id, by: personOf(press.user).key }, 'research cancel pressed')
    if (rt) {
      rt.cancelRequested = true
      if (this.runs.cancelQueued(rt)) return
      rt.phase = { kind: 'cancelling' }
      rt.render()
    }
    const responseId = rt?.job.responseId ?? job.responseId
    if (rt && (rt.job.mode === 'foreground' || responseId !== undefined)) return this.stopRun(rt, responseId)
    // Not sent yet: it is cancelled as soon as its response id is known.
    if (rt) return void (await rt.save((j) => ({ ...j, cancelRequested: true })))
    // Driven by another process, which alone can close its stream, or not sent yet.
    if (responseId === undefined || job.mode === 'foreground' || (await this.unsupported())) {
      return this.requestElsewhere(id)
    }
    await this.upstream(undefined, id, responseId)
  }

  /** Stops a run this process drives: a foreground stream (or one without /cancel) is closed. */
  async stopRun(rt: JobRuntime, responseId: string | undefined): Promise<void> {
    if (rt.job.mode === 'foreground' || (await this.unsupported())) return rt.closing.abort()
    if (responseId !== undefined) await this.upstream(rt, rt.job.id, responseId)
  }

  /** Cancel was pressed in another process before it could stop the run: this one does. */
  async requestedElsewhere(rt: JobRuntime): Promise<void> {
    const responseId = rt.job.responseId
    if (rt.closing.signal.aborted) return
    // A background run without its id yet is cancelled by the runner as soon as the id arrives.
    if (rt.job.mode !== 'foreground' && responseId === undefined) return
    this.log.info({ job: rt.job.id }, 'research cancel pressed elsewhere')
    rt.cancelRequested = true
    rt.phase = { kind: 'cancelling' }
    rt.render()
    await this.stopRun(rt, responseId)
  }

  private unsupported(): Promise<boolean> {
    return this.s.endpoint.isUnsupported('cancel').catch(() => false)
  }

  /** POST /responses/{id}/cancel; where the endpoint has no such route, the stream is closed instead. */
  private async upstream(rt: JobRuntime | undefined, id: string, responseId: string): Promise<void> {
    try {
      await this.s.client.cancel(responseId)
    } catch (err) {
      if (!missingRoute(err)) return this.log.warn({ err, job: id }, 'research cancel refused')
      this.log.warn({ job: id }, 'the endpoint has no cancel: closing the stream instead')
      await this.s.endpoint.markUnsupported('cancel').catch(() => {})
      if (rt) rt.closing.abort()
      else await this.requestElsewhere(id)
    }
  }

  /** Records the press on the job (read at the driver's next lock renewal) and tells the driver now. */
  private async requestElsewhere(id: string): Promise<void> {
    await this.jobs.update(id, (j) => ({ ...j, cancelRequested: true }))
    await this.s.store
      .notify(CANCEL_CHANNEL, id)
      .catch((err: unknown) => this.log.warn({ err, job: id }, 'could not notify the research cancel'))
  }
}
