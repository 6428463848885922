import type { ButtonPress, Invocation } from '../contracts/chat.ts'
import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Translate } from '../i18n/i18n.ts'
import { stateFromResponse } from '../responses/fold.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import { logStoreFailure } from '../store/store.ts'
import { ResearchCancel } from './research-cancel.ts'
import { BUTTON_PREFIX, parseButton } from './research-cards.ts'
import { deliver, outcomeOf } from './research-delivery.ts'
import { type ResearchDeps, wordsOf } from './research-deps.ts'
import type { TypicalRun } from './research-estimate.ts'
import { createResearchJobs, type JobOutcome, lockKey, type ResearchJob } from './research-jobs.ts'
import {
  expireRequests,
  type Origin,
  pressRequest,
  type RequestContext,
  requestResearch,
  runAgain,
} from './research-requests.ts'
import { type RunnerDeps, type RunResult, runJob } from './research-runner.ts'
import { JobRuntime, type RuntimeDeps } from './research-runtime.ts'

/**
 * Deep research, as the rest of Herald sees it: the /research command, its buttons (data `rs:…`),
 * start-up resumption and shutdown. Jobs are durable (research-jobs.ts): each is driven by exactly
 * one process, which holds `research:lock:<id>` and renews it every ttl/3; a process that dies lets
 * the lock lapse and the periodic sweep of another (or the restarted one) takes the job over from
 * its saved response id and sequence number. At most `config.research.maxConcurrent` runs go at
 * once in a process; more wait in a queue, their position shown in their progress message (a run
 * resumed after a restart is already running upstream, so it is followed at once, past the limit).
 *
 * @example
 *   const research = createResearch(deps)
 *   await research.resumeAll()          // after the adapters started: resumes and starts the sweep
 *   if (await research.press(press)) return
 *   await research.stop()               // on shutdown: jobs stay in the store for the next start
 */
export interface Research {
  /** The /research command (src/commands/research.ts): a card, an approval request or a refusal; `t` speaks to the asker. */
  command(invocation: Invocation, t: Translate): Promise<void>
  /** Handles a research button (data starting `rs:`): true when it was one, false otherwise. */
  press(press: ButtonPress): Promise<boolean>
  /** Takes up every unfinished job nobody else holds, starts the periodic sweep; resolves with how many it took. */
  resumeAll(): Promise<number>
  /** Runs this process drives upstream now (queued ones not counted). */
  running(): number
  /** Stops driving (nothing is cancelled upstream), releases the locks, stops the sweep. */
  stop(): Promise<void>
}

export interface ResearchOptions {
  clock?: Clock
  /** This process in lock ownership. Default `deps.processId`. */
  processId?: string
  /** First poll interval when polling (relays without background streaming) and the reconnect backoff base. Default 5000. */
  pollMs?: number
  /** Lock lifetime; renewed every third of it. Default 60000. */
  lockTtlMs?: number
  /** How often unfinished jobs and expired requests are looked for. Default 30000. */
  sweepMs?: number
  /** Typical token counts for the cost estimate (research-estimate.ts). */
  estimate?: Partial<TypicalRun>
}

/** Model choices of the command (only those in the registry are accepted). */
export const RESEARCH_MODEL_CHOICES = ['o3-deep-research', 'o4-mini-deep-research'] as const

export function createResearch(s: ResearchDeps, options: ResearchOptions = {}): Research {
  const clock = options.clock ?? s.clock
  const processId = options.processId ?? s.processId
  const lockTtlMs = options.lockTtlMs ?? 60_000
  const sweepMs = options.sweepMs ?? 30_000
  const pollMs = options.pollMs ?? 5_000
  const jobs = createResearchJobs(s.store)
  const runtimes = new Map<string, JobRuntime>()
  const queue: JobRuntime[] = []
  const driving = new Set<JobRuntime>()
  const sweeps = new AbortController()
  let sweeping = false
  let stopped = false
  const log = s.log.child({ component: 'research', processId })
  const deps: RunnerDeps = {
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
  const ctx: RequestContext = { s, jobs, processId, typical: options.estimate ?? {}, launch }
  const cancel = new ResearchCancel({
    s,
    jobs,
    log,
    runs: { get: (id) => runtimes.get(id), cancelQueued },
  })

  const runtimeDeps: RuntimeDeps = {
    s,
    clock,
    log,
    jobs,
    processId,
    lockTtlMs,
    onLockLost: (rt) => {
      if (!driving.has(rt)) void end(rt)
    },
    onCancelRequested: (rt) => void cancel.requestedElsewhere(rt),
  }

  function renderQueue(): void {
    queue.forEach((rt, i) => {
      rt.phase = { kind: 'waiting', position: i + 1 }
      rt.render()
    })
  }

  /** Takes a job this process holds the lock of. */
  function adopt(job: ResearchJob, origin: Origin): boolean {
    const surface = s.adapters.get(job.chat.platform)?.surfaceFor(job.chat) ?? origin.surface
    if (!surface) {
      log.warn({ job: job.id, platform: job.chat.platform }, 'no surface for a research job: leaving it')
      void s.store.release(lockKey(job.id), processId)
      return false
    }
    const rt = new JobRuntime(runtimeDeps, job, surface, origin.openThread)
    runtimes.set(job.id, rt)
    cancel.listen()
    rt.start()
    if (job.status === 'queued') {
      queue.push(rt)
      pump()
    } else if (job.status === 'finished') {
      void redeliver(rt)
    } else {
      void drive(rt)
    }
    return true
  }

  async function launch(job: ResearchJob, origin: Origin): Promise<void> {
    if (!(await s.store.claim(lockKey(job.id), processId, lockTtlMs))) {
      log.warn({ job: job.id }, 'a new research job was already claimed: not started here')
      return
    }
    await jobs.put(job)
    adopt(job, origin)
  }

  function pump(): void {
    while (!stopped && driving.size < s.config.research.maxConcurrent && queue.length > 0) {
      void drive(queue.shift() as JobRuntime)
    }
    renderQueue()
  }

  async function drive(rt: JobRuntime): Promise<void> {
    driving.add(rt)
    let result: RunResult
    try {
      if (rt.job.status === 'queued') {
        const latest = await jobs.get(rt.job.id)
        if (latest?.cancelRequested) rt.cancelRequested = true
        if (rt.cancelRequested) {
          driving.delete(rt)
          return await cancelBeforeStart(rt)
        }
        rt.phase = { kind: 'starting' }
      } else rt.phase = rt.cancelRequested ? { kind: 'cancelling' } : { kind: 'running' }
      rt.render()
      result = await runJob(deps, {
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
        cancel: (responseId) => void cancel.stopRun(rt, responseId),
      })
    } catch (err) {
      log.error({ err, job: rt.job.id }, 'research run failed')
      result = {
        kind: 'final',
        state: {
          ...rt.state,
          status: 'failed',
          error: { code: 'server', message: wordsOf(s, rt.job)('errors.server') },
        },
      }
    } finally {
      driving.delete(rt)
      pump()
    }
    if (result.kind === 'stopped') return end(rt)
    if (result.kind === 'not_sent') return cancelBeforeStart(rt)
    const now = clock.now()
    let outcome: JobOutcome
    let state = rt.state
    switch (result.kind) {
      case 'final':
        state = result.state
        outcome = outcomeOf(state, now)
        break
      case 'closed':
        state = result.state
        outcome = { status: 'cancelled', note: 'closed', finishedAt: now }
        break
      case 'interrupted':
        state = result.state
        outcome = { status: 'incomplete', note: 'interrupted', reason: result.why, finishedAt: now }
        log.warn({ job: rt.job.id, why: result.why }, 'research interrupted: not sent again')
        break
      case 'lost':
        outcome = { status: 'failed', note: 'lost', finishedAt: now }
        break
      case 'start_failed': {
        await s.budgets.unreserveResearch(rt.job.approver.key)
        const kind = result.error instanceof HeraldError ? result.error.kind : 'server'
        const error = wordsOf(s, rt.job)(`errors.${kind}`)
        log.warn({ err: result.error, job: rt.job.id }, 'research could not start')
        outcome = { status: 'failed', note: 'start_failed', error, finishedAt: now }
      }
    }
    await finishJob(rt, state, outcome)
  }

  async function finishJob(rt: JobRuntime, state: AnswerState, outcome: JobOutcome): Promise<void> {
    try {
      rt.stopRendering()
      const update = (change: (job: ResearchJob) => ResearchJob) => rt.save(change).then(() => rt.job)
      await deliver(s, update, processId, rt.job, state, outcome, rt)
    } catch (err) {
      log.error({ err, job: rt.job.id }, 'research delivery failed')
    } finally {
      await end(rt)
    }
  }

  async function cancelBeforeStart(rt: JobRuntime): Promise<void> {
    await s.budgets.unreserveResearch(rt.job.approver.key)
    await finishJob(rt, rt.state, { status: 'cancelled', note: 'not_sent', finishedAt: clock.now() })
  }

  /** A job found finished but not delivered (a restart between the two): its report comes from the API. */
  async function redeliver(rt: JobRuntime): Promise<void> {
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
    await finishJob(rt, state, job.outcome ?? outcomeOf(state, clock.now()))
  }

  /** The runtime is over: it leaves the queue and this process, and lets the lock go. */
  async function end(rt: JobRuntime): Promise<void> {
    const at = queue.indexOf(rt)
    if (at >= 0) {
      queue.splice(at, 1)
      renderQueue()
    }
    runtimes.delete(rt.job.id)
    await rt.close()
  }

  function cancelQueued(rt: JobRuntime): boolean {
    const at = queue.indexOf(rt)
    if (at < 0) return false
    queue.splice(at, 1)
    renderQueue()
    void cancelBeforeStart(rt)
    return true
  }

  async function sweep(): Promise<number> {
    let taken = 0
    for (const id of await jobs.activeIds()) {
      if (stopped) break
      if (runtimes.has(id)) continue
      const job = await jobs.get(id)
      if (!job || job.status === 'delivered') {
        await jobs.forget(id)
        continue
      }
      if (!(await s.store.claim(lockKey(id), processId, lockTtlMs))) continue
      // Read again under the lock: the last holder may have written since.
      if (adopt((await jobs.get(id)) ?? job, {})) taken++
    }
    await expireRequests(ctx)
    return taken
  }

  async function sweepForever(): Promise<void> {
    while (!sweeps.signal.aborted) {
      try {
        await clock.sleep(sweepMs, sweeps.signal)
      } catch {
        return
      }
      await sweep().catch((err: unknown) => logStoreFailure(s.store, log, err, {}, 'research sweep failed'))
    }
  }

  return {
    command: (invocation, t) => requestResearch(ctx, invocation, t),

    async press(press) {
      if (!press.data.startsWith(BUTTON_PREFIX)) return false
      const button = parseButton(press.data)
      if (!button) await press.answer((await s.i18n.forPerson(press.user, press.chat))('button.stale'))
      else if (button.action === 'k') await cancel.pressed(press, button.id)
      else if (button.action === 'r') await runAgain(ctx, press, button.id)
      else await pressRequest(ctx, press, button.action, button.id)
      return true
    },

    async resumeAll() {
      stopped = false
      const taken = await sweep()
      if (!sweeping) {
        sweeping = true
        void sweepForever()
      }
      if (taken > 0) log.info({ taken }, 'research jobs resumed')
      return taken
    },

    running: () => driving.size,

    async stop() {
      stopped = true
      sweeps.abort()
      cancel.unlisten()
      const all = [...runtimes.values()]
      for (const rt of all) {
        rt.controller.abort()
        if (!driving.has(rt) && queue.includes(rt)) await end(rt)
      }
      await Promise.all(all.map((rt) => rt.done))
    },
  }
}
