import { HeraldError } from '../contracts/errors.ts'
import { stateFromResponse } from '../responses/fold.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import { type HeldRuns, ResearchCancel } from './research-cancel.ts'
import { deliver, outcomeOf } from './research-delivery.ts'
import { wordsOf } from './research-deps.ts'
import { type JobOutcome, lockKey, type ResearchJob } from './research-jobs.ts'
import type { Origin } from './research-requests.ts'
import { type RunnerDeps, type RunResult, runJob } from './research-runner.ts'
import { type JobDeps, JobRuntime, type RuntimeDeps } from './research-runtime.ts'

/**
 * The research jobs this process holds the lock of, from the moment it takes one (a new run, or
 * one the sweep found) to the moment it lets the lock go. At most `config.research.maxConcurrent`
 * runs go upstream at once; more wait in a queue, their position shown in their progress message
 * (a run resumed after a restart is already running upstream, so it is followed at once, past the
 * limit). A run that ends is delivered (research-delivery.ts); a job found finished but not
 * delivered is delivered again from the API's copy.
 *
 * @example
 *   const runs = new ResearchRuns({ s, clock, log, jobs, processId, lockTtlMs, pollMs })
 *   await runs.launch(job, { surface: press.surface })   // a confirmed request
 *   runs.running                                         // runs going upstream now
 *   await runs.stop()                                    // jobs stay in the store for the next start
 */
export interface RunsDeps extends JobDeps {
  /** First poll interval when polling, and the reconnect backoff base. */
  pollMs: number
}

export class ResearchRuns implements HeldRuns {
  /** The Cancel button and every way a run is stopped. */
  readonly cancel: ResearchCancel
  private readonly deps: RunsDeps
  private readonly runner: RunnerDeps
  private readonly runtimeDeps: RuntimeDeps
  private readonly runtimes = new Map<string, JobRuntime>()
  private readonly queue: JobRuntime[] = []
  private readonly driving = new Set<JobRuntime>()
  private halted = false

  constructor(deps: RunsDeps) {
    const { s, clock, log, jobs, pollMs } = deps
    this.deps = deps
    this.cancel = new ResearchCancel({ s, jobs, log, runs: this })
    this.runner = {
      client: s.client,
      clock,
      log,
      maxToolCalls: s.config.research.maxToolCalls,
      pollMs,
      maxPollMs: Math.max(pollMs, 60_000),
      saveEveryMs: 10_000,
      words: (job) => wordsOf(s, job),
      mode: s.config.research.mode,
      idleMs: s.config.research.idleTimeoutMs,
      endpoint: s.endpoint,
    }
    this.runtimeDeps = {
      s,
      clock,
      log,
      jobs,
      processId: deps.processId,
      lockTtlMs: deps.lockTtlMs,
      onLockLost: (rt) => {
        if (!this.driving.has(rt)) void this.end(rt)
      },
      onCancelRequested: (rt) => void this.cancel.requestedElsewhere(rt),
    }
  }

  /** True from `stop` until `resume`: nothing more goes upstream, nothing more is taken up. */
  get stopped(): boolean {
    return this.halted
  }

  /** Runs this process drives upstream now (queued ones not counted). */
  get running(): number {
    return this.driving.size
  }

  get(id: string): JobRuntime | undefined {
    return this.runtimes.get(id)
  }

  /** A confirmed request becomes a job: its lock is claimed, it is written and queued here. */
  async launch(job: ResearchJob, origin: Origin): Promise<void> {
    const { s, log, processId, lockTtlMs } = this.deps
    if (!(await s.store.claim(lockKey(job.id), processId, lockTtlMs))) {
      log.warn({ job: job.id }, 'a new research job was already claimed: not started here')
      return
    }
    await this.deps.jobs.put(job)
    this.adopt(job, origin)
  }

  /** Takes a job this process holds the lock of: queued, driven, or delivered again. */
  adopt(job: ResearchJob, origin: Origin): boolean {
    const { s, log, processId } = this.deps
    const surface = s.adapters.get(job.chat.platform)?.surfaceFor(job.chat) ?? origin.surface
    if (!surface) {
      log.warn({ job: job.id, platform: job.chat.platform }, 'no surface for a research job: leaving it')
      void s.store.release(lockKey(job.id), processId)
      return false
    }
    const rt = new JobRuntime(this.runtimeDeps, job, surface, origin.openThread)
    this.runtimes.set(job.id, rt)
    this.cancel.listen()
    rt.start()
    if (job.status === 'queued') {
      this.queue.push(rt)
      this.pump()
    } else if (job.status === 'finished') {
      void this.redeliver(rt)
    } else {
      void this.drive(rt)
    }
    return true
  }

  cancelQueued(rt: JobRuntime): boolean {
    const at = this.queue.indexOf(rt)
    if (at < 0) return false
    this.queue.splice(at, 1)
    this.renderQueue()
    void this.cancelBeforeStart(rt)
    return true
  }

  /** Runs may go upstream again (after `stop`). */
  resume(): void {
    this.halted = false
  }

  /** Stops driving (nothing is cancelled upstream), releases the locks; resolves when every runtime is over. */
  async stop(): Promise<void> {
    this.halted = true
    this.cancel.unlisten()
    const all = [...this.runtimes.values()]
    for (const rt of all) {
      rt.controller.abort()
      if (!this.driving.has(rt) && this.queue.includes(rt)) await this.end(rt)
    }
    await Promise.all(all.map((rt) => rt.done))
  }

  /** Starts queued runs while there is room, and shows the others their place. */
  private pump(): void {
    const { maxConcurrent } = this.deps.s.config.research
    while (!this.halted && this.driving.size < maxConcurrent && this.queue.length > 0) {
      void this.drive(this.queue.shift() as JobRuntime)
    }
    this.renderQueue()
  }

  private renderQueue(): void {
    this.queue.forEach((rt, i) => {
      rt.phase = { kind: 'waiting', position: i + 1 }
      rt.render()
    })
  }

  /** Runs the job upstream until it ends, then delivers it (or lets it go, when driving stopped). */
  private async drive(rt: JobRuntime): Promise<void> {
    this.driving.add(rt)
    let result: RunResult
    try {
      if (await this.cancelledWhileQueued(rt)) {
        this.driving.delete(rt)
        return await this.cancelBeforeStart(rt)
      }
      result = await this.run(rt)
    } catch (err) {
      this.deps.log.error({ err, job: rt.job.id }, 'research run failed')
      const error = { code: 'server', message: wordsOf(this.deps.s, rt.job)('errors.server') }
      result = { kind: 'final', state: { ...rt.state, status: 'failed', error } }
    } finally {
      this.driving.delete(rt)
      this.pump()
    }
    await this.conclude(rt, result)
  }

  /** A queued job cancelled before its turn (here, or in its record by another process). */
  private async cancelledWhileQueued(rt: JobRuntime): Promise<boolean> {
    if (rt.job.status !== 'queued') return false
    const latest = await this.deps.jobs.get(rt.job.id)
    if (latest?.cancelRequested) rt.cancelRequested = true
    return rt.cancelRequested
  }

  private run(rt: JobRuntime): Promise<RunResult> {
    if (rt.job.status === 'queued') rt.phase = { kind: 'starting' }
    else rt.phase = rt.cancelRequested ? { kind: 'cancelling' } : { kind: 'running' }
    rt.render()
    return runJob(this.runner, {
      job: rt.job,
      signal: rt.controller.signal,
      save: (change) => rt.save(change),
      onState: (state) => {
        rt.state = state
        if (rt.phase.kind === 'starting' && state.responseId !== undefined) rt.phase = { kind: 'running' }
        rt.render()
      },
      cancelRequested: () => rt.cancelRequested || rt.job.cancelRequested === true,
      closeSignal: rt.closing.signal,
      cancel: (responseId) => void this.cancel.stopRun(rt, responseId),
    })
  }

  /** How the run ended decides what is delivered: the final state and the job's outcome. */
  private async conclude(rt: JobRuntime, result: RunResult): Promise<void> {
    const { s, clock, log } = this.deps
    if (result.kind === 'stopped') return this.end(rt)
    if (result.kind === 'not_sent') return this.cancelBeforeStart(rt)
    const now = clock.now()
    switch (result.kind) {
      case 'final':
        return this.finish(rt, result.state, outcomeOf(result.state, now))
      case 'closed':
        return this.finish(rt, result.state, { status: 'cancelled', note: 'closed', finishedAt: now })
      case 'interrupted':
        log.warn({ job: rt.job.id, why: result.why }, 'research interrupted: not sent again')
        return this.finish(rt, result.state, {
          status: 'incomplete',
          note: 'interrupted',
          reason: result.why,
          finishedAt: now,
        })
      case 'lost':
        return this.finish(rt, rt.state, { status: 'failed', note: 'lost', finishedAt: now })
      case 'start_failed': {
        await s.budgets.unreserveResearch(rt.job.approver.key)
        const kind = result.error instanceof HeraldError ? result.error.kind : 'server'
        const error = wordsOf(s, rt.job)(`errors.${kind}`)
        log.warn({ err: result.error, job: rt.job.id }, 'research could not start')
        return this.finish(rt, rt.state, { status: 'failed', note: 'start_failed', error, finishedAt: now })
      }
    }
  }

  private async finish(rt: JobRuntime, state: AnswerState, outcome: JobOutcome): Promise<void> {
    try {
      rt.stopRendering()
      const update = (change: (job: ResearchJob) => ResearchJob) => rt.save(change).then(() => rt.job)
      await deliver(this.deps.s, update, this.deps.processId, rt.job, state, outcome, rt)
    } catch (err) {
      this.deps.log.error({ err, job: rt.job.id }, 'research delivery failed')
    } finally {
      await this.end(rt)
    }
  }

  /** Nothing went upstream: the reserved run is given back and the job ends cancelled. */
  private async cancelBeforeStart(rt: JobRuntime): Promise<void> {
    await this.deps.s.budgets.unreserveResearch(rt.job.approver.key)
    await this.finish(rt, rt.state, {
      status: 'cancelled',
      note: 'not_sent',
      finishedAt: this.deps.clock.now(),
    })
  }

  /** A job found finished but not delivered (a restart between the two): its report comes from the API. */
  private async redeliver(rt: JobRuntime): Promise<void> {
    const { s, clock, log } = this.deps
    const { job } = rt
    let state: AnswerState = {
      ...initialState(),
      status: job.outcome?.status ?? 'failed',
      searches: job.searches,
      text: job.text ?? '',
    }
    // A run kept its own text where the endpoint cannot give it back (a foreground run, no retrieval).
    if (job.responseId && job.mode !== 'foreground' && job.text === undefined) {
      try {
        state = stateFromResponse(await s.client.retrieve(job.responseId, { signal: rt.controller.signal }))
      } catch (err) {
        log.warn({ err, job: job.id }, 'could not fetch a finished research report')
      }
    }
    await this.finish(rt, state, job.outcome ?? outcomeOf(state, clock.now()))
  }

  /** The runtime is over: it leaves the queue and this process, and lets the lock go. */
  private async end(rt: JobRuntime): Promise<void> {
    const at = this.queue.indexOf(rt)
    if (at >= 0) {
      this.queue.splice(at, 1)
      this.renderQueue()
    }
    this.runtimes.delete(rt.job.id)
    await rt.close()
  }
}
