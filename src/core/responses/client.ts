import { Agent, type Dispatcher, request } from 'undici'
import { type Clock, systemClock } from '../contracts/clock.ts'
import { type ErrorKind, HeraldError } from '../contracts/errors.ts'
import { type Logger, silentLogger } from '../contracts/log.ts'
import { AnswerStream, readJsonBody } from './answer-stream.ts'
import { CallDeadline, type OpenedCall } from './call-deadline.ts'
import { isPushBack, rateLimitHeaders, type UpstreamSignal } from './concurrency.ts'
import { UpstreamError } from './errors.ts'
import type { ResponseObject, StreamEvent } from './events.ts'
import type { ResponsesRequest } from './request.ts'
import { withRetries } from './retry.ts'
import { type AnswerState, initialState } from './state.ts'

/**
 * The Responses API client. `run` streams one answer and resolves with its final state; every
 * folded state on the way goes to `onState` (the live message keeps only the newest).
 *
 * How a call ends:
 * - Nothing received yet (error status, unreachable, no first byte in `firstByteMs`): it throws an
 *   `UpstreamError`, `ConnectionError` or `UpstreamTimeoutError`, after retries (see retry.ts;
 *   never for `background: true`).
 * - Once an event arrived it always resolves: a stream cut before its terminal event gives status
 *   'incomplete' with `incompleteReason` 'stream_ended'; no data for `idleMs` gives 'timeout'. The
 *   text so far is kept.
 * - The caller's `signal` aborting resolves (at any point) with the state so far, status
 *   'incomplete' and `incompleteReason` 'aborted'; the connection is closed.
 * - A JSON answer (a relay that does not stream) is read as a Response or a Chat Completions body.
 *
 * @example
 *   const client = createResponsesClient({ baseUrl: 'https://api.openai.com/v1', apiKey })
 *   const final = await client.run({ model, input: 'Hi' }, { signal, onState: (s) => lane.offer(render(s)) })
 */
export interface ResponsesClientOptions {
  /** Ends in /v1, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  apiKey: string
  clock?: Clock
  maxRetries?: number
  timeouts?: Partial<Timeouts>
  log?: Logger
  /** In [0, 1): the retry jitter. */
  random?: () => number
  /** Replaces the client's own Agent (which then is not created and not closed). */
  dispatcher?: Dispatcher
  /** Called for every malformed stream event skipped (for metrics). */
  onMalformedEvent?: () => void
  /** Called for every error that is retried, with its kind (for metrics). */
  onRetry?: (kind: ErrorKind) => void
  /** How the endpoint took each request: answered, or pushed back (the adaptive concurrency limit). */
  onUpstreamSignal?: (signal: UpstreamSignal) => void
}

export interface Timeouts {
  /** TCP + TLS connect, enforced by the undici Agent. */
  connectMs: number
  /** From sending the request to the first byte of the answer's body. */
  firstByteMs: number
  /** The longest gap between two chunks of a stream (long silent reasoning must fit). */
  idleMs: number
}

export const defaultTimeouts: Timeouts = { connectMs: 10_000, firstByteMs: 120_000, idleMs: 90_000 }

export interface RunOptions {
  signal?: AbortSignal
  /** Each new state, after every event (and once more when the end is not a terminal event). */
  onState?: (state: AnswerState) => void
  /** Each event as parsed, before folding (logging, resume bookkeeping). */
  onEvent?: (event: StreamEvent) => void
  /**
   * This stream's own silence limit, instead of `timeouts.idleMs` (deep research can be silent for
   * minutes); it also bounds the wait for the first byte when longer than `timeouts.firstByteMs`.
   */
  idleMs?: number
  /** Sent at most once, never retried (a paid request: a retry could run it twice). */
  once?: boolean
}

export interface ResumeOptions extends RunOptions {
  /** The state folded so far; events continue on it. */
  state?: AnswerState
}

export interface CallOptions {
  signal?: AbortSignal
}

export interface ResponsesClient {
  /** POST /responses with `stream: true`, folded; see the interface doc for how it ends. */
  run(req: ResponsesRequest, options?: RunOptions): Promise<AnswerState>
  /** GET /responses/{id}?stream=true&starting_after=N: resumes a background stream after event N. */
  retrieveStream(id: string, startingAfter: number, options?: ResumeOptions): Promise<AnswerState>
  /** POST /responses without streaming (background requests: returns the queued Response). */
  create(req: ResponsesRequest, options?: CallOptions): Promise<ResponseObject>
  /** GET /responses/{id}: the current Response (polling a background run). */
  retrieve(id: string, options?: CallOptions): Promise<ResponseObject>
  /** POST /responses/{id}/cancel. */
  cancel(id: string, options?: CallOptions): Promise<ResponseObject>
  /** Closes the client's own connection pool. */
  close(): Promise<void>
}

interface Call {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  retries: number
  stream: boolean
  signal: AbortSignal | undefined
  /** The call's own silence limit (first byte and between chunks), when not the client's. */
  idleMs?: number | undefined
}

export function createResponsesClient(options: ResponsesClientOptions): ResponsesClient {
  const clock = options.clock ?? systemClock
  const log = options.log ?? silentLogger
  const random = options.random ?? Math.random
  const maxRetries = options.maxRetries ?? 2
  const timeouts: Timeouts = { ...defaultTimeouts, ...options.timeouts }
  const ownAgent = options.dispatcher ? undefined : new Agent({ connect: { timeout: timeouts.connectMs } })
  const dispatcher = options.dispatcher ?? (ownAgent as Agent)
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const context = { baseUrl: options.baseUrl, secrets: [options.apiKey] }

  /** One call: opens it (with retries) under the first-byte deadline, then hands it to `read`. */
  async function perform<T>(call: Call, read: (opened: OpenedCall) => Promise<T>): Promise<T> {
    const deadline = new CallDeadline(clock, call.signal, {
      firstByteMs: Math.max(timeouts.firstByteMs, call.idleMs ?? 0),
      idleMs: call.idleMs ?? timeouts.idleMs,
    })
    const open = async () => {
      const signal = deadline.startAttempt()
      const sentAt = clock.now()
      try {
        const response = await request(`${baseUrl}${call.path}`, {
          method: call.method,
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            accept: call.stream ? 'text/event-stream' : 'application/json',
            'user-agent': 'herald',
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: call.body === undefined ? null : JSON.stringify(call.body),
          signal,
          dispatcher,
          headersTimeout: 0,
          bodyTimeout: 0,
        })
        if (response.statusCode < 400) {
          options.onUpstreamSignal?.({ kind: 'ok', sentAt, ...rateLimitHeaders(response.headers) })
          return response
        }
        const text = await response.body.text()
        throw UpstreamError.from(response.statusCode, text, response.headers, {
          ...context,
          now: clock.now(),
        })
      } catch (error) {
        deadline.attemptFailed()
        if (isPushBack(error)) {
          const retryAfterMs = error.retryAfterMs
          options.onUpstreamSignal?.({
            kind: 'push_back',
            sentAt,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          })
        }
        throw deadline.translate(error)
      }
    }
    try {
      if (call.signal?.aborted) throw deadline.translate(call.signal.reason)
      const response = await withRetries(open, {
        maxRetries: call.retries,
        clock,
        random,
        ...(call.signal ? { signal: call.signal } : {}),
        onRetry: ({ attempt, delayMs, error }) => {
          log.warn({ path: call.path, kind: error.kind, attempt, delayMs }, 'retrying OpenAI call')
          options.onRetry?.(error.kind)
        },
      }).catch((error: unknown) => {
        throw deadline.translate(error)
      })
      return await read({ response, deadline })
    } finally {
      deadline.close()
    }
  }

  /** Folds an SSE (or JSON) answer onto `initial`; see the interface doc for how it ends. */
  async function streamCall(call: Call, initial: AnswerState, runOptions: RunOptions, fresh: boolean) {
    const answer = new AnswerStream({
      initial,
      fresh,
      idleMs: call.idleMs ?? timeouts.idleMs,
      onState: runOptions.onState,
      onEvent: runOptions.onEvent,
      onMalformedEvent: options.onMalformedEvent,
      log,
    })
    try {
      return await perform(call, (opened) => answer.read(opened))
    } catch (error) {
      if (!(error instanceof HeraldError && error.kind === 'aborted')) throw error
      return answer.aborted()
    }
  }

  const jsonCall = (call: Call) => perform(call, readJsonBody)
  const responsePath = (id: string) => `/responses/${encodeURIComponent(id)}`

  return {
    run(req, runOptions = {}) {
      const call: Call = {
        method: 'POST',
        path: '/responses',
        body: { ...req, stream: true },
        retries: req.background || runOptions.once ? 0 : maxRetries,
        stream: true,
        signal: runOptions.signal,
        idleMs: runOptions.idleMs,
      }
      return streamCall(call, initialState(), runOptions, true)
    },
    retrieveStream(id, startingAfter, resumeOptions = {}) {
      const call: Call = {
        method: 'GET',
        path: `${responsePath(id)}?stream=true&starting_after=${startingAfter}`,
        retries: maxRetries,
        stream: true,
        signal: resumeOptions.signal,
        idleMs: resumeOptions.idleMs,
      }
      const state = resumeOptions.state ?? { ...initialState(), responseId: id }
      return streamCall(call, { ...state, lastSequence: startingAfter }, resumeOptions, false)
    },
    create(req, callOptions = {}) {
      const body = { ...req, stream: false }
      const retries = req.background ? 0 : maxRetries
      return jsonCall({
        method: 'POST',
        path: '/responses',
        body,
        retries,
        stream: false,
        signal: callOptions.signal,
      })
    },
    retrieve(id, callOptions = {}) {
      return jsonCall({
        method: 'GET',
        path: responsePath(id),
        retries: maxRetries,
        stream: false,
        signal: callOptions.signal,
      })
    },
    cancel(id, callOptions = {}) {
      const path = `${responsePath(id)}/cancel`
      return jsonCall({ method: 'POST', path, retries: 0, stream: false, signal: callOptions.signal })
    },
    async close() {
      await ownAgent?.close()
    },
  }
}
