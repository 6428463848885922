import { type Clock, systemClock } from '../../src/core/contracts/clock.ts'
import { FormatRejected, Gone, RateLimited, SurfaceError } from '../../src/core/contracts/errors.ts'
import type {
  Button,
  MessageRef,
  Pace,
  Rendered,
  Surface,
  TextFormat,
} from '../../src/core/contracts/surface.ts'
import { parseTelegramHtml } from '../../src/core/live/parse-telegram-html.ts'

/**
 * A Surface that behaves like a strict platform: it records every call with the clock's time, answers
 * 429 (`RateLimited`) to calls faster than its windows allow and to every call inside a running
 * retry_after, refuses text over the limit (counted after entity parsing for Telegram HTML), HTML
 * Telegram would not parse (`FormatRejected`), empty text and unmodified edits; and it can be told
 * to fail the next call in any of those ways. With `drafts` it has `draft()` (Telegram's
 * `sendMessageDraft`): previews under the same limits, until `refuseDrafts()`.
 *
 * @example
 *   const surface = fakeSurface({ clock, pace: { perMessageMs: 1000, perChatMs: 1000 } })
 *   surface.rateLimitNext({ retryAfterMs: 3000 })
 *   expect(surface.edits.map((e) => [e.at, e.text])).toEqual([[4000, 'Hello']])
 */
export interface FakeSurfaceOptions {
  clock?: Clock
  /** Default 'fake:1'. */
  chatKey?: string
  limit?: number
  format?: TextFormat
  /** The pace the surface announces; unless `windows` is given it also enforces it. Default 1000/1000 ms. */
  pace?: Pace
  /** Rate limits on calls in the chat (sends and edits): at most `max` in any `windowMs`. */
  windows?: Array<{ max: number; windowMs: number }>
  /** Enforce `pace.perMessageMs` between calls on one message. Default true. */
  enforceMessagePace?: boolean
  /** Round retry_after up to this unit (Telegram answers whole seconds). Default 1 ms. */
  retryAfterUnitMs?: number
  /** Time each call takes. Default 0. */
  latencyMs?: number
  /** Whether the surface has `typing()`. Default true. */
  typing?: boolean
  /** Refuse an edit that changes nothing (Telegram's "message is not modified"). Default true. */
  rejectUnmodified?: boolean
  /** Whether the surface has `draft()`. Default false. */
  drafts?: boolean
  /** Whether the surface has `sendPicture()` / `editPicture()` (and `sendFile()`). Default false. */
  pictures?: boolean
}

export type CallResult =
  | 'ok'
  | 'rate_limited'
  | 'gone'
  | 'format_rejected'
  | 'failed'
  | 'too_long'
  | 'empty'
  | 'unmodified'
  | 'refused'

export interface FakeCall {
  kind: 'send' | 'edit' | 'draft' | 'typing' | 'picture' | 'picture-edit' | 'file'
  /** Clock time when the call started. */
  at: number
  ref?: MessageRef
  draftId?: number
  text: string
  format?: TextFormat
  buttons?: Button[] | undefined
  /** A picture's or a file's bytes (`text` is then its caption). */
  bytes?: Uint8Array
  result: CallResult
}

export interface FakeMessage {
  ref: MessageRef
  text: string
  format: TextFormat
  buttons: Button[]
  deleted: boolean
}

type Fault =
  | { kind: 'rate_limited'; retryAfterMs: number; global: boolean }
  | { kind: 'failed'; transient: boolean; message: string }
  | { kind: 'gone' }
  | { kind: 'format_rejected' }

export interface FakeSurface extends Surface {
  /** Every call, failed ones included, in order. */
  readonly calls: FakeCall[]
  /** Successful sends and edits. */
  readonly sends: FakeCall[]
  readonly edits: FakeCall[]
  /** Drafts shown (previews, not messages). */
  readonly drafts: FakeCall[]
  readonly messages: FakeMessage[]
  /** The current text of every message, in order of sending (deleted ones included). */
  texts(): string[]
  /** How many calls were answered with a 429 (`RateLimited`), programmed ones included. */
  readonly rateLimitAnswers: number
  /** Calls made while a retry_after was running: a well-behaved caller makes none. */
  readonly callsInsideRetryAfter: number
  rateLimitNext(options?: { retryAfterMs?: number; global?: boolean }): void
  failNext(options?: { transient?: boolean; message?: string }): void
  goneNext(): void
  formatRejectNext(): void
  /**
   * The platform stops taking drafts (like a Bot API server without `sendMessageDraft`): every later
   * draft throws a non-transient SurfaceError at once, counted in no limit.
   */
  refuseDrafts(): void
  /** Deletes a message, as a user would: its next edit throws `Gone`. */
  delete(ref: MessageRef): void
  /** Resolves with the next call (made after this one) that matches. */
  waitForCall(predicate?: (call: FakeCall) => boolean): Promise<FakeCall>
}

export function fakeSurface(options: FakeSurfaceOptions = {}): FakeSurface {
  const clock = options.clock ?? systemClock
  const pace = options.pace ?? { perMessageMs: 1000, perChatMs: 1000 }
  const format = options.format ?? 'telegram-html'
  const limit = options.limit ?? 4096
  const windows = options.windows ?? (pace.perChatMs > 0 ? [{ max: 1, windowMs: pace.perChatMs }] : [])
  const unit = options.retryAfterUnitMs ?? 1
  const chatKey = options.chatKey ?? 'fake:1'
  const chatId = chatKey.split(':').slice(1).join(':') || '1'
  const calls: FakeCall[] = []
  const messages: FakeMessage[] = []
  const faults: Fault[] = []
  const counted: number[] = []
  const lastTouch = new Map<string, number>()
  const waiters: Array<{ predicate: (call: FakeCall) => boolean; resolve: (call: FakeCall) => void }> = []
  let blockedUntil = 0
  let draftsRefused = false
  let rateLimitAnswers = 0
  let callsInsideRetryAfter = 0

  const record = (call: FakeCall): FakeCall => {
    calls.push(call)
    for (const waiter of [...waiters]) {
      if (!waiter.predicate(call)) continue
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(call)
    }
    return call
  }

  function limited(call: FakeCall, retryAfterMs: number, global = false): never {
    const ms = Math.ceil(retryAfterMs / unit) * unit
    if (clock.now() >= blockedUntil) blockedUntil = clock.now() + ms
    rateLimitAnswers++
    record({ ...call, result: 'rate_limited' })
    throw new RateLimited(ms, global)
  }

  /** The 429 checks every call passes: a running retry_after, then the windows, then the message's pace. */
  const admit = (call: FakeCall, messageId?: string): void => {
    const now = clock.now()
    if (now < blockedUntil) {
      callsInsideRetryAfter++
      limited(call, blockedUntil - now)
    }
    if (call.kind === 'typing') return
    for (const w of windows) {
      const inWindow = counted.filter((t) => t > now - w.windowMs)
      if (inWindow.length >= w.max) limited(call, inWindow[inWindow.length - w.max]! + w.windowMs - now)
    }
    const touched = messageId === undefined ? undefined : lastTouch.get(messageId)
    if (options.enforceMessagePace !== false && touched !== undefined && now - touched < pace.perMessageMs) {
      limited(call, touched + pace.perMessageMs - now)
    }
  }

  const applyFault = (call: FakeCall): void => {
    const fault = faults.shift()
    if (!fault) return
    if (fault.kind === 'rate_limited') limited(call, fault.retryAfterMs, fault.global)
    record({ ...call, result: fault.kind })
    if (fault.kind === 'gone') throw new Gone()
    if (fault.kind === 'format_rejected') throw new FormatRejected("can't parse entities: programmed")
    throw new SurfaceError(fault.message, fault.transient)
  }

  /** Refuses what the platform would refuse about the content itself. */
  const check = (call: FakeCall, content: Rendered): void => {
    let visible = content.text
    if (content.format === 'telegram-html') {
      const parsed = parseTelegramHtml(content.text)
      visible = parsed.text
      if (parsed.error && visible.trim() !== '') {
        record({ ...call, result: 'format_rejected' })
        throw new FormatRejected(parsed.error)
      }
    }
    if (visible.trim() === '') {
      record({ ...call, result: 'empty' })
      throw new SurfaceError('message text is empty', false)
    }
    if (visible.length > limit) {
      record({ ...call, result: 'too_long' })
      throw new SurfaceError('message is too long', false)
    }
  }

  const start = async (call: FakeCall, messageId?: string): Promise<void> => {
    admit(call, messageId)
    applyFault(call)
    if (call.kind !== 'typing') counted.push(call.at)
    if (messageId !== undefined) lastTouch.set(messageId, call.at)
    if (options.latencyMs) await clock.sleep(options.latencyMs)
  }

  const surface: FakeSurface = {
    chatKey,
    limit,
    pace,
    format,
    calls,
    messages,
    get sends() {
      return calls.filter((c) => c.kind === 'send' && c.result === 'ok')
    },
    get edits() {
      return calls.filter((c) => c.kind === 'edit' && c.result === 'ok')
    },
    get drafts() {
      return calls.filter((c) => c.kind === 'draft' && c.result === 'ok')
    },
    get rateLimitAnswers() {
      return rateLimitAnswers
    },
    get callsInsideRetryAfter() {
      return callsInsideRetryAfter
    },
    texts: () => messages.map((m) => m.text),
    async send(content) {
      const call: FakeCall = { kind: 'send', at: clock.now(), ...describe(content) }
      await start(call)
      check(call, content)
      const ref = { id: String(messages.length + 1), chatId }
      lastTouch.set(ref.id, call.at)
      messages.push({
        ref,
        text: content.text,
        format: content.format,
        buttons: content.buttons ?? [],
        deleted: false,
      })
      record({ ...call, ref })
      return ref
    },
    async edit(ref, content) {
      const call: FakeCall = { kind: 'edit', at: clock.now(), ref, ...describe(content) }
      await start(call, ref.id)
      const message = messages.find((m) => m.ref.id === ref.id)
      if (!message || message.deleted) {
        record({ ...call, result: 'gone' })
        throw new Gone('message to edit not found')
      }
      check(call, content)
      const buttons = content.buttons ?? message.buttons
      const same =
        message.text === content.text && JSON.stringify(message.buttons) === JSON.stringify(buttons)
      if (same && options.rejectUnmodified !== false) {
        record({ ...call, result: 'unmodified' })
        throw new SurfaceError('message is not modified', false)
      }
      Object.assign(message, { text: content.text, format: content.format, buttons })
      record(call)
    },
    rateLimitNext: (o = {}) => {
      faults.push({ kind: 'rate_limited', retryAfterMs: o.retryAfterMs ?? 1000, global: o.global ?? false })
    },
    failNext: (o = {}) => {
      faults.push({
        kind: 'failed',
        transient: o.transient ?? true,
        message: o.message ?? 'Internal Server Error',
      })
    },
    goneNext: () => {
      faults.push({ kind: 'gone' })
    },
    formatRejectNext: () => {
      faults.push({ kind: 'format_rejected' })
    },
    refuseDrafts: () => {
      draftsRefused = true
    },
    delete(ref) {
      const message = messages.find((m) => m.ref.id === ref.id)
      if (message) message.deleted = true
    },
    waitForCall: (predicate = () => true) =>
      new Promise<FakeCall>((resolve) => {
        waiters.push({ predicate, resolve })
      }),
  }
  if (options.drafts === true) {
    surface.draft = async (draftId, content) => {
      const call: FakeCall = { kind: 'draft', at: clock.now(), draftId, ...describe(content) }
      if (draftsRefused) {
        record({ ...call, result: 'refused' })
        throw new SurfaceError('sendMessageDraft is not available', false)
      }
      const key = `draft:${draftId}`
      await start(call, key)
      check(call, content)
      record(call)
    }
  }
  if (options.pictures === true) {
    const pictures = new Map<string, { bytes: Uint8Array; caption: string }>()
    surface.sendPicture = async (picture) => {
      const call: FakeCall = {
        kind: 'picture',
        at: clock.now(),
        text: picture.caption ?? '',
        bytes: picture.bytes,
        result: 'ok',
      }
      await start(call)
      const ref = { id: String(messages.length + 1), chatId }
      lastTouch.set(ref.id, call.at)
      messages.push({ ref, text: picture.caption ?? '', format, buttons: [], deleted: false })
      pictures.set(ref.id, { bytes: picture.bytes, caption: picture.caption ?? '' })
      record({ ...call, ref })
      return ref
    }
    surface.editPicture = async (ref, picture) => {
      const call: FakeCall = {
        kind: 'picture-edit',
        at: clock.now(),
        ref,
        text: picture.caption ?? '',
        bytes: picture.bytes,
        result: 'ok',
      }
      await start(call, ref.id)
      const message = messages.find((m) => m.ref.id === ref.id)
      const shown = pictures.get(ref.id)
      if (!message || message.deleted || !shown) {
        record({ ...call, result: 'gone' })
        throw new Gone('message to edit not found')
      }
      if (
        Buffer.from(shown.bytes).equals(Buffer.from(picture.bytes)) &&
        shown.caption === (picture.caption ?? '')
      ) {
        record({ ...call, result: 'unmodified' })
        throw new SurfaceError('message is not modified', false)
      }
      pictures.set(ref.id, { bytes: picture.bytes, caption: picture.caption ?? '' })
      message.text = picture.caption ?? ''
      record(call)
    }
    surface.sendFile = async (name, bytes, caption) => {
      const call: FakeCall = { kind: 'file', at: clock.now(), text: caption ?? name, bytes, result: 'ok' }
      await start(call)
      const ref = { id: String(messages.length + 1), chatId }
      messages.push({ ref, text: caption ?? name, format, buttons: [], deleted: false })
      record({ ...call, ref })
      return ref
    }
  }
  if (options.typing !== false) {
    surface.typing = async () => {
      const call: FakeCall = { kind: 'typing', at: clock.now(), text: '', result: 'ok' }
      admit(call)
      record(call)
    }
  }
  return surface
}

function describe(content: Rendered): Pick<FakeCall, 'text' | 'format' | 'buttons' | 'result'> {
  return { text: content.text, format: content.format, buttons: content.buttons, result: 'ok' }
}
