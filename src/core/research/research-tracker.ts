import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { ResponseObject, StreamEvent } from '../responses/events.ts'
import type { AnswerState } from '../responses/state.ts'
import type { ResearchJob } from './research-jobs.ts'

/**
 * What a research run keeps of its stream: it counts events (a stream that made progress is
 * followed again at once), remembers the terminal Response, saves the response id as soon as it is
 * known (and cancels then if cancel was pressed before), and saves progress (sequence number,
 * searches, and for a foreground run the text) now and then, all writes serialised.
 *
 * @example
 *   const tracker = createTracker(deps, driver)
 *   await client.run(req, { onEvent: tracker.onEvent, onState: tracker.onState })
 *   await tracker.flush()
 */

/** One run's view of its stream, as the runner feeds and asks it. */
export interface Tracker {
  onEvent(event: StreamEvent): void
  onState(state: AnswerState): void
  /** Events seen since the last call (and resets the count). */
  takeEvents(): number
  /** The whole Response of the terminal event, once seen. */
  readonly terminal: ResponseObject | undefined
  save(change: (job: ResearchJob) => ResearchJob): Promise<void>
  /** Saves the last progress not saved yet (a stop keeps the resume point exact) and waits for every save. */
  flush(): Promise<void>
  /** Saves the text with the progress too (a foreground run: after a restart it is all there is). */
  keepText(): void
}

/** Follows events and states: saves the response id at once, progress now and then, and cancels early asks. */
/** What the tracker needs of the runner's dependencies. */
export interface TrackerDeps {
  clock: Clock
  log: Logger
  /** The job's progress is saved at most this often while events arrive. */
  saveEveryMs: number
}

/** The job a runner drives: its record, its signals, and what it tells the runtime. */
export interface JobDriver {
  job: ResearchJob
  /** Aborted by stop() or a lost lock: the runner returns `stopped` and the job stays as saved. */
  signal: AbortSignal
  /** Aborted to cancel by closing the stream: the runner returns `closed`. */
  closeSignal: AbortSignal
  save(change: (job: ResearchJob) => ResearchJob): Promise<unknown>
  onState(state: AnswerState): void
  /** Cancel was pressed before the response id was known. */
  cancelRequested(): boolean
  /** Cancels the run upstream now that its response id is known (a press that came before it). */
  cancel(responseId: string): void
}

export function createTracker(deps: TrackerDeps, driver: JobDriver): Tracker {
  let events = 0
  let terminal: ResponseObject | undefined
  let knownId = driver.job.responseId
  let savedSequence = driver.job.lastSequence
  let savedSearches = driver.job.searches.length
  let last: AnswerState | undefined
  let savedAt = deps.clock.now()
  let withText = false
  let chain: Promise<void> = Promise.resolve()
  const save = (change: (job: ResearchJob) => ResearchJob) => {
    chain = chain
      .then(() => driver.save(change))
      .then(
        () => {},
        (err: unknown) => deps.log.warn({ err, job: driver.job.id }, 'could not save the research job'),
      )
    return chain
  }
  return {
    onEvent(event) {
      events++
      if (
        event.type === 'response.completed' ||
        event.type === 'response.incomplete' ||
        event.type === 'response.failed'
      ) {
        terminal = event.response
      }
    },
    onState(state) {
      last = state
      driver.onState(state)
      const now = deps.clock.now()
      if (state.responseId !== undefined && knownId === undefined) {
        knownId = state.responseId
        const id = state.responseId
        savedSequence = state.lastSequence
        savedAt = now
        void save((job) => ({ ...job, status: 'running', responseId: id, lastSequence: state.lastSequence }))
        if (driver.cancelRequested()) driver.cancel(id)
        return
      }
      const searches = state.searches
      const due = now - savedAt >= deps.saveEveryMs && state.lastSequence !== savedSequence
      if (searches.length !== savedSearches || due) {
        savedSequence = state.lastSequence
        savedSearches = searches.length
        savedAt = now
        void save((job) => ({
          ...job,
          lastSequence: Math.max(job.lastSequence, state.lastSequence),
          searches,
          ...(withText ? { text: state.text } : {}),
        }))
      }
    },
    takeEvents() {
      const n = events
      events = 0
      return n
    },
    get terminal() {
      return terminal
    },
    save,
    async flush() {
      const state = last
      if (knownId !== undefined && state && state.lastSequence > savedSequence) {
        savedSequence = state.lastSequence
        void save((job) => ({
          ...job,
          lastSequence: Math.max(job.lastSequence, state.lastSequence),
          searches: state.searches,
          ...(withText ? { text: state.text } : {}),
        }))
      }
      await chain
    },
    keepText() {
      withText = true
    },
  }
}
