import type { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import type { OpenedCall } from './call-deadline.ts'
import { ConnectionError, header, UpstreamError } from './errors.ts'
import type { ResponseObject, StreamEvent } from './events.ts'
import { finishUnterminated, fold, stateFromResponse } from './fold.ts'
import { readResponseBody } from './response-body.ts'
import { createStreamEventParser, type StreamEventParser } from './sse.ts'
import { type AnswerState, isFinal } from './state.ts'

/** After the terminal event, how long the server may keep the stream open before we close it. */
const TERMINAL_GRACE_MS = 2_000

export interface AnswerStreamInit {
  /** The state folded so far; events numbered at or before its `lastSequence` are skipped. */
  initial: AnswerState
  /** A new answer rather than a resumed one: ending before any event is an error, not a cut. */
  fresh: boolean
  /** The longest silence between two chunks. */
  idleMs: number
  /** Each new state, after every event (and once more when the end is not a terminal event). */
  onState?: ((state: AnswerState) => void) | undefined
  /** Each event as parsed, before folding. */
  onEvent?: ((event: StreamEvent) => void) | undefined
  /** Each malformed event skipped (for metrics). */
  onMalformedEvent?: (() => void) | undefined
  log: Logger
}

/**
 * One streamed answer folded onto a state, read from an opened call: SSE events through the parser
 * and the fold, or a whole JSON body from a relay that does not stream. Once an event arrived it
 * always resolves: a cut stream ends 'incomplete' with `incompleteReason` 'stream_ended', silence
 * past `idleMs` with 'timeout', the caller's abort with 'aborted', keeping the text so far.
 *
 * @example
 *   const answer = new AnswerStream({ initial: initialState(), fresh: true, idleMs, log, onState })
 *   const final = await answer.read(opened)   // or answer.aborted() when the call was aborted first
 */
export class AnswerStream {
  private readonly init: AnswerStreamInit
  private readonly after: number
  private state: AnswerState
  private events = 0

  constructor(init: AnswerStreamInit) {
    this.init = init
    this.after = init.initial.lastSequence
    this.state = init.initial
  }

  /** Reads the answer to its end and resolves with the final state. */
  async read(opened: OpenedCall): Promise<AnswerState> {
    if ((header(opened.response.headers, 'content-type') ?? '').includes('json')) {
      this.publish(stateFromResponse(await readJsonBody(opened), this.state.lastSequence))
      return this.state
    }
    const parser = this.parser()
    const failure = await this.pump(opened, parser)
    return this.end(parser, failure)
  }

  /** The call was aborted by the caller: the state so far, ended 'aborted'. */
  aborted(): AnswerState {
    this.publish(finishUnterminated(this.state, 'aborted'))
    return this.state
  }

  private parser(): StreamEventParser {
    const { log, onMalformedEvent } = this.init
    return createStreamEventParser({
      onEvent: (event) => this.onEvent(event),
      onUnknown: (type) => log.debug({ type }, 'unknown stream event skipped'),
      onMalformed: (data) => {
        log.debug({ data: data.slice(0, 200) }, 'malformed stream event skipped')
        onMalformedEvent?.()
      },
    })
  }

  /** Every event passes here: keep this path to one fold and one publish. */
  private onEvent(event: StreamEvent): void {
    // A resumed stream may repeat events the state already holds.
    if (event.sequence_number <= this.after) return
    this.events++
    this.init.onEvent?.(event)
    this.publish(fold(this.state, event))
  }

  private publish(next: AnswerState): void {
    if (next === this.state) return
    this.state = next
    this.init.onState?.(next)
  }

  /**
   * Feeds the body to the parser until it ends, moving the deadline with every chunk: the idle
   * limit while the answer runs, a short grace once it is final (a server may hold the stream
   * open after the terminal event). Resolves with what cut the body short, if anything.
   */
  private async pump(opened: OpenedCall, parser: StreamEventParser): Promise<HeraldError | undefined> {
    const { response, deadline } = opened
    const chunks: AsyncIterator<Buffer> = response.body[Symbol.asyncIterator]()
    try {
      for (;;) {
        let next: IteratorResult<Buffer>
        try {
          next = await chunks.next()
        } catch (error) {
          return deadline.translate(error)
        }
        if (next.done) {
          parser.end()
          return undefined
        }
        parser.feed(next.value)
        deadline.arm(isFinal(this.state) ? TERMINAL_GRACE_MS : this.init.idleMs)
      }
    } finally {
      response.body.destroy()
    }
  }

  /**
   * How the body's end reads: a new answer that failed or ended before any event throws (nothing
   * was received, so the caller sees an error, not an empty answer); anything else resolves, a
   * stream without its terminal event marked with why it stopped.
   */
  private end(parser: StreamEventParser, failure: HeraldError | undefined): AnswerState {
    const { fresh, log } = this.init
    const reason =
      failure?.kind === 'timeout' ? 'timeout' : failure?.kind === 'aborted' ? 'aborted' : 'stream_ended'
    if (this.events === 0 && fresh && failure && reason !== 'aborted') throw failure
    if (parser.stats.malformed > 0)
      log.warn({ malformed: parser.stats.malformed }, 'malformed stream events skipped')
    if (this.events === 0 && fresh && !isFinal(this.state))
      throw new ConnectionError('the OpenAI API stream ended before any event')
    this.publish(finishUnterminated(this.state, reason))
    return this.state
  }
}

/** Reads a whole JSON body under the call's deadline: a Response, or a Chat Completions body. */
export async function readJsonBody(opened: OpenedCall): Promise<ResponseObject> {
  let text: string
  try {
    text = await opened.response.body.text()
  } catch (error) {
    throw opened.deadline.translate(error)
  }
  let parsed: ResponseObject | undefined
  try {
    parsed = readResponseBody(JSON.parse(text))
  } catch {
    parsed = undefined
  }
  if (!parsed)
    throw new UpstreamError('server', opened.response.statusCode, 'OpenAI API answered unreadable JSON')
  return parsed
}
