import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import type { ResponsesClient } from '../responses/client.ts'
import { UpstreamError } from '../responses/errors.ts'
import type { ResponseObject } from '../responses/events.ts'
import { stateFromResponse } from '../responses/fold.ts'
import { type Lang, userMessage } from '../responses/messages.ts'
import type { ResponsesRequest } from '../responses/request.ts'
import { isRetryable } from '../responses/retry.ts'
import { type AnswerState, initialState, isFinal } from '../responses/state.ts'
import type { ResearchJob } from './research-jobs.ts'
import { createTracker, type Tracker } from './research-tracker.ts'

/**
 * Drives one research job upstream until its final status is known. It sends the request at most
 * once: background mode with streaming (the response id and the last sequence number are saved as
 * they arrive), or create + polling where the endpoint will not stream a background run. After a
 * restart it follows the same response id: `GET /responses/{id}` to see where the run is, then the
 * stream from the saved sequence number (or polling with backoff). A stream that ends without a
 * terminal event is asked about, then resumed; nothing is ever sent twice.
 *
 * @example
 *   const result = await runJob(deps, { job, signal, save, onState, cancelRequested: () => false })
 *   if (result.kind === 'final') deliver(result.state)
 */
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
  lang: Lang
}

export interface JobDriver {
  job: ResearchJob
  /** Aborted by stop() or a lost lock: the runner returns `stopped` and the job stays as saved. */
  signal: AbortSignal
  save(change: (job: ResearchJob) => ResearchJob): Promise<unknown>
  onState(state: AnswerState): void
  /** Cancel was pressed before the response id was known. */
  cancelRequested(): boolean
}

export type RunResult =
  | { kind: 'final'; state: AnswerState }
  /** Nothing was created upstream (the caller gives the reserved run back). */
  | { kind: 'start_failed'; error: unknown }
  | { kind: 'stopped' }
  /** The request may have been sent but its response id was never saved: nothing to follow. */
  | { kind: 'lost' }

const FINAL_STATUSES = new Set(['completed', 'incomplete', 'failed', 'cancelled'])

/** Statuses the client makes up when a stream ends early; the run itself goes on. */
const LOCAL_ENDINGS = new Set(['stream_ended', 'timeout', 'aborted'])

export function researchRequest(job: ResearchJob, maxToolCalls: number): ResponsesRequest {
  return {
    model: job.model,
    input: job.question,
    background: true,
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
      return await follow(deps, driver, tracker, started.state, started.streaming)
    }
    // Sent, but the process died before the response id was saved: it is never sent again.
    if (job.responseId === undefined) return { kind: 'lost' }
    const state: AnswerState = {
      ...initialState(),
      responseId: job.responseId as string,
      lastSequence: job.lastSequence,
      searches: job.searches,
    }
    return await follow(deps, driver, tracker, state, job.streaming)
  } finally {
    await tracker.flush()
  }
}

type Started =
  | { kind: 'started'; state: AnswerState; streaming: boolean }
  | Exclude<RunResult, { kind: 'final' }>

async function start(deps: RunnerDeps, driver: JobDriver, tracker: Tracker): Promise<Started> {
  const { client, log } = deps
  const { signal } = driver
  const req = researchRequest(driver.job, deps.maxToolCalls)
  // Written before the request: a restart from here on never sends it again.
  try {
    await driver.save((job) => ({ ...job, status: 'starting', startedAt: deps.clock.now() }))
  } catch (error) {
    return { kind: 'start_failed', error }
  }
  if (signal.aborted) {
    // Nothing was sent yet: leave it waiting, for this process or another, after a restart.
    await tracker.save(({ startedAt: _startedAt, ...job }) => ({ ...job, status: 'queued' }))
    return { kind: 'stopped' }
  }
  let state: AnswerState
  let streaming = true
  try {
    state = await client.run(req, { signal, onEvent: tracker.onEvent, onState: tracker.onState })
  } catch (error) {
    if (signal.aborted) return { kind: 'stopped' }
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
    return { kind: 'start_failed', error: new HeraldError('stream', 'the AI service sent no response id') }
  }
  // A relay that answers a streamed background request with JSON cannot stream it later either.
  if (tracker.takeEvents() === 0 && !isFinal(state)) streaming = false
  if (!streaming) await tracker.save((job) => ({ ...job, streaming: false }))
  return { kind: 'started', state, streaming }
}

async function follow(
  deps: RunnerDeps,
  driver: JobDriver,
  tracker: Tracker,
  initial: AnswerState,
  initialStreaming: boolean,
): Promise<RunResult> {
  const { client, clock } = deps
  const { signal } = driver
  const id = initial.responseId as string
  let state = initial
  let streaming = initialStreaming
  let delay = deps.pollMs
  const failed = (error: unknown): RunResult => ({
    kind: 'final',
    state: failedState(state, error, deps.lang),
  })
  const pause = async (ms: number) => {
    try {
      await clock.sleep(ms, signal)
    } catch {}
  }
  for (;;) {
    if (tracker.terminal) return { kind: 'final', state: wholeState(state, tracker.terminal) }
    if (isFinal(state) && !LOCAL_ENDINGS.has(state.incompleteReason ?? '')) return { kind: 'final', state }
    if (signal.aborted) return { kind: 'stopped' }
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
        if (!transient(error)) return failed(error)
      }
      if (progressed) delay = deps.pollMs
      else {
        await pause(delay)
        delay = Math.min(deps.maxPollMs, delay * 2)
      }
      if (signal.aborted) return { kind: 'stopped' }
      try {
        state = await client.retrieveStream(id, state.lastSequence, {
          state: reopened(state),
          signal,
          onEvent: tracker.onEvent,
          onState: tracker.onState,
        })
      } catch (error) {
        if (signal.aborted) return { kind: 'stopped' }
        if (refusesStreaming(error)) {
          streaming = false
          await tracker.save((job) => ({ ...job, streaming: false }))
        } else if (!transient(error)) return failed(error)
      }
      continue
    }
    await pause(delay)
    if (signal.aborted) return { kind: 'stopped' }
    try {
      const now = stateFromResponse(await client.retrieve(id, { signal }), state.lastSequence)
      const changed = now.status !== state.status || now.searches.length !== state.searches.length
      state = now
      tracker.onState(state)
      delay = changed ? deps.pollMs : Math.min(deps.maxPollMs, Math.round(delay * 1.5))
    } catch (error) {
      if (signal.aborted) return { kind: 'stopped' }
      if (!transient(error)) return failed(error)
      delay = Math.min(deps.maxPollMs, delay * 2)
    }
  }
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
function failedState(state: AnswerState, error: unknown, lang: Lang): AnswerState {
  const kind = error instanceof HeraldError ? error.kind : 'server'
  return { ...state, status: 'failed', error: { code: kind, message: userMessage(kind, lang) } }
}

function refusesStreaming(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.kind === 'bad_request' &&
    (error.param === 'stream' || /\bstream/i.test(error.message))
  )
}

function transient(error: unknown): boolean {
  if (isRetryable(error)) return true
  return (
    error instanceof HeraldError &&
    (error.kind === 'timeout' || error.kind === 'network' || error.kind === 'stream')
  )
}
