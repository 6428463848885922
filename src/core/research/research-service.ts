import type { Services } from '../../commands/context.ts'
import type { ButtonPress, ChatRef, Invocation } from '../chat.ts'
import type { Clock } from '../clock.ts'
import { HeraldError } from '../errors.ts'
import type { Surface } from '../live/surface.ts'
import { stateFromResponse } from '../responses/fold.ts'
import { userMessage } from '../responses/messages.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import { BUTTON_PREFIX, buttonData, type Phase, parseButton, progressText } from './research-cards.ts'
import { deliver, outcomeOf } from './research-delivery.ts'
import type { TypicalRun } from './research-estimate.ts'
import { createResearchJobs, type JobOutcome, lockKey, personOf, type ResearchJob } from './research-jobs.ts'
import { type KeptMessage, keepMessage } from './research-message.ts'
import {
  expireRequests,
  type Origin,
  pressRequest,
  type RequestContext,
  requestResearch,
} from './research-requests.ts'
import { type RunnerDeps, type RunResult, runJob } from './research-runner.ts'

/**
 * Deep research, as the rest of Herald sees it: the /research command, its buttons (data `rs:…`),
 * start-up resumption and shutdown. Jobs are durable (research-jobs.ts): each is driven by exactly
 * one process, which holds `research:lock:<id>` and renews it every ttl/3; a process that dies lets
 * the lock lapse and the periodic sweep of another (or the restarted one) takes the job over from
 * its saved response id and sequence number. At most `config.research.maxConcurrent` runs go at
 * once in a process; more wait in a queue, their position shown in their progress message.
 *
 * @example
 *   services.research = createResearch(services)
 *   await services.research.resumeAll()          // after the adapters started: resumes and starts the sweep
 *   if (await services.research.press(services, press)) return
 *   await services.research.stop()               // on shutdown: jobs stay in the store for the next start
 */
export interface Research {
  /** The /research command (src/commands/research.ts): a card, an approval request or a refusal. */
  command(services: Services, invocation: Invocation): Promise<void>
  /** Handles a research button (data starting `rs:`): true when it was one, false otherwise. */
  press(services: Services, press: ButtonPress): Promise<boolean>
  /** Takes up every unfinished job nobody else holds, starts the periodic sweep; resolves with how many it took. */
  resumeAll(): Promise<number>
  /** Runs this process drives upstream now (queued ones not counted). */
  running(): number
  /** Stops driving (nothing is cancelled upstream), releases the locks, stops the sweep. */
  stop(): Promise<void>
}

export interface ResearchOptions {
  clock?: Clock
  /** This process in lock ownership. Default `services.processId`. */
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

/** Progress edits at most this often, besides the platform's pace; and at least this often, for the elapsed time. */
const PROGRESS_MIN_GAP_MS = 5_000
const PROGRESS_TICK_MS = 30_000

interface Runtime {
  job: ResearchJob
  phase: Phase
  state: AnswerState
  /** Aborted to stop driving (stop(), a lost lock). */
  controller: AbortController
  /** Aborted when the run is over (delivery starts): no more progress renders. */
  ticking: AbortController
  /** Aborted when the runtime is over, whatever the reason (the lock is no longer renewed). */
  ended: AbortController
  surface: Surface
  progress: KeptMessage
  shown: string
  openThread?: ((name: string) => Promise<Surface>) | undefined
  cancelRequested: boolean
  /** Writes of the job, one after another (each reads the job, changes it and writes it back). */
  saving: Promise<void>
  done: Promise<void>
  finish: () => void
}

export function createResearch(s: Services, options: ResearchOptions = {}): Research {
  const clock = options.clock ?? s.clock
  const processId = options.processId ?? s.processId
  const lockTtlMs = options.lockTtlMs ?? 60_000
  const sweepMs = options.sweepMs ?? 30_000
  const pollMs = options.pollMs ?? 5_000
  const jobs = createResearchJobs(s.store)
  const runtimes = new Map<string, Runtime>()
  const queue: Runtime[] = []
  const driving = new Set<Runtime>()
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
    lang: s.lang,
  }
  const ctx: RequestContext = { s, jobs, processId, typical: options.estimate ?? {}, launch }

  const surfaceOf = (chat: ChatRef, fallback?: Surface) =>
    s.adapters.get(chat.platform)?.surfaceFor(chat) ?? fallback

  function render(rt: Runtime): void {
    if (rt.ticking.signal.aborted) return
    const markdown = progressText(s.t, rt.job, rt.phase, rt.state, clock.now())
    if (markdown === rt.shown) return
    rt.shown = markdown
    const cancel = {
      label: s.t('research.button_cancel'),
      data: buttonData('k', rt.job.id),
      style: 'danger' as const,
    }
    void rt.progress.show(markdown, rt.phase.kind === 'cancelling' ? [] : [cancel])
  }

  function renderQueue(): void {
    queue.forEach((rt, i) => {
      rt.phase = { kind: 'waiting', position: i + 1 }
      render(rt)
    })
  }

  /** Takes a job this process holds the lock of. */
  function adopt(job: ResearchJob, origin: Origin): boolean {
    const surface = surfaceOf(job.chat, origin.surface)
    if (!surface) {
      log.warn({ job: job.id, platform: job.chat.platform }, 'no surface for a research job: leaving it')
      void s.store.release(lockKey(job.id), processId)
      return false
    }
    let finish!: () => void
    const done = new Promise<void>((resolve) => {
      finish = resolve
    })
    const rt: Runtime = {
      job,
      phase: { kind: 'running' },
      state: { ...initialState(), searches: job.searches },
      controller: new AbortController(),
      ticking: new AbortController(),
      ended: new AbortController(),
      surface,
      shown: '',
      progress: keepMessage({
        surface,
        lanes: s.lanes,
        ref: job.progress,
        minGapMs: PROGRESS_MIN_GAP_MS,
        onRef: (ref) => void save(rt, (j) => ({ ...j, progress: ref })),
      }),
      openThread: origin.openThread,
      cancelRequested: false,
      saving: Promise.resolve(),
      done,
      finish,
    }
    runtimes.set(job.id, rt)
    void keepLock(rt)
    void tick(rt)
    if (job.status === 'queued') {
      queue.push(rt)
      renderQueue()
      pump()
    } else if (job.status === 'finished') {
      void redeliver(rt)
    } else {
      void drive(rt)
    }
    return true
  }

  async function launch(job: ResearchJob, origin: Origin): Promise<void> {
    if (!(await s.store.claim(lockKey(job.id), processId, lockTtlMs))) return
    await jobs.put(job)
    adopt(job, origin)
  }

  function save(rt: Runtime, change: (job: ResearchJob) => ResearchJob): Promise<void> {
    const write = rt.saving.then(async () => {
      const next = await jobs.update(rt.job.id, change)
      if (next) rt.job = next
    })
    rt.saving = write.catch((err: unknown) => log.warn({ err, job: rt.job.id }, 'could not save the research job'))
    return write
  }

  function pump(): void {
    while (!stopped && driving.size < s.config.research.maxConcurrent && queue.length > 0) {
      void drive(queue.shift() as Runtime)
    }
    renderQueue()
  }

  async function drive(rt: Runtime): Promise<void> {
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
      render(rt)
      result = await runJob(deps, {
        job: rt.job,
        signal: rt.controller.signal,
        save: (change) => save(rt, change),
        onState: (state) => {
          rt.state = state
          if (rt.phase.kind === 'starting' && state.responseId !== undefined) rt.phase = { kind: 'running' }
          render(rt)
        },
        cancelRequested: () => rt.cancelRequested || rt.job.cancelRequested === true,
      })
    } catch (err) {
      log.error({ err, job: rt.job.id }, 'research run failed')
      result = {
        kind: 'final',
        state: {
          ...rt.state,
          status: 'failed',
          error: { code: 'server', message: userMessage('server', s.lang) },
        },
      }
    } finally {
      driving.delete(rt)
      pump()
    }
    if (result.kind === 'stopped') return end(rt)
    const now = clock.now()
    let outcome: JobOutcome
    let state = rt.state
    if (result.kind === 'final') {
      state = result.state
      outcome = outcomeOf(state, now)
    } else if (result.kind === 'lost') {
      outcome = { status: 'failed', note: 'lost', finishedAt: now }
    } else {
      await s.budgets.unreserveResearch(rt.job.approver.key)
      const error = userMessage(result.error instanceof HeraldError ? result.error.kind : 'server', s.lang)
      log.warn({ err: result.error, job: rt.job.id }, 'research could not start')
      outcome = { status: 'failed', note: 'start_failed', error, finishedAt: now }
    }
    await finishJob(rt, state, outcome)
  }

  async function finishJob(rt: Runtime, state: AnswerState, outcome: JobOutcome): Promise<void> {
    try {
      rt.ticking.abort()
      const update = (change: (job: ResearchJob) => ResearchJob) => save(rt, change).then(() => rt.job)
      await deliver(s, update, processId, rt.job, state, outcome, rt)
    } catch (err) {
      log.error({ err, job: rt.job.id }, 'research delivery failed')
    } finally {
      await end(rt)
    }
  }

  async function cancelBeforeStart(rt: Runtime): Promise<void> {
    await s.budgets.unreserveResearch(rt.job.approver.key)
    await finishJob(rt, rt.state, { status: 'cancelled', note: 'not_sent', finishedAt: clock.now() })
  }

  /** A job found finished but not delivered (a restart between the two): its report comes from the API. */
  async function redeliver(rt: Runtime): Promise<void> {
    let state: AnswerState = {
      ...initialState(),
      status: rt.job.outcome?.status ?? 'failed',
      searches: rt.job.searches,
    }
    if (rt.job.responseId) {
      try {
        state = stateFromResponse(
          await s.client.retrieve(rt.job.responseId, { signal: rt.controller.signal }),
        )
      } catch (err) {
        log.warn({ err, job: rt.job.id }, 'could not fetch a finished research report')
      }
    }
    await finishJob(rt, state, rt.job.outcome ?? outcomeOf(state, clock.now()))
  }

  /** The runtime is over: timers stop, the lock goes (a lost one is not ours to release), the process forgets it. */
  async function end(rt: Runtime): Promise<void> {
    rt.ticking.abort()
    rt.ended.abort()
    const at = queue.indexOf(rt)
    if (at >= 0) {
      queue.splice(at, 1)
      renderQueue()
    }
    runtimes.delete(rt.job.id)
    await s.store.release(lockKey(rt.job.id), processId).catch(() => false)
    rt.finish()
  }

  async function keepLock(rt: Runtime): Promise<void> {
    const signal = rt.ended.signal
    while (!signal.aborted) {
      try {
        await clock.sleep(Math.max(1, Math.floor(lockTtlMs / 3)), signal)
      } catch {
        return
      }
      try {
        if (await s.store.renew(lockKey(rt.job.id), processId, lockTtlMs)) continue
      } catch (err) {
        log.warn({ err, job: rt.job.id }, 'could not renew the research lock')
        continue
      }
      if (signal.aborted) return
      log.warn({ job: rt.job.id }, 'research lock lost: another process drives this job now')
      rt.controller.abort()
      if (!driving.has(rt)) await end(rt)
      return
    }
  }

  async function tick(rt: Runtime): Promise<void> {
    while (!rt.ticking.signal.aborted) {
      try {
        await clock.sleep(PROGRESS_TICK_MS, rt.ticking.signal)
      } catch {
        return
      }
      render(rt)
    }
  }

  async function cancelJob(press: ButtonPress, id: string): Promise<void> {
    const rt = runtimes.get(id)
    const job = rt?.job ?? (await jobs.get(id))
    if (!job || job.status === 'finished' || job.status === 'delivered')
      return press.answer(s.t('button.stale'))
    if (!press.user.isAdmin && personOf(press.user).key !== job.requester.key) {
      return press.answer(s.t('research.cancel_not_allowed'))
    }
    await press.answer(s.t('research.cancelling'))
    log.info({ job: id, by: personOf(press.user).key }, 'research cancel pressed')
    if (rt) {
      rt.cancelRequested = true
      const at = queue.indexOf(rt)
      if (at >= 0) {
        queue.splice(at, 1)
        renderQueue()
        return cancelBeforeStart(rt)
      }
      rt.phase = { kind: 'cancelling' }
      render(rt)
    }
    const responseId = rt?.job.responseId ?? job.responseId
    if (responseId === undefined) {
      // Not sent yet, or sent by another process that has not saved the id: it cancels as soon as it does.
      if (rt) await save(rt, (j) => ({ ...j, cancelRequested: true }))
      else await jobs.update(id, (j) => ({ ...j, cancelRequested: true }))
      return
    }
    await s.client
      .cancel(responseId)
      .catch((err: unknown) => log.warn({ err, job: id }, 'research cancel refused'))
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
      await sweep().catch((err: unknown) => log.warn({ err }, 'research sweep failed'))
    }
  }

  return {
    command: (_services, invocation) => requestResearch(ctx, invocation),

    async press(_services, press) {
      if (!press.data.startsWith(BUTTON_PREFIX)) return false
      const button = parseButton(press.data)
      if (!button) await press.answer(s.t('button.stale'))
      else if (button.action === 'k') await cancelJob(press, button.id)
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
      const all = [...runtimes.values()]
      for (const rt of all) {
        rt.controller.abort()
        if (!driving.has(rt) && queue.includes(rt)) await end(rt)
      }
      await Promise.all(all.map((rt) => rt.done))
    },
  }
}
