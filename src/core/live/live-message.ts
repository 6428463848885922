import type { Clock } from '../contracts/clock.ts'
import type { Gone } from '../contracts/errors.ts'
import type { Button, MessageRef, Rendered, Surface } from '../contracts/surface.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import {
  clip,
  composeMessage,
  englishLabels,
  fitReasoning,
  fitSources,
  type LiveTranslate,
  type MessageParts,
  reasonLine,
  statusLabel,
} from './compose.ts'
import { AnswerDrafts, type DraftMode, type DraftState, isDraftRefusal } from './draft.ts'
import { formatFor, type MessageFormat, plainFormat } from './format.ts'
import { contentKey, MessageWriter, type WriteFailure, type WrittenMessage } from './message-writer.ts'
import type { Lane, LaneCall, LaneRegistry, LaneTask } from './scheduler.ts'
import { type Chunk, type Place, splitForLimit, splitNearEnd } from './split.ts'
import { keepTyping } from './typing.ts'

/**
 * One answer on a Surface, edited in place at the platform's pace: `update` with every new state
 * (it never waits), `finish` with the last one. Past the limit the answer continues in new
 * messages; the final state always lands, unless a message is gone (deleted), which stops the
 * engine and calls `onGone` so the caller can abort the upstream stream. Where the surface has
 * drafts, the message being written can stream as a draft and be sent once, finished (draft.ts).
 *
 * @example
 *   const live = createLiveMessage({ surface, lanes, options: { buttons: [stop], onGone: () => ac.abort() } })
 *   for await (const event of stream) live.update((state = fold(state, event)))
 *   const result = await live.finish(state)   // { outcome: 'delivered', messages: [{ ref, text }] }
 */
export interface LiveOptions {
  /** Keep the reasoning summary, collapsed, above the answer (the chat's setting). Default false. */
  showReasoning?: boolean
  /** The words the message writes itself (status, sources title, the reason line). Default English. */
  t?: LiveTranslate
  /** Buttons under the streaming message (e.g. Stop); removed at the end. */
  buttons?: Button[]
  /** Buttons the last message keeps at the end. Default none. */
  finalButtons?: Button[]
  /** Send a placeholder (status and cursor) at once rather than wait for the first text. Default true. */
  placeholder?: boolean
  /**
   * Send nothing when the answer ends without text and nothing was sent (the answer is a picture):
   * no "empty answer" line. A reason line (failed, stopped) is still shown. Default false.
   */
  quietWhenEmpty?: boolean
  /** Repeat the typing indicator this often while streaming, where the surface has one; 0 turns it off. */
  typingEveryMs?: number
  /** Shown after the text while it streams. Default ' ▍'. */
  cursor?: string
  /** Called once when a message of the answer is gone (deleted, or no longer editable). */
  onGone?: (err: Gone) => void
  /** Retries of a final render after transient errors. Default 5. */
  finalRetries?: number
  /** How much of a message the collapsed reasoning may take. Default a quarter of the limit, at most 1000. */
  reasoningLength?: number
  /** Stream as a draft where the surface has one (draft.ts). Default 'without-buttons'. */
  drafts?: DraftMode
}

export interface LiveResult {
  /** The messages the answer used, in order, with the part of the answer (its Markdown) each holds. */
  messages: Array<{ ref: MessageRef; text: string }>
  /** delivered: the final state is shown; gone: a message was deleted; failed: a final call failed for good. */
  outcome: 'delivered' | 'gone' | 'failed'
  error?: unknown
}

export interface LiveMessage {
  /** Offers the newest state; returns at once. Ignored after `finish` or once gone. */
  update(state: AnswerState): void
  /** Renders the final state (cursor and status removed, sources and reason added) and resolves when it is shown. */
  finish(state: AnswerState): Promise<LiveResult>
  readonly gone: boolean
  /** Aborted (with the Gone error) when a message of the answer is gone: pass it to the upstream request. */
  readonly signal: AbortSignal
  /** Messages sent so far. */
  readonly refs: readonly MessageRef[]
}

export interface LiveMessageInit {
  surface: Surface
  lanes: LaneRegistry
  /** Defaults to the registry's clock. */
  clock?: Clock
  options?: LiveOptions
}

export function createLiveMessage(init: LiveMessageInit): LiveMessage {
  const engine = new LiveEngine(init)
  return {
    update: (state) => engine.update(state),
    finish: (state) => engine.finish(state),
    get gone() {
      return engine.goneSignal.signal.aborted
    },
    get signal() {
      return engine.goneSignal.signal
    },
    get refs() {
      return engine.refs()
    },
  }
}

/** Posts a long static text (a report, a help page) through the same splitting and lane. */
export function postText(
  surface: Surface,
  lanes: LaneRegistry,
  markdown: string,
  options: LiveOptions = {},
): Promise<LiveResult> {
  const live = createLiveMessage({
    surface,
    lanes,
    options: { placeholder: false, typingEveryMs: 0, ...options },
  })
  return live.finish({
    ...initialState(),
    status: 'completed',
    activity: { kind: 'writing' },
    text: markdown,
  })
}

/** One message of the answer: its piece of the answer, and how writing it goes (message-writer.ts). */
interface Slot extends WrittenMessage {
  chunk: Chunk
  /** Finalised while the answer streams: its piece of the answer is fixed for good. */
  frozen: boolean
  /** Its render while the answer streams (messages finalised are not edited again until the final state). */
  settled?: Rendered | undefined
  /** Where the answer's text ended in the content last shown (for the early rollover). */
  shownEnd?: number
  /** Its preview while it is written, when the answer drafts. */
  draft?: DraftState
}

class LiveEngine implements LaneTask {
  readonly goneSignal = new AbortController()
  private readonly surface: Surface
  private readonly clock: Clock
  private readonly lane: Lane
  private readonly format: MessageFormat
  private readonly options: LiveOptions
  private readonly t: LiveTranslate
  private readonly reasoningLength: number
  private readonly typingStop = new AbortController()
  private readonly drafts: AnswerDrafts
  private readonly writer: MessageWriter
  private readonly slots: Slot[] = []
  private latest = initialState()
  private final: AnswerState | undefined
  private memo: { state: AnswerState; final: boolean; version: number; plan: Rendered[] } | undefined
  private version = 0
  private result: LiveResult | undefined
  private resolve: ((result: LiveResult) => void) | undefined
  private readonly settled: Promise<LiveResult>

  constructor(init: LiveMessageInit) {
    this.surface = init.surface
    this.clock = init.clock ?? init.lanes.clock
    this.lane = init.lanes.lane(init.surface)
    this.format = formatFor(init.surface.format)
    this.options = init.options ?? {}
    this.t = this.options.t ?? englishLabels
    this.reasoningLength = this.options.reasoningLength ?? Math.min(1000, Math.floor(this.surface.limit / 4))
    this.drafts = new AnswerDrafts(this.surface, this.clock, this.options, () => this.lane.offer(this))
    this.writer = new MessageWriter(this.surface, this.clock, {
      final: () => this.final !== undefined,
      finalRetries: this.options.finalRetries,
    })
    this.settled = new Promise((resolve) => {
      this.resolve = resolve
    })
    if (this.options.placeholder !== false) this.lane.offer(this)
    const typingEveryMs = this.options.typingEveryMs ?? 4500
    if (this.surface.typing && typingEveryMs > 0) {
      void keepTyping(this.surface, this.lane, this.clock, typingEveryMs, this.typingStop.signal)
    }
  }

  update(state: AnswerState): void {
    if (this.result || this.final) return
    this.latest = state
    this.lane.offer(this)
  }

  finish(state: AnswerState): Promise<LiveResult> {
    if (!this.final && !this.result) {
      this.final = state
      this.typingStop.abort()
      this.drafts.stop()
      this.lane.offer(this, true)
    }
    return this.settled
  }

  refs(): MessageRef[] {
    return this.slots.flatMap((slot) => (slot.ref ? [slot.ref] : []))
  }

  /** The lane's question: the first message whose shown content differs from the newest plan. */
  next(): LaneCall | undefined {
    try {
      return this.nextCall()
    } catch (err) {
      // A bug, not a platform answer: end the answer rather than leave `finish` waiting.
      this.settle('failed', err)
      throw err
    }
  }

  private nextCall(): LaneCall | undefined {
    if (this.result) return undefined
    const state = this.final ?? this.latest
    if (this.final && this.options.quietWhenEmpty && this.nothingToSay(this.final)) {
      this.settle('delivered')
      return undefined
    }
    if (
      !this.final &&
      this.options.placeholder === false &&
      this.slots.length === 0 &&
      state.text.trim() === ''
    ) {
      return undefined
    }
    const plan = this.plan(state)
    for (let i = 0; i < plan.length; i++) {
      const slot = this.slots[i]!
      const content = plan[i]!
      const end = slot.chunk.end
      if (this.drafts.active && !this.final && !slot.frozen && !slot.ref) {
        const done = () => Object.assign(slot, { shownEnd: end, failures: 0, notBefore: 0 })
        const call = this.drafts.call(slot, content, contentKey(content), done, (err) =>
          this.draftFailed(slot, content, err),
        )
        if (call) return call
        continue
      }
      if (slot.shown === contentKey(content)) continue
      return {
        messageId: slot.ref?.id,
        final: this.final !== undefined,
        notBefore: slot.notBefore,
        run: () => this.write(slot, content, end),
      }
    }
    if (this.final) this.settle('delivered')
    return undefined
  }

  private nothingToSay(state: AnswerState): boolean {
    return (
      this.slots.every((slot) => !slot.ref) &&
      state.text.trim() === '' &&
      reasonLine(state, this.t) === undefined
    )
  }

  private plan(state: AnswerState): Rendered[] {
    const final = this.final !== undefined
    const memo = this.memo
    if (memo && memo.state === state && memo.final === final && memo.version === this.version)
      return memo.plan
    const frozen = this.slots.filter((slot) => slot.frozen).length
    const from = frozen > 0 ? this.slots[frozen - 1]!.chunk.end : 0
    let chunks =
      frozen === 0 && state.text.trim() === ''
        ? [{ start: 0, end: state.text.length, markdown: state.text }]
        : splitForLimit(state.text, {
            limit: this.surface.limit,
            measure: (md, place) => this.measure(md, place, state, final),
            from,
            first: frozen === 0,
          })
    if (!final && chunks.length === 1) chunks = this.earlyRollover(state, chunks[0]!, frozen) ?? chunks
    chunks.forEach((chunk, i) => {
      const slot = this.slots[frozen + i]
      if (slot) slot.chunk = chunk
      else this.slots.push({ chunk, frozen: false, plain: false, failures: 0, notBefore: 0 })
    })
    const last = this.slots.length - 1
    const plan = this.slots.map((slot, i) => {
      const place = { first: i === 0, last: i === last }
      if (slot.settled && !final) return slot.settled
      const rendered = this.render(slot, place, state, final)
      // While streaming, every message but the last is finalised for good.
      if (!final && i < last) {
        slot.frozen = true
        slot.settled = rendered
      }
      return rendered
    })
    this.memo = { state, final, version: this.version, plan }
    return plan
  }

  /**
   * A rollover costs one turn of the chat's pace (the old message's last edit), and the text that
   * waits through it goes stale. So when the next turn's text would not fit, the message is
   * finalised now, at the best boundary among the last few words: only that little text waits.
   */
  private earlyRollover(state: AnswerState, chunk: Chunk, index: number): Chunk[] | undefined {
    const shownEnd = this.slots[index]?.shownEnd
    if (shownEnd === undefined) return undefined
    // What arrived since the message's last edit: about what its next turn would add.
    const growth = state.text.length - shownEnd
    if (growth <= 0) return undefined
    // What the message shows now, its reasoning as it is: the room `measure` reserves for the
    // reasoning to grow would predict an overflow for a short answer that ends in this turn.
    const place = { first: index === 0, last: true }
    const used = this.format.length(
      composeMessage(this.format, this.parts(chunk.markdown, place, state, false, this.format)),
    )
    if (used + growth * 1.25 <= this.surface.limit) return undefined
    return splitNearEnd(state.text, chunk.start, Math.min(200, Math.max(40, Math.ceil(growth / 3))))
  }

  /** What a message shows; a measurement leaves the reasoning out (it reserves room for it instead). */
  private parts(
    md: string,
    place: Place,
    state: AnswerState,
    final: boolean,
    format: MessageFormat,
    withReasoning = true,
  ): MessageParts {
    const parts: MessageParts = { body: md, empty: this.t('answer.empty') }
    const showReasoning = this.options.showReasoning === true || (!final && state.text.trim() === '')
    if (withReasoning && place.first && showReasoning && state.reasoning.trim() !== '') {
      parts.reasoning = fitReasoning(format, state.reasoning, this.reasoningLength, final ? 'head' : 'tail')
    }
    if (!place.last) return parts
    if (!final) {
      parts.cursor = this.options.cursor ?? ' ▍'
      const status = statusLabel(state.activity, this.t)
      if (status) parts.status = status
      return parts
    }
    const title = this.t('sources.title')
    parts.sourcesTitle = title
    parts.sources = fitSources(format, state.citations, Math.floor(this.surface.limit / 2), title)
    const reason = reasonLine(state, this.t)
    if (reason) parts.reason = reason
    return parts
  }

  /**
   * A message's length as the platform counts it. With `showReasoning` the first message counts the
   * reasoning block at its largest, so a message finalised early still fits when the reasoning grows.
   */
  private measure(md: string, place: Place, state: AnswerState, final: boolean): number {
    const length = this.format.length(
      composeMessage(this.format, this.parts(md, place, state, final, this.format, false)),
    )
    return place.first && this.options.showReasoning === true ? length + this.reasoningLength + 2 : length
  }

  private render(slot: Slot, place: Place, state: AnswerState, final: boolean): Rendered {
    const format = slot.plain ? plainFormat : this.format
    let text = composeMessage(format, this.parts(slot.chunk.markdown, place, state, final, format))
    // A plain fallback can be longer than the HTML it replaces (links show their address).
    if (format === plainFormat && text.length > this.surface.limit) text = clip(text, this.surface.limit)
    const buttons = place.last ? (final ? this.options.finalButtons : this.options.buttons) : undefined
    return { text, format: format.name, buttons: buttons ?? [] }
  }

  private async write(slot: Slot, content: Rendered, end: number): Promise<string | undefined> {
    const result = await this.writer.write(slot, content)
    if (result.kind === 'shown') slot.shownEnd = end
    else this.failed(slot, result)
    return slot.ref?.id
  }

  /** A refused draft: the answer sends and edits from now on, starting in this turn when it can. */
  private draftFailed(slot: Slot, content: Rendered, err: unknown): Promise<string | undefined> | undefined {
    if (!isDraftRefusal(err)) return void this.failed(slot, this.writer.failed(slot, content, err))
    this.drafts.stop()
    const call = this.next()
    if (!call || call.messageId !== undefined || (call.notBefore ?? 0) > this.clock.now()) return undefined
    return call.run()
  }

  /** A failed call, as the writer judged it: a message gone ends the answer, refused HTML re-plans it plain. */
  private failed(slot: Slot, result: WriteFailure): void {
    switch (result.kind) {
      case 'gone':
        this.settle('gone', result.error)
        this.options.onGone?.(result.error)
        return
      case 'plain':
        slot.settled = undefined
        this.version++
        return
      case 'given-up':
        this.settle('failed', result.error)
        return
      case 'retry':
        return
    }
  }

  private settle(outcome: LiveResult['outcome'], error?: unknown): void {
    if (this.result) return
    const text = (this.final ?? this.latest).text
    const messages = this.slots.flatMap((slot) =>
      slot.ref ? [{ ref: slot.ref, text: text.slice(slot.chunk.start, slot.chunk.end) }] : [],
    )
    this.result = error === undefined ? { messages, outcome } : { messages, outcome, error }
    this.typingStop.abort()
    this.drafts.stop()
    if (outcome === 'gone') this.goneSignal.abort(error)
    this.resolve?.(this.result)
  }
}
