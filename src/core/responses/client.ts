import { type Dispatcher, request } from 'undici'
import type { Clock } from '../contracts/clock.ts'
import { type ErrorKind, HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import { AnswerStream, readJsonBody } from './answer-stream.ts'
import { CallDeadline, type OpenedCall } from './call-deadline.ts'
import { isPushBack, rateLimitHeaders, type UpstreamSignal } from './concurrency.ts'
import type { ResponseObject, StreamEvent } from './events.ts'
import type { ResponsesRequest } from './request.ts'
import { withRetries } from './retry.ts'
import { type AnswerState, initialState } from './state.ts'
import { UpstreamEndpoint } from './upstream-endpoint.ts'

/** What `createResponsesClient` needs; everything but the address and the key has a default. */
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

/** One request to the API, as a public method describes it; `perform` runs it. */
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

/** The client over its own connection pool (or the given dispatcher); see `ResponsesClient`. */
export function createResponsesClient(options: ResponsesClientOptions): ResponsesClient {
  const client = new ResponsesApiClient(options)
  return {
    run: (req, runOptions) => client.run(req, runOptions),
    retrieveStream: (id, startingAfter, resumeOptions) =>
      client.retrieveStream(id, startingAfter, resumeOptions),
    create: (req, callOptions) => client.create(req, callOptions),
    retrieve: (id, callOptions) => client.retrieve(id, callOptions),
    cancel: (id, callOptions) => client.cancel(id, callOptions),
    close: () => client.close(),
  }
}

const responsePath = (id: string) => `/responses/${encodeURIComponent(id)}`

/**
 * The client behind `createResponsesClient`. Each public method describes a `Call`; `perform`
 * opens it with retries under a `CallDeadline` (call-deadline.ts) and hands the answer to its
 * reader: an `AnswerStream` for a stream (answer-stream.ts), `readJsonBody` for JSON. The key,
 * the pool, error statuses and the retry policy are the `UpstreamEndpoint`'s (upstream-endpoint.ts).
 */
class ResponsesApiClient {
  private readonly options: ResponsesClientOptions
  private readonly upstream: UpstreamEndpoint
  private readonly clock: Clock
  private readonly log: Logger
  private readonly maxRetries: number
  private readonly timeouts: Timeouts

  constructor(options: ResponsesClientOptions) {
    this.options = options
    this.maxRetries = options.maxRetries ?? 2
    this.timeouts = { ...defaultTimeouts, ...options.timeouts }
    this.upstream = new UpstreamEndpoint({ ...options, connectMs: this.timeouts.connectMs })
    this.clock = this.upstream.clock
    this.log = this.upstream.log
  }

  run(req: ResponsesRequest, options: RunOptions = {}): Promise<AnswerState> {
    const call: Call = {
      method: 'POST',
      path: '/responses',
      body: { ...req, stream: true },
      // A retry of a background or `once` request could start a second paid run.
      retries: req.background || options.once ? 0 : this.maxRetries,
      stream: true,
      signal: options.signal,
      idleMs: options.idleMs,
    }
    return this.stream(call, initialState(), options, true)
  }

  retrieveStream(id: string, startingAfter: number, options: ResumeOptions = {}): Promise<AnswerState> {
    const call: Call = {
      method: 'GET',
      path: `${responsePath(id)}?stream=true&starting_after=${startingAfter}`,
      retries: this.maxRetries,
      stream: true,
      signal: options.signal,
      idleMs: options.idleMs,
    }
    const state = options.state ?? { ...initialState(), responseId: id }
    return this.stream(call, { ...state, lastSequence: startingAfter }, options, false)
  }

  create(req: ResponsesRequest, options: CallOptions = {}): Promise<ResponseObject> {
    const call: Call = {
      method: 'POST',
      path: '/responses',
      body: { ...req, stream: false },
      retries: req.background ? 0 : this.maxRetries,
      stream: false,
      signal: options.signal,
    }
    return this.perform(call, readJsonBody)
  }

  retrieve(id: string, options: CallOptions = {}): Promise<ResponseObject> {
    const call: Call = {
      method: 'GET',
      path: responsePath(id),
      retries: this.maxRetries,
      stream: false,
      signal: options.signal,
    }
    return this.perform(call, readJsonBody)
  }

  cancel(id: string, options: CallOptions = {}): Promise<ResponseObject> {
    const call: Call = {
      method: 'POST',
      path: `${responsePath(id)}/cancel`,
      retries: 0,
      stream: false,
      signal: options.signal,
    }
    return this.perform(call, readJsonBody)
  }

  close(): Promise<void> {
    return this.upstream.close()
  }

  /** Folds an SSE (or JSON) answer onto `initial`; the caller's abort resolves with the state so far. */
  private async stream(call: Call, initial: AnswerState, hooks: RunOptions, fresh: boolean) {
    const answer = new AnswerStream({
      initial,
      fresh,
      idleMs: call.idleMs ?? this.timeouts.idleMs,
      onState: hooks.onState,
      onEvent: hooks.onEvent,
      onMalformedEvent: this.options.onMalformedEvent,
      log: this.log,
    })
    try {
      return await this.perform(call, (opened) => answer.read(opened))
    } catch (error) {
      if (!(error instanceof HeraldError && error.kind === 'aborted')) throw error
      return answer.aborted()
    }
  }

  /** One call: opens it (with retries) under the first-byte deadline, then hands it to `read`. */
  private async perform<T>(call: Call, read: (opened: OpenedCall) => Promise<T>): Promise<T> {
    const deadline = new CallDeadline(this.clock, call.signal, {
      // A call's own long silence limit also covers the wait for its first byte.
      firstByteMs: Math.max(this.timeouts.firstByteMs, call.idleMs ?? 0),
      idleMs: call.idleMs ?? this.timeouts.idleMs,
    })
    try {
      if (call.signal?.aborted) throw deadline.translate(call.signal.reason)
      // Only the opening is retried; the caller's signal ends the waits.
      const retries = this.upstream.retryPolicy(call.path, call.retries, call.signal)
      const response = await withRetries(() => this.attempt(call, deadline), retries).catch(
        (error: unknown) => {
          throw deadline.translate(error)
        },
      )
      return await read({ response, deadline })
    } finally {
      deadline.close()
    }
  }

  /**
   * One attempt, under its own first-byte deadline: an answer below 400 is returned, an error
   * status is read into an UpstreamError. Either way the endpoint's signal goes to the
   * concurrency limit.
   */
  private async attempt(call: Call, deadline: CallDeadline): Promise<Dispatcher.ResponseData> {
    const signal = deadline.startAttempt()
    const sentAt = this.clock.now()
    try {
      const response = await this.send(call, signal)
      if (response.statusCode < 400) {
        this.options.onUpstreamSignal?.({ kind: 'ok', sentAt, ...rateLimitHeaders(response.headers) })
        return response
      }
      throw await this.upstream.readError(response)
    } catch (error) {
      deadline.attemptFailed()
      if (isPushBack(error)) this.pushedBack(sentAt, error.retryAfterMs)
      throw deadline.translate(error)
    }
  }

  private send(call: Call, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const accept = call.stream ? 'text/event-stream' : 'application/json'
    return request(this.upstream.url(call.path), {
      method: call.method,
      headers: this.upstream.headers(call.body === undefined ? 'none' : 'json', accept),
      body: call.body === undefined ? null : JSON.stringify(call.body),
      signal,
      dispatcher: this.upstream.dispatcher,
      // The call's own deadlines (CallDeadline) rule, on the injected clock.
      headersTimeout: 0,
      bodyTimeout: 0,
    })
  }

  private pushedBack(sentAt: number, retryAfterMs: number | undefined): void {
    this.options.onUpstreamSignal?.({
      kind: 'push_back',
      sentAt,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
}
