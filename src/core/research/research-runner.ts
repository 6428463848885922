import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import type { Translate } from '../i18n/i18n.ts'
import type { ResponsesClient } from '../responses/client.ts'
import type { ResponseObject } from '../responses/events.ts'
import { stateFromResponse } from '../responses/fold.ts'
import type { ResponsesRequest } from '../responses/request.ts'
import { type AnswerState, initialState, isFinal } from '../responses/state.ts'
import type { EndpointCapability, EndpointFlags } from '../state/endpoint-flags.ts'
import type { ResearchJob, ResearchMode } from './research-jobs.ts'
import { missingRoute, refusesBackground, refusesStreaming, transient } from './research-refusals.ts'
import { createTracker, type JobDriver, type Tracker } from './research-tracker.ts'

/**
 * Drives one research job upstream until its final status is known. It sends the request at most
 * once, in one of two ways:
 * - background mode with streaming (the response id and the last sequence number are saved as they
 *   arrive), or create + polling where the endpoint will not stream a background run. After a
 *   restart it follows the same response id: `GET /responses/{id}` to see where the run is, then
 *   the stream from the saved sequence number (or polling with backoff). A stream that ends without
 *   a terminal event is asked about, then resumed. Where the endpoint has no `GET /responses/{id}`
 *   the open stream is all there is: a run cut from it is `interrupted`, never sent again.
 * - foreground: one streamed request, as relays without background mode serve deep research. The
 *   open stream is the whole run: if it is cut (a dropped connection, a silence past the research
 *   idle limit, a restart) the run is `interrupted` with the text that arrived.
 * `auto` mode tries background mode and falls back to foreground where the endpoint refuses it (a
 * 400 naming `background`, or a 404/405 on the route), remembering that for the endpoint. Cancel
 * closes the stream (`closeSignal`) where there is no `/cancel`: the run ends `closed`.
 *
 * @example
 *   const result = await runJob(deps, { job, signal, closeSignal, save, onState, cancelRequested, cancel })
 *   if (result.kind === 'final') deliver(result.state)
 */

/** What the runner needs: the client, time, limits, the configured mode and what the endpoint refuses. */
export interface RunnerDeps {
  client: ResponsesClient
  clock: Clock
  log: Logger
  maxToolCalls: number
  /** First poll interval; polling slows down (×1.5, up to `maxPollMs`) while nothing changes. */
  pollMs: number
  maxPollMs: number
  /** Progress (sequence number, searches) is saved at most this often, besides the response id at once. */
  saveEveryMs: number
  /** The words of a job's people (its failure lines). */
  words(job: ResearchJob): Translate
  /** RESEARCH_MODE. */
  mode: ResearchMode | 'auto'
  /** Silence allowed on a research stream (RESEARCH_IDLE_TIMEOUT_MS). */
  idleMs: number
  endpoint: EndpointFlags
}

/** Why a run was cut and cannot be followed. */
export type InterruptedWhy = 'restart' | 'dropped' | 'silent' | 'not_resumable'

export type RunResult =
  | { kind: 'final'; state: AnswerState }
  /** Nothing was created upstream (the caller gives the reserved run back). */
  | { kind: 'start_failed'; error: unknown }
  /** Cancel was pressed before anything was accepted upstream: nothing was sent. */
  | { kind: 'not_sent' }
  | { kind: 'stopped' }
  /** The request may have been sent but its response id was never saved: nothing to follow. */
  | { kind: 'lost' }
  /** Cancelled by closing the stream: the run may go on (and be billed) upstream. */
  | { kind: 'closed'; state: AnswerState }
  /** Sent, then cut with no way to follow it: what arrived is in `state`; it is never sent again. */
  | { kind: 'interrupted'; state: AnswerState; why: InterruptedWhy }

const FINAL_STATUSES = new Set(['completed', 'incomplete', 'failed', 'cancelled'])

/** Statuses the client makes up when a stream ends early; the run itself goes on. */
const LOCAL_ENDINGS = new Set(['stream_ended', 'timeout', 'aborted'])

export function researchRequest(
  job: ResearchJob,
  maxToolCalls: number,
  mode: ResearchMode = 'background',
): ResponsesRequest {
  return {
    model: job.model,
    input: job.question,
    ...(mode === 'background' ? { background: true } : {}),
    tools: [{ type: 'web_search_preview' }],
    max_tool_calls: maxToolCalls,
    reasoning: { summary: 'auto' },
    metadata: { herald_job: job.id },
  }
}

export async function runJob(deps: RunnerDeps, driver: JobDriver): Promise<RunResult> {
  const tracker = createTracker(deps, driver)
  try {
    const { job } = driver
    if (job.status === 'queued') {
      const started = await start(deps, driver, tracker)
      if (started.kind !== 'started') return started
      if (started.mode === 'foreground') return foregroundEnd(driver, started.state)
      return await follow(deps, driver, tracker, started.state, started.streaming)
    }
    // A foreground stream dies with its process: what it saved is all there is, and it is not sent again.
    if (job.mode === 'foreground') return { kind: 'interrupted', state: savedState(job), why: 'restart' }
    // Sent, but the process died before the response id was saved: it is never sent again.
    if (job.responseId === undefined) return { kind: 'lost' }
    const state: AnswerState = {
      ...initialState(),
      responseId: job.responseId as string,
      lastSequence: job.lastSequence,
      searches: job.searches,
    }
    // A background one nobody can look up dies with its process, as a foreground stream does.
    if (await refused(deps, 'retrieve'))
      return { kind: 'interrupted', state: savedState(job), why: 'not_resumable' }
    return await follow(deps, driver, tracker, state, job.streaming)
  } finally {
    await tracker.flush()
  }
}

type Started =
  | { kind: 'started'; state: AnswerState; streaming: boolean; mode: ResearchMode }
  | Exclude<RunResult, { kind: 'final' }>

async function start(deps: RunnerDeps, driver: JobDriver, tracker: Tracker): Promise<Started> {
  const { client, log } = deps
  const { signal } = driver
  const mode: ResearchMode =
    deps.mode === 'auto' ? ((await refused(deps, 'background')) ? 'foreground' : 'background') : deps.mode
  // Written before the request: a restart from here on never sends it again.
  try {
    await driver.save((job) => ({ ...job, status: 'starting', startedAt: deps.clock.now(), mode }))
  } catch (error) {
    return { kind: 'start_failed', error }
  }
  if (signal.aborted) {
    // Nothing was sent yet: leave it waiting, for this process or another, after a restart.
    await tracker.save(({ startedAt: _startedAt, mode: _mode, ...job }) => ({ ...job, status: 'queued' }))
    return { kind: 'stopped' }
  }
  if (mode === 'foreground') return startForeground(deps, driver, tracker)
  const req = researchRequest(driver.job, deps.maxToolCalls)
  // Without retrieval by id the open stream is all there is: its text is saved as it comes.
  if (await refused(deps, 'retrieve')) tracker.keepText()
  const streamSignal = AbortSignal.any([signal, driver.closeSignal])
  let state: AnswerState
  let streaming = true
  try {
    state = await client.run(req, {
      signal: streamSignal,
      idleMs: deps.idleMs,
      onEvent: tracker.onEvent,
      onState: tracker.onState,
    })
  } catch (error) {
    if (signal.aborted) return { kind: 'stopped' }
    if (deps.mode === 'auto' && refusesBackground(error)) {
      log.warn({ job: driver.job.id }, 'the endpoint refuses background mode: one foreground stream instead')
      await tracker.save((job) => ({ ...job, mode: 'foreground' }))
      if (driver.cancelRequested() || driver.closeSignal.aborted) return { kind: 'not_sent' }
      // Remembered once the endpoint takes the foreground request: a dead route is no answer about background.
      return startForeground(deps, driver, tracker, () => remember(deps, 'background'))
    }
    if (!refusesStreaming(error)) return { kind: 'start_failed', error }
    log.warn({ job: driver.job.id }, 'the endpoint will not stream a background run: polling instead')
    streaming = false
    try {
      state = stateFromResponse(await client.create(req, { signal }))
    } catch (again) {
      return signal.aborted ? { kind: 'stopped' } : { kind: 'start_failed', error: again }
    }
    tracker.onState(state)
  }
  if (state.responseId === undefined) {
    if (signal.aborted) return { kind: 'stopped' }
    if (driver.closeSignal.aborted) return { kind: 'closed', state }
    return { kind: 'start_failed', error: new HeraldError('stream', 'the AI service sent no response id') }
  }
  // A relay that answers a streamed background request with JSON cannot stream it later either.
  if (tracker.takeEvents() === 0 && !isFinal(state)) streaming = false
  if (!streaming) await tracker.save((job) => ({ ...job, streaming: false }))
  return { kind: 'started', state, streaming, mode: 'background' }
}

/** One streamed request, sent once: its stream is the whole run. `onAccepted` runs at its first event. */
async function startForeground(
  deps: RunnerDeps,
  driver: JobDriver,
  tracker: Tracker,
  onAccepted?: () => void,
): Promise<Started> {
  const req = researchRequest(driver.job, deps.maxToolCalls, 'foreground')
  tracker.keepText()
  let accepted = onAccepted
  try {
    const state = await deps.client.run(req, {
      signal: AbortSignal.any([driver.signal, driver.closeSignal]),
      once: true,
      idleMs: deps.idleMs,
      onEvent: (event) => {
        accepted?.()
        accepted = undefined
        tracker.onEvent(event)
      },
      onState: tracker.onState,
    })
    return { kind: 'started', state, streaming: true, mode: 'foreground' }
  } catch (error) {
    if (driver.signal.aborted) return { kind: 'stopped' }
    // Closed before its first event: it was sent all the same, and may run.
    if (driver.closeSignal.aborted)
      return { kind: 'closed', state: { ...initialState(), status: 'incomplete' } }
    return { kind: 'start_failed', error }
  }
}

/** How a foreground stream ended: its own terminal event, or cut (and then never sent again). */
function foregroundEnd(driver: JobDriver, state: AnswerState): RunResult {
  if (driver.signal.aborted) return { kind: 'stopped' }
  if (driver.closeSignal.aborted) return { kind: 'closed', state }
  if (isFinal(state) && !LOCAL_ENDINGS.has(state.incompleteReason ?? '')) return { kind: 'final', state }
  return { kind: 'interrupted', state, why: state.incompleteReason === 'timeout' ? 'silent' : 'dropped' }
}

async function follow(
  deps: RunnerDeps,
  driver: JobDriver,
  tracker: Tracker,
  initial: AnswerState,
  initialStreaming: boolean,
): Promise<RunResult> {
  const { client, clock } = deps
  const { signal, closeSignal } = driver
  const either = AbortSignal.any([signal, closeSignal])
  const id = initial.responseId as string
  let state = initial
  let streaming = initialStreaming
  let delay = deps.pollMs
  const failed = (error: unknown): RunResult => ({
    kind: 'final',
    state: failedState(state, error, deps.words(driver.job)),
  })
  const cut = (): RunResult => {
    const reason = state.incompleteReason
    const why = reason === 'timeout' ? 'silent' : reason === 'stream_ended' ? 'dropped' : 'not_resumable'
    return { kind: 'interrupted', state, why }
  }
  /** An error of a call by id: the run cannot be followed on this endpoint, or has failed. */
  const lookupFailed = async (error: unknown): Promise<RunResult> => {
    if (!missingRoute(error)) return failed(error)
    deps.log.warn({ job: driver.job.id }, 'the endpoint cannot look up a response by id')
    await remember(deps, 'retrieve')
    return cut()
  }
  const pause = async (ms: number) => {
    try {
      await clock.sleep(ms, either)
    } catch {}
  }
  for (;;) {
    if (tracker.terminal) return { kind: 'final', state: wholeState(state, tracker.terminal) }
    if (isFinal(state) && !LOCAL_ENDINGS.has(state.incompleteReason ?? '')) return { kind: 'final', state }
    if (signal.aborted) return { kind: 'stopped' }
    if (closeSignal.aborted) return { kind: 'closed', state }
    if (await refused(deps, 'retrieve')) return cut()
    if (streaming) {
      const progressed = tracker.takeEvents() > 0
      // The stream ended without a terminal event (or there was none yet): where is the run?
      try {
        const now = await client.retrieve(id, { signal })
        if (FINAL_STATUSES.has(now.status)) return { kind: 'final', state: wholeState(state, now) }
        if (state.status === 'queued' && now.status === 'in_progress')
          state = { ...state, status: 'in_progress' }
      } catch (error) {
        if (signal.aborted) return { kind: 'stopped' }
        if (!transient(error)) return lookupFailed(error)
      }
      if (progressed) delay = deps.pollMs
      else {
        await pause(delay)
        delay = Math.min(deps.maxPollMs, delay * 2)
      }
      if (signal.aborted) return { kind: 'stopped' }
      if (closeSignal.aborted) return { kind: 'closed', state }
      try {
        state = await client.retrieveStream(id, state.lastSequence, {
          state: reopened(state),
          signal: either,
          idleMs: deps.idleMs,
          onEvent: tracker.onEvent,
          onState: tracker.onState,
        })
      } catch (error) {
        if (signal.aborted) return { kind: 'stopped' }
        if (refusesStreaming(error)) {
          streaming = false
          await tracker.save((job) => ({ ...job, streaming: false }))
        } else if (!transient(error)) return lookupFailed(error)
      }
      continue
    }
    await pause(delay)
    if (signal.aborted) return { kind: 'stopped' }
    if (closeSignal.aborted) return { kind: 'closed', state }
    try {
      const now = stateFromResponse(await client.retrieve(id, { signal }), state.lastSequence)
      const changed = now.status !== state.status || now.searches.length !== state.searches.length
      state = now
      tracker.onState(state)
      delay = changed ? deps.pollMs : Math.min(deps.maxPollMs, Math.round(delay * 1.5))
    } catch (error) {
      if (signal.aborted) return { kind: 'stopped' }
      if (!transient(error)) return lookupFailed(error)
      delay = Math.min(deps.maxPollMs, delay * 2)
    }
  }
}

/** Whether the endpoint is known to refuse it; a store that cannot say means it is tried. */
function refused(deps: RunnerDeps, capability: EndpointCapability): Promise<boolean> {
  return deps.endpoint.isUnsupported(capability).catch(() => false)
}

/** Records what the endpoint refused; a store that fails to keep it costs a retry later, never the run. */
async function remember(deps: RunnerDeps, capability: EndpointCapability): Promise<void> {
  await deps.endpoint
    .markUnsupported(capability)
    .catch((err: unknown) => deps.log.warn({ err, capability }, 'could not save what the endpoint refuses'))
}

/** What a run saved of itself, as the state it was cut in. */
function savedState(job: ResearchJob): AnswerState {
  const state: AnswerState = {
    ...initialState(),
    status: 'incomplete',
    lastSequence: job.lastSequence,
    searches: job.searches,
    text: job.text ?? '',
  }
  if (job.responseId !== undefined) state.responseId = job.responseId
  return state
}

/** The final state from the whole Response, keeping what only the stream told (a relay's bare terminal event). */
function wholeState(folded: AnswerState, response: ResponseObject): AnswerState {
  const whole = stateFromResponse(response, folded.lastSequence)
  const merged: AnswerState = {
    ...whole,
    text: whole.text.trim() !== '' ? whole.text : folded.text,
    citations: whole.citations.length > 0 ? whole.citations : folded.citations,
    searches: whole.searches.length >= folded.searches.length ? whole.searches : folded.searches,
  }
  const usage = whole.usage ?? folded.usage
  if (usage) merged.usage = usage
  return merged
}

function reopened(state: AnswerState): AnswerState {
  const { incompleteReason: _reason, ...rest } = state
  return { ...rest, status: state.status === 'queued' ? 'queued' : 'in_progress' }
}

/** Herald lost track of the run (an error that waiting will not fix): a failure people can read. */
function failedState(state: AnswerState, error: unknown, t: Translate): AnswerState {
  const kind = error instanceof HeraldError ? error.kind : 'server'
  return { ...state, status: 'failed', error: { code: kind, message: t(`errors.${kind}`) } }
}
