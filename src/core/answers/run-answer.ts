import type { Invocation } from '../contracts/chat.ts'
import { type ErrorKind, HeraldError, InputError } from '../contracts/errors.ts'
import type { MessageKey } from '../i18n/i18n.ts'
import type { LiveTranslate } from '../live/compose.ts'
import { createLiveMessage } from '../live/live-message.ts'
import { UpstreamError } from '../responses/errors.ts'
import { userMessage } from '../responses/messages.ts'
import type { InputImage, InputItem, ReasoningEffort, ResponsesRequest } from '../responses/request.ts'
import { type AnswerState, initialState } from '../responses/state.ts'
import { scopeOf } from '../state/settings.ts'
import { runWithTools } from '../tools/run-with-tools.ts'
import type { AnswerDeps } from './answer-deps.ts'
import { meteredSurface } from './metered-surface.ts'

/**
 * One ask, end to end: input checks, settings, budget and limits, the conversation, the stream
 * folded into a live message, then usage and the conversation pointer. Errors a person should read
 * come back as one line in the chat; nothing here throws into the adapter.
 */
export interface AskRequest {
  prompt: string
  model?: string | undefined
  effort?: string | undefined
  search?: boolean | undefined
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp']

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

export async function answer(s: AnswerDeps, inv: Invocation, req: AskRequest): Promise<void> {
  const { t } = s
  const prompt = req.prompt.trim()
  if (prompt === '' && inv.images.length === 0) {
    await inv.notify(t('ask.empty'))
    return
  }
  s.limits.checkPromptLength(prompt)
  for (const image of inv.images) checkImage(s, image.size, image.mime)

  const who = userKey(inv)
  const scope = scopeOf(inv)
  const settings = await s.settings.get(scope)
  const model = req.model ?? settings.model
  const modelInfo = s.models.get(model)
  const effort = req.effort ?? (req.model ? modelInfo?.defaultEffort : settings.effort)
  const search = req.search ?? settings.webSearch
  s.models.checkRequest(model, { effort, webSearch: search, images: inv.images.length })

  const budget = await s.budgets.check({ user: who, chat: inv.chat.key, isAdmin: inv.user.isAdmin })
  if (!budget.ok) {
    const resetsAt = new Date(budget.resetsAt).toISOString().slice(11, 16)
    await inv.notify(
      t('budget.refused', { scope: t(`budget.scope.${budget.scope}` as MessageKey), resetsAt }),
    )
    return
  }
  const rate = await s.limits.checkRate(who)
  if (!rate.ok) {
    await inv.notify(t('limits.rate', { seconds: Math.ceil(rate.retryAfterMs / 1000) }))
    return
  }
  const started = await s.answers.start({ userKey: who, chat: inv.chat })
  if (!started.ok) {
    await inv.notify(t('limits.busy_user'))
    return
  }
  const running = started.answer
  const { id, controller } = running
  const log = s.log.child({ answer: id, chat: inv.chat.key, user: who, model })
  const ticket = s.limits.enqueue()
  const live = createLiveMessage({
    surface: running.wrap(meteredSurface(inv.surface, s.metrics, inv.chat.platform)),
    lanes: s.lanes,
    options: {
      showReasoning: settings.showReasoning,
      t: liveTranslator(s, () => ticket.position()),
      buttons: [{ label: t('button.stop'), data: stopButtonData(id), style: 'danger' }],
      onGone: () => controller.abort(new HeraldError('gone', 'message deleted')),
      // Drafts (Telegram private chats) cannot carry the Stop button: the operator chooses.
      drafts: s.config.telegram?.drafts ? 'always' : 'without-buttons',
    },
  })
  const startedAt = s.clock.now()
  let releaseStream: (() => void) | undefined
  let state: AnswerState = initialState()
  try {
    if (ticket.position() > 0) {
      s.metrics.queuedStreams.inc()
      live.update({ ...state, status: 'queued', activity: { kind: 'queued' } })
      const unsubscribe = ticket.onPosition(() =>
        live.update({ ...state, status: 'queued', activity: { kind: 'queued' } }),
      )
      const onAbort = () => ticket.cancel()
      controller.signal.addEventListener('abort', onAbort, { once: true })
      try {
        releaseStream = await ticket.ready
      } finally {
        unsubscribe()
        controller.signal.removeEventListener('abort', onAbort)
        s.metrics.queuedStreams.dec()
      }
    } else {
      releaseStream = await ticket.ready
    }
    s.metrics.activeStreams.inc()
    const images = await fetchImages(s, inv, controller.signal)
    let firstText = false
    const onState = (next: AnswerState) => {
      state = next
      if (!firstText && next.text !== '') {
        firstText = true
        s.metrics.timeToFirstTokenSeconds.observe(
          { platform: inv.chat.platform },
          (s.clock.now() - startedAt) / 1000,
        )
      }
      live.update(next)
    }
    state = await stream(s, inv, { prompt, model, effort, search, images }, controller.signal, onState)
    const problem = upstreamProblem(state)
    if (problem) s.metrics.upstreamErrors.inc({ kind: problem })
    if (state.status === 'failed' && state.error) {
      // The stream's own failure (an `error` event, `response.failed`): its words are for the operator.
      log.warn({ err: state.error }, 'answer failed')
      state = { ...state, error: { code: state.error.code, message: streamFailureLine(s, state.error.code) } }
    }
  } catch (err) {
    state = failedState(s, state, err)
    if (!(err instanceof HeraldError && err.kind === 'aborted')) log.warn({ err }, 'answer failed')
  } finally {
    releaseStream?.()
    if (releaseStream) s.metrics.activeStreams.dec()
  }

  try {
    if (controller.signal.aborted && state.status === 'in_progress') {
      state = { ...state, status: 'incomplete', incompleteReason: 'aborted' }
    }
    if (controller.signal.reason instanceof Interrupted && state.incompleteReason === 'aborted') {
      state = { ...state, incompleteReason: INTERRUPTED }
    }
    const result = await live.finish(state)
    s.metrics.answers.inc({ platform: inv.chat.platform, status: state.status })
    const cost = await recordUsage(s, inv, model, state)
    if (result.messages.length > 0 && state.text !== '') {
      const resolved = await s.conversations.resolve(inv.chat.key, inv.replyTo)
      await s.conversations.linkMessages(
        inv.chat.key,
        result.messages.map((m) => m.ref.id),
        {
          responseId: state.status === 'completed' ? state.responseId : undefined,
          parentTurnId: resolved.parentTurnId,
          userText: prompt,
          imageNote: inv.images.length > 0 ? `[${inv.images.length} image(s)]` : undefined,
          assistantText: state.text,
          model,
        },
      )
    }
    log.info(
      {
        status: state.status,
        reason: state.incompleteReason,
        ms: s.clock.now() - startedAt,
        usd: cost,
        outcome: result.outcome,
      },
      'answer finished',
    )
  } catch (err) {
    log.error({ err }, 'finishing the answer failed')
  } finally {
    await running.end()
  }
}

interface StreamInput {
  prompt: string
  model: string
  effort: string | undefined
  search: boolean
  images: InputImage[]
}

/** Opens the stream; in `auto` mode, a rejected `previous_response_id` switches to local history for good. */
async function stream(
  s: AnswerDeps,
  inv: Invocation,
  input: StreamInput,
  signal: AbortSignal,
  onState: (state: AnswerState) => void,
): Promise<AnswerState> {
  for (let attempt = 0; ; attempt++) {
    const resolved = await s.conversations.resolve(inv.chat.key, inv.replyTo)
    const content = [
      ...(input.prompt === '' ? [] : [{ type: 'input_text' as const, text: input.prompt }]),
      ...input.images,
    ]
    const user: InputItem = { role: 'user', content }
    const request: ResponsesRequest = {
      model: input.model,
      instructions: s.config.instructions,
      input: resolved.mode === 'local' ? [...resolved.history, user] : [user],
      store: resolved.mode === 'server',
      tools: input.search ? [{ type: 'web_search' }] : [],
    }
    if (resolved.previousResponseId) request.previous_response_id = resolved.previousResponseId
    if (input.effort) request.reasoning = { effort: input.effort as ReasoningEffort, summary: 'auto' }
    try {
      return await runWithTools(s.client, request, s.tools, {
        signal,
        onState,
        maxRounds: Math.max(1, s.config.limits.maxToolRounds),
        localHistory: resolved.mode === 'local',
      })
    } catch (err) {
      const rejected =
        err instanceof UpstreamError &&
        err.kind === 'bad_request' &&
        request.previous_response_id !== undefined &&
        (err.param === 'previous_response_id' || /previous_response_id/i.test(err.message))
      if (!rejected || attempt > 0 || s.config.conversation.mode !== 'auto') throw err
      s.log.warn(
        { base: s.config.openai.baseUrl },
        'endpoint rejects previous_response_id: using local history',
      )
      await s.conversations.markServerStateUnsupported()
    }
  }
}

const INTERRUPTED = 'interrupted'

/** What went wrong upstream in a stream that did not throw (it was cut, went silent, or failed). */
function upstreamProblem(state: AnswerState): string | undefined {
  if (state.status === 'failed') return 'response_failed'
  if (state.status !== 'incomplete') return undefined
  if (state.incompleteReason === 'stream_ended') return 'stream'
  if (state.incompleteReason === 'timeout') return 'timeout'
  return undefined
}

/** The line people read for a failure the stream reported, by its code; never the upstream message. */
function streamFailureLine(s: AnswerDeps, code: string): string {
  const kind: ErrorKind = /quota/.test(code) ? 'quota' : /rate_limit/.test(code) ? 'rate_limited' : 'server'
  return userMessage(kind, s.lang)
}

function failedState(s: AnswerDeps, state: AnswerState, err: unknown): AnswerState {
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
  const kind = err instanceof HeraldError ? err.kind : 'server'
  s.metrics.upstreamErrors.inc({ kind })
  return { ...state, status: 'failed', error: { code: kind, message: userMessage(kind, s.lang) } }
}

async function recordUsage(
  s: AnswerDeps,
  inv: Invocation,
  model: string,
  state: AnswerState,
): Promise<number | undefined> {
  if (!state.usage) return undefined
  // Names for the admins' top-spenders list, which otherwise shows only platform ids.
  await s.store.kv<string>(USER_NAMES).set(userKey(inv), inv.user.name, USER_NAME_TTL_MS)
  const searches = state.searches.filter((search) => search.status === 'completed').length
  const cost = await s.usage.record({
    user: userKey(inv),
    chat: inv.chat.key,
    model,
    usage: state.usage,
    searches,
  })
  s.metrics.tokens.inc({ model, kind: 'input' }, state.usage.input_tokens)
  s.metrics.tokens.inc({ model, kind: 'output' }, state.usage.output_tokens)
  s.metrics.dollars.inc({ model }, cost.usd)
  return cost.usd
}

function checkImage(s: AnswerDeps, size: number | undefined, mime: string | undefined): void {
  const max = s.config.limits.maxImageBytes
  if (size !== undefined && size > max) {
    throw new InputError('limits.image_too_large', {
      size: (size / 1048576).toFixed(1),
      max: (max / 1048576).toFixed(1),
    })
  }
  if (mime !== undefined && !IMAGE_TYPES.includes(mime)) throw new InputError('limits.image_type', { mime })
}

async function fetchImages(s: AnswerDeps, inv: Invocation, signal: AbortSignal): Promise<InputImage[]> {
  const images: InputImage[] = []
  for (const ref of inv.images) {
    const { mime, bytes } = await ref.fetch(signal)
    checkImage(s, bytes.byteLength, mime)
    images.push({
      type: 'input_image',
      image_url: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`,
    })
  }
  return images
}

function liveTranslator(s: AnswerDeps, position: () => number): LiveTranslate {
  return (key, params) => {
    if (key === 'status.queued' && position() > 0) return s.t('queue.position', { position: position() })
    if (key === 'reason.incomplete' && params?.reason === INTERRUPTED) return s.t('ask.interrupted')
    return s.t(key as MessageKey, params)
  }
}
