import type { Clock } from '../contracts/clock.ts'
import { FormatRejected, Gone, RateLimited, SurfaceError } from '../contracts/errors.ts'
import type { MessageRef, Rendered, Surface } from '../contracts/surface.ts'

/**
 * The one write path of a message Herald keeps up to date (an answer's messages in live-message.ts,
 * a research card or progress message in kept-message.ts), run by the chat's lane: the first write
 * sends the message, later ones edit it. A 429 is thrown on to the lane, which pauses the chat.
 * Refused formatting falls back to plain text; a deleted message is gone for good; any other
 * failure backs off (the message's pace, at least 250 ms, doubled per failure, at most 30 s).
 *
 * The give-up rule: content that is final (the caller says so at the moment of the failure) is
 * given up at once when the error is not transient, and after `finalRetries` transient failures
 * otherwise; content that is not final is never given up, since newer content replaces it.
 *
 * @example
 *   const writer = new MessageWriter(surface, clock, { final: () => finishing })
 *   const message: WrittenMessage = { plain: false, failures: 0, notBefore: 0 }
 *   const result = await writer.write(message, rendered)   // { kind: 'shown' }, then message.ref is set
 */
export interface WrittenMessage {
  /** Undefined until the message is sent. */
  ref?: MessageRef | undefined
  /** What the platform shows now, as `contentKey(rendered)`. */
  shown?: string | undefined
  /** Its formatting was refused: it is written as plain text from now on. */
  plain: boolean
  /** Failed calls since the last one that worked. */
  failures: number
  /** No call before this time (the backoff after a failure). */
  notBefore: number
}

export type WriteResult = { kind: 'shown' } | WriteFailure

/** What a failed call (other than a 429) leaves of the message and its content. */
export type WriteFailure =
  /** Tried again after the message's `notBefore`. */
  | { kind: 'retry' }
  /** The format was refused: render the content again, as plain text. */
  | { kind: 'plain' }
  /** The message was deleted, or can no longer be edited. */
  | { kind: 'gone'; error: Gone }
  /** Final content the platform would not take: it counts as shown and is not tried again. */
  | { kind: 'given-up'; error: unknown }

export interface WriterOptions {
  /** Whether the content being written now is final (asked when a call fails). */
  final: () => boolean
  /** Transient failures of final content tried again before it is given up. Default 5. */
  finalRetries?: number | undefined
}

/** Backoff after a failed call: the message's pace (at least 250 ms), doubled each time, at most 30 s. */
const MIN_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 30_000

export class MessageWriter {
  private readonly surface: Surface
  private readonly clock: Clock
  private readonly final: () => boolean
  private readonly finalRetries: number

  constructor(surface: Surface, clock: Clock, options: WriterOptions) {
    this.surface = surface
    this.clock = clock
    this.final = options.final
    this.finalRetries = options.finalRetries ?? 5
  }

  /** Sends or edits the message to show `content`; a RateLimited is thrown (the lane pauses). */
  async write(message: WrittenMessage, content: Rendered): Promise<WriteResult> {
    try {
      if (message.ref) await this.surface.edit(message.ref, content)
      else message.ref = await this.surface.send(content)
    } catch (err) {
      if (err instanceof RateLimited) throw err
      return this.failed(message, content, err)
    }
    message.shown = contentKey(content)
    message.failures = 0
    message.notBefore = 0
    return { kind: 'shown' }
  }

  /** Judges a failed call (a send, an edit or a draft), by the rule above. */
  failed(message: WrittenMessage, content: Rendered, err: unknown): WriteFailure {
    if (err instanceof Gone) return { kind: 'gone', error: err }
    if (err instanceof FormatRejected && content.format !== 'plain') {
      message.plain = true
      return { kind: 'plain' }
    }
    message.failures++
    const base = Math.max(MIN_BACKOFF_MS, this.surface.pace.perMessageMs)
    message.notBefore = this.clock.now() + Math.min(MAX_BACKOFF_MS, base * 2 ** message.failures)
    const transient = err instanceof SurfaceError && err.transient
    if (!this.final() || (transient && message.failures <= this.finalRetries)) return { kind: 'retry' }
    message.shown = contentKey(content)
    message.failures = 0
    return { kind: 'given-up', error: err }
  }
}

/** What a rendered message shows, as one comparable string. */
export function contentKey(content: Rendered): string {
  return JSON.stringify([content.format, content.text, content.buttons ?? null])
}
