import type { Invocation } from '../contracts/chat.ts'
import { type ErrorKind, HeraldError, InputError } from '../contracts/errors.ts'
import type { Surface } from '../contracts/surface.ts'
import type { MessageKey, Translate } from '../i18n/i18n.ts'
import type { LiveTranslate } from '../live/compose.ts'
import { createLiveMessage, type LiveMessage } from '../live/live-message.ts'
import { createLivePictures, type LivePictures } from '../live/live-pictures.ts'
import { UpstreamError } from '../responses/errors.ts'
import { type AnswerState, initialState, NO_TOKENS } from '../responses/state.ts'
import type { StreamTicket } from '../state/limits.ts'
import type { PictureCharge } from '../state/usage.ts'
import { isStoreAway } from '../store/store.ts'
import { runWithTools } from '../tools/run-with-tools.ts'
import type { AnswerDeps } from './answer-deps.ts'
import type { AnswerFeedEntry } from './answer-feed.ts'
import type { RunningAnswer } from './answer-records.ts'
import {
  type Attached,
  attachedNote,
  readAttached,
  rejectsServerState,
  turnRequest,
} from './answer-request.ts'
import {
  type DrawRequest,
  drawWithEndpoint,
  imageToolUnsupported,
  isSafetyRefusal,
  markImageToolUnsupported,
  pictureCharges,
  refusesImageTool,
} from './drawing.ts'
import { type Heard, quoteHeard, transcribe } from './listening.ts'
import { meteredSurface } from './metered-surface.ts'
import { speakAnswer } from './speaking.ts'

/**
 * Running an admitted ask (src/commands/ask.ts admits it: input, settings, budget, rate, the
 * user's slot): wait for an upstream stream, fold the stream into a live message, then record
 * usage and the conversation. Errors a person should read end the message as one line; nothing
 * here throws into the adapter.
 *
 * @example
 *   const started = await s.answers.start({ userKey: userKey(inv), chat: inv.chat })
 *   if (started.ok) await runAnswer(s, inv, { prompt, model, effort, search, showReasoning, running: started.answer })
 */
export interface AdmittedAsk {
  prompt: string
  model: string
  effort: string | undefined
  search: boolean
  /** The chat's setting: keep the reasoning summary, collapsed, above the answer. */
  showReasoning: boolean
  /** The answer's record: its id, its stop signal, its messages. */
  running: RunningAnswer
  /** Draw: `/image` (forced), or a reply to one of Herald's pictures (offered). */
  draw?: DrawRequest | undefined
  /** The chat's `/voice` setting: the finished text is also sent as a voice message. */
  voice?: boolean | undefined
  /** The chat's `/pictures` setting: an ordinary ask is offered the image tool (not forced). */
  pictures?: boolean | undefined
}

/** `telegram:12345`: the user across chats, for slots, rate limits and usage. */
export function userKey(inv: Pick<Invocation, 'user'>): string {
  return `${inv.user.platform}:${inv.user.id}`
}

/**
 * The reason answers are aborted with when Herald shuts down: such an answer ends with the
 * "interrupted" line, not "stopped".
 */
export class Interrupted extends HeraldError {
  constructor() {
    super('aborted', 'Herald is shutting down')
  }
}

/** Display names by user key (`telegram:42` → `Ada`), kept while people keep asking. */
export const USER_NAMES = 'names'
const USER_NAME_TTL_MS = 90 * 86_400_000

export function stopButtonData(answerId: string): string {
  return `stop:${answerId}`
}

const INTERRUPTED = 'interrupted'

/** The answer path's services with the words of the person who asked (status lines, Stop, the last line). */
export type AskDeps = AnswerDeps & { t: Translate }

export async function runAnswer(s: AskDeps, inv: Invocation, ask: AdmittedAsk): Promise<void> {
  await new AnswerRun(s, inv, ask).run()
}

/** One answer from queue to final message; each step is a method, in the order they run. */
class AnswerRun {
  private readonly s: AskDeps
  private readonly inv: Invocation
  private readonly ask: AdmittedAsk
  private readonly ticket: StreamTicket
  private readonly live: LiveMessage
  /** The chat, metered and recorded. */
  private readonly surface: Surface
  /** The answer's pictures, when it draws. */
  private readonly pictures: LivePictures | undefined
  /** What the operator's console sees of this answer. */
  private readonly feed: AnswerFeedEntry
  private readonly log: AnswerDeps['log']
  private readonly startedAt: number
  private state: AnswerState = initialState()
  /** The model the usage is priced by: the images endpoint's usage is the image model's. */
  private usageModel: string
  /** A voice note's transcript, once heard. */
  private heard: Heard | undefined
  /** What is asked upstream: the prompt, or a voice note's transcript with the prompt beside it. */
  private question: string
  /** The image tool is offered by the chat's settings; off once the endpoint is known to lack it. */
  private offerPictures: boolean

  constructor(s: AskDeps, inv: Invocation, ask: AdmittedAsk) {
    this.s = s
    this.inv = inv
    this.ask = ask
    const { id, controller } = ask.running
    this.log = s.log.child({ answer: id, chat: inv.chat.key, user: userKey(inv), model: ask.model })
    this.ticket = s.limits.enqueue()
    this.startedAt = s.clock.now()
    this.usageModel = ask.model
    this.question = ask.prompt
    this.offerPictures = ask.draw === undefined && ask.pictures === true
    const surface = ask.running.wrap(meteredSurface(inv.surface, s.metrics, inv.chat.platform))
    this.surface = surface
    const onGone = () => controller.abort(new HeraldError('gone', 'message deleted'))
    const feed = { platform: inv.chat.platform, chatKey: inv.chat.key, userName: inv.user.name }
    this.feed = s.feed.open({ id, ...feed, userKey: userKey(inv), model: ask.model })
    this.live = createLiveMessage({
      surface,
      lanes: s.lanes,
      options: {
        // A picture is its own message: no text placeholder, and no text message when none is written.
        placeholder: ask.draw === undefined,
        quietWhenEmpty: ask.draw !== undefined,
        showReasoning: ask.showReasoning,
        t: this.liveTranslator(),
        buttons: [{ label: s.t('button.stop'), data: stopButtonData(id), style: 'danger' }],
        onGone,
        // Drafts (Telegram private chats) cannot carry the Stop button: the operator chooses.
        drafts: s.config.telegram?.drafts ? 'always' : 'without-buttons',
      },
    })
    this.pictures =
      ask.draw || this.offerPictures
        ? createLivePictures({
            surface,
            lanes: s.lanes,
            caption: (image, done) => (done ? image.revisedPrompt : s.t('status.drawing')),
            asFile: ask.draw?.asFile === true,
            onGone,
          })
        : undefined
  }

  async run(): Promise<void> {
    try {
      await this.produce()
      await this.finish()
    } finally {
      await this.ask.running.end()
    }
  }

  /** Queue, stream and fold; afterwards `state` is what the message must end with. */
  private async produce(): Promise<void> {
    let release: (() => void) | undefined
    try {
      release = await this.waitForStream()
      this.s.metrics.activeStreams.inc()
      this.feed.update(this.state)
      await this.listen()
      const attached = await readAttached(this.s, this.inv, this.ask.running.controller.signal)
      this.state = await this.drawOrStream(attached)
      this.countProblem()
    } catch (err) {
      this.state = this.failedState(err)
      if (!(err instanceof HeraldError && err.kind === 'aborted')) this.log.warn({ err }, 'answer failed')
    } finally {
      if (release) {
        release()
        this.s.metrics.activeStreams.dec()
      }
    }
  }

  /** Resolves with the release of an upstream stream; while queued, the message shows the position. */
  private async waitForStream(): Promise<() => void> {
    const { ticket, live, s } = this
    if (ticket.position() === 0) return ticket.ready
    const queued = () => {
      live.update({ ...this.state, status: 'queued', activity: { kind: 'queued' } })
      this.feed.update({ ...this.state, status: 'queued' }, ticket.position())
    }
    s.metrics.queuedStreams.inc()
    queued()
    const unsubscribe = ticket.onPosition(queued)
    const signal = this.ask.running.controller.signal
    const onAbort = () => ticket.cancel()
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      return await ticket.ready
    } finally {
      unsubscribe()
      signal.removeEventListener('abort', onAbort)
      s.metrics.queuedStreams.dec()
    }
  }

  /** A voice note is transcribed; its transcript is the question, and heads the message. */
  private async listen(): Promise<void> {
    const { s, inv, ask } = this
    if (!inv.audio) return
    this.heard = await transcribe(s, inv.audio, ask.running.controller.signal)
    this.question = [this.heard.text, ask.prompt].filter((part) => part !== '').join('\n\n')
    this.live.update(this.shown(this.state))
  }

  /** What the message shows: the transcript of a voice note, quoted, above the answer. */
  private shown(state: AnswerState): AnswerState {
    return this.heard ? { ...state, text: `${quoteHeard(this.heard)}\n\n${state.text}` } : state
  }

  /**
   * `/image` on an endpoint without the hosted image tool (known, or learnt from its refusal now)
   * draws through the images endpoint; everything else streams.
   */
  private async drawOrStream(images: Attached[]): Promise<AnswerState> {
    const { s, ask } = this
    const forced = ask.draw?.forced === true
    if (forced && (s.models.get(ask.model)?.imageTool !== true || (await imageToolUnsupported(s))))
      return this.drawWithoutTool()
    if (this.offerPictures && (await imageToolUnsupported(s))) this.offerPictures = false
    try {
      return await this.stream(images)
    } catch (err) {
      if (!(forced || this.offerPictures) || !refusesImageTool(err)) throw err
      await markImageToolUnsupported(s)
      if (forced) return this.drawWithoutTool()
      // Offered, not asked for: the answer is written without the tool.
      this.offerPictures = false
      return this.stream(images)
    }
  }

  /** One line says there is no preview, then the picture comes from the images endpoint. */
  private async drawWithoutTool(): Promise<AnswerState> {
    const { s, inv, ask } = this
    await inv.notify(s.t('image.no_preview'))
    this.usageModel = s.config.imageModel
    try {
      return await drawWithEndpoint(
        s,
        this.question,
        ask.draw ?? { forced: true },
        ask.running.controller.signal,
      )
    } catch (err) {
      if (!(err instanceof UpstreamError && isSafetyRefusal(err.code))) throw err
      const error = { code: err.code ?? 'moderation_blocked', message: s.t('image.refused') }
      return { ...initialState(), status: 'failed', error }
    }
  }

  /** Opens the stream; in `auto` mode, a rejected `previous_response_id` switches to local history for good. */
  private async stream(images: Attached[]): Promise<AnswerState> {
    const { s, inv, ask } = this
    const signal = ask.running.controller.signal
    let firstText = false
    const onState = (next: AnswerState) => {
      this.state = next
      if (!firstText && next.text !== '') {
        firstText = true
        const seconds = (s.clock.now() - this.startedAt) / 1000
        s.metrics.timeToFirstTokenSeconds.observe({ platform: inv.chat.platform }, seconds)
      }
      this.live.update(this.shown(next))
      this.pictures?.update(next.images)
      this.feed.update(next)
    }
    for (let attempt = 0; ; attempt++) {
      const request = await turnRequest(s, inv.chat.key, inv.replyTo, {
        model: ask.model,
        question: this.question,
        attached: images,
        effort: ask.effort,
        search: ask.search,
        draw: ask.draw,
        offerPictures: this.offerPictures,
      })
      try {
        return await runWithTools(s.client, request, s.tools, {
          signal,
          onState,
          maxRounds: Math.max(1, s.config.limits.maxToolRounds),
          localHistory: request.store === false,
        })
      } catch (err) {
        if (!rejectsServerState(err, request) || attempt > 0 || s.config.conversation.mode !== 'auto')
          throw err
        s.log.warn(
          { base: s.config.openai.baseUrl },
          'endpoint rejects previous_response_id: using local history',
        )
        await s.conversations.markServerStateUnsupported()
      }
    }
  }

  /** Counts what went wrong upstream in a stream that did not throw, and words a failure for people. */
  private countProblem(): void {
    const problem = upstreamProblem(this.state)
    if (problem) this.s.metrics.upstreamErrors.inc({ kind: problem })
    const error = this.state.status === 'failed' ? this.state.error : undefined
    if (!error) return
    // The stream's own failure (an `error` event, `response.failed`): its words are for the operator.
    this.log.warn({ err: error }, 'answer failed')
    const line = isSafetyRefusal(error.code) ? this.s.t('image.refused') : this.streamFailureLine(error.code)
    this.state = { ...this.state, error: { code: error.code, message: line } }
  }

  /** The message ends, then usage and the conversation are recorded. */
  private async finish(): Promise<void> {
    const { s, inv } = this
    try {
      this.markStopped()
      const [result, drawn] = await Promise.all([
        this.live.finish(this.shown(this.state)),
        this.pictures?.finish(this.state.images),
      ])
      if (drawn?.outcome === 'failed') this.log.warn({ err: drawn.error }, 'showing the picture failed')
      s.metrics.answers.inc({ platform: inv.chat.platform, status: this.state.status })
      const shown = [...result.messages.map((m) => m.ref.id), ...(drawn?.messages.map((m) => m.id) ?? [])]
      const recorded = await this.record(shown).catch((err: unknown) => {
        if (!isStoreAway(s.store, err)) throw err
        // The text has landed; what the store's absence costs is this answer's usage and conversation link.
        this.log.warn({ err }, 'the store was away: usage and conversation link not recorded')
        return undefined
      })
      const spoken = result.outcome === 'delivered' ? await this.speak(recorded?.turnId) : 0
      const ms = s.clock.now() - this.startedAt
      const { status, incompleteReason: reason } = this.state
      const usd = recorded?.usd === undefined ? undefined : recorded.usd + spoken
      // The console's summary: what the page lists among the recent answers.
      await this.feed.finish({ status, state: this.state, usd })
      this.log.info({ status, reason, ms, usd, outcome: result.outcome }, 'answer finished')
    } catch (err) {
      this.log.error({ err }, 'finishing the answer failed')
    }
  }

  /**
   * Under `/voice on`, a completed answer's text is also sent as a voice message, linked to the
   * answer's turn (`turnId`) so a reply to it continues there; returns its cost.
   */
  private async speak(turnId: string | undefined): Promise<number> {
    const { s, inv, ask, state } = this
    if (ask.voice !== true || state.status !== 'completed' || state.text.trim() === '') return 0
    const spoken = await speakAnswer(
      { s, inv, surface: this.surface, user: userKey(inv), signal: ask.running.controller.signal },
      state.text,
    )
    if (spoken.message && turnId) {
      await s.conversations.linkMessage(inv.chat.key, spoken.message.id, turnId).catch((err: unknown) => {
        this.log.warn({ err }, 'linking the voice message to the conversation failed')
      })
    }
    return spoken.usd
  }

  /**
   * Usage (the pictures priced apart) and the conversation link of every message the answer shows;
   * resolves with the cost and the turn the messages were linked to (none when nothing was shown).
   */
  private async record(shown: readonly string[]): Promise<{ usd: number | undefined; turnId?: string }> {
    const { s, inv, ask, state } = this
    const fromTool = this.usageModel === ask.model
    // The images endpoint reports the image model's tokens; the image tool's pictures are priced apart.
    const cost = await this.recordUsage(
      fromTool || !state.usage ? pictureCharges(s.config.imageModel, state.images) : [],
    )
    const drew = state.images.filter((image) => image.result !== undefined)
    if (shown.length === 0 || (state.text === '' && drew.length === 0)) return { usd: cost }
    const resolved = await s.conversations.resolve(inv.chat.key, inv.replyTo)
    const turn = await s.conversations.linkMessages(inv.chat.key, shown, {
      responseId: state.status === 'completed' && fromTool ? state.responseId : undefined,
      parentTurnId: resolved.parentTurnId,
      userText: this.question,
      imageNote: attachedNote(inv),
      assistantText:
        state.text || drew.map((image) => `[picture: ${image.revisedPrompt ?? ask.prompt}]`).join('\n'),
      model: ask.model,
      pictures: drew.length > 0 ? drew.length : undefined,
    })
    return { usd: cost, turnId: turn.id }
  }

  /** An aborted stream ends as stopped, or as interrupted when Herald is shutting down. */
  private markStopped(): void {
    const signal = this.ask.running.controller.signal
    if (signal.aborted && this.state.status === 'in_progress') {
      this.state = { ...this.state, status: 'incomplete', incompleteReason: 'aborted' }
    }
    if (signal.reason instanceof Interrupted && this.state.incompleteReason === 'aborted') {
      this.state = { ...this.state, incompleteReason: INTERRUPTED }
    }
  }

  private failedState(err: unknown): AnswerState {
    const { s, state } = this
    if (err instanceof HeraldError && (err.kind === 'aborted' || err.kind === 'gone')) {
      return { ...state, status: 'incomplete', incompleteReason: 'aborted' }
    }
    if (err instanceof InputError) {
      return {
        ...state,
        status: 'failed',
        error: { code: err.key, message: s.t(err.key as MessageKey, err.params) },
      }
    }
    if (isStoreAway(s.store, err)) {
      return { ...state, status: 'failed', error: { code: 'store', message: s.t('errors.store') } }
    }
    const kind = err instanceof HeraldError ? err.kind : 'server'
    s.metrics.upstreamErrors.inc({ kind })
    return { ...state, status: 'failed', error: { code: kind, message: s.t(`errors.${kind}`) } }
  }

  /** The line people read for a failure the stream reported, by its code; never the upstream message. */
  private streamFailureLine(code: string): string {
    const kind: ErrorKind = /quota/.test(code) ? 'quota' : /rate_limit/.test(code) ? 'rate_limited' : 'server'
    return this.s.t(`errors.${kind}`)
  }

  private async recordUsage(pictures: readonly PictureCharge[]): Promise<number | undefined> {
    const { s, inv, state, heard } = this
    const model = this.usageModel
    const transcription = heard ? { model: s.config.transcribeModel, seconds: heard.seconds } : undefined
    if (!state.usage && pictures.length === 0 && !transcription) return undefined
    const usage = state.usage ?? NO_TOKENS
    // Names for the admins' top-spenders list, which otherwise shows only platform ids.
    await s.store.kv<string>(USER_NAMES).set(userKey(inv), inv.user.name, USER_NAME_TTL_MS)
    const searches = state.searches.filter((search) => search.status === 'completed').length
    const cost = await s.usage.record({
      user: userKey(inv),
      chat: inv.chat.key,
      model,
      usage,
      searches,
      pictures,
      ...(transcription ? { transcription } : {}),
    })
    s.metrics.tokens.inc({ model, kind: 'input' }, usage.input_tokens)
    s.metrics.tokens.inc({ model, kind: 'output' }, usage.output_tokens)
    s.metrics.dollars.inc({ model }, cost.usd)
    return cost.usd
  }

  private liveTranslator(): LiveTranslate {
    const { s, ticket } = this
    return (key, params) => {
      if (key === 'status.queued' && ticket.position() > 0)
        return s.t('queue.position', { position: ticket.position() })
      if (key === 'reason.incomplete' && params?.reason === INTERRUPTED) return s.t('ask.interrupted')
      return s.t(key as MessageKey, params)
    }
  }
}

/** What went wrong upstream in a stream that did not throw (it was cut, went silent, or failed). */
function upstreamProblem(state: AnswerState): string | undefined {
  if (state.status === 'failed') return 'response_failed'
  if (state.status !== 'incomplete') return undefined
  if (state.incompleteReason === 'stream_ended') return 'stream'
  if (state.incompleteReason === 'timeout') return 'timeout'
  return undefined
}
