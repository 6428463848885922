import { assertNever } from '../contracts/errors.ts'
import type {
  ContentPart,
  ImageGenerationCallItem,
  OutputItem,
  ReasoningItem,
  ResponseObject,
  ResponseUsage,
  StreamEvent,
} from './events.ts'
import { responseFromChatCompletion } from './response-body.ts'
import {
  type Activity,
  type AnswerState,
  type Citation,
  type FunctionCall,
  type GeneratedImage,
  initialState,
  isFinal,
  type Usage,
  type WebSearch,
} from './state.ts'

/**
 * The pure fold from stream events to the one AnswerState the live message renders.
 *
 * @example
 *   let state = initialState()
 *   for (const event of events) state = fold(state, event)
 */
export function fold(state: AnswerState, event: StreamEvent): AnswerState {
  const s = { ...state, lastSequence: Math.max(state.lastSequence, event.sequence_number) }
  switch (event.type) {
    case 'response.created':
      return event.response.status === 'queued'
        ? { ...identify(s, event.response), status: 'queued', activity: { kind: 'queued' } }
        : identify(s, event.response)
    case 'response.queued':
      return { ...identify(s, event.response), status: 'queued', activity: { kind: 'queued' } }
    case 'response.in_progress':
      return {
        ...identify(s, event.response),
        status: 'in_progress',
        activity: s.activity.kind === 'queued' ? { kind: 'waiting' } : s.activity,
      }
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      return { ...mergeResponse(s, event.response), ...terminal(event.response) }
    case 'response.output_item.added':
      return itemAdded(s, event.item)
    case 'response.output_item.done':
      return itemDone(s, event.item)
    case 'response.content_part.added':
      // Raw reasoning arrives as content parts of the reasoning item: it is reasoning, not the answer.
      return event.part.type === 'reasoning_text'
        ? { ...s, reasoning: separated(s.reasoning), activity: { kind: 'thinking' } }
        : { ...s, text: separated(s.text), activity: writing(s.activity) }
    case 'response.output_text.delta':
    case 'response.refusal.delta':
      return { ...s, text: s.text + event.delta, activity: writing(s.activity) }
    case 'response.output_text.annotation.added':
      return event.annotation.type === 'url_citation'
        ? { ...s, citations: addCitations(s.citations, [event.annotation]) }
        : s
    case 'response.reasoning_summary_part.added':
      return { ...s, reasoning: separated(s.reasoning), activity: { kind: 'thinking' } }
    case 'response.reasoning_summary_text.delta':
    case 'response.reasoning_text.delta':
      return { ...s, reasoning: s.reasoning + event.delta, activity: { kind: 'thinking' } }
    case 'response.function_call_arguments.delta':
      return updateCall(s, event.item_id, (call) => ({ ...call, arguments: call.arguments + event.delta }))
    case 'response.function_call_arguments.done':
      return updateCall(s, event.item_id, (call) => ({
        ...call,
        arguments: event.arguments,
        status: 'completed',
      }))
    case 'response.web_search_call.in_progress':
      return searchProgress(s, event.item_id, 'in_progress')
    case 'response.web_search_call.searching':
      return searchProgress(s, event.item_id, 'searching')
    case 'response.web_search_call.completed':
      return { ...s, searches: upsertSearch(s.searches, event.item_id, 'completed') }
    case 'response.image_generation_call.in_progress':
      return {
        ...s,
        images: upsertImage(s.images, event.item_id, { status: 'in_progress' }),
        activity: DRAWING,
      }
    case 'response.image_generation_call.generating':
      return {
        ...s,
        images: upsertImage(s.images, event.item_id, { status: 'generating' }),
        activity: DRAWING,
      }
    case 'response.image_generation_call.partial_image':
      return {
        ...s,
        images: upsertImage(s.images, event.item_id, {
          status: 'generating',
          partial: { index: event.partial_image_index, b64: event.partial_image_b64 },
          ...defined({ size: event.size, quality: event.quality, format: event.output_format }),
        }),
        activity: DRAWING,
      }
    case 'response.image_generation_call.completed':
      return s
    case 'error':
      return { ...s, status: 'failed', error: { code: event.code ?? 'error', message: event.message } }
    case 'response.content_part.done':
    case 'response.output_text.done':
    case 'response.refusal.done':
    case 'response.reasoning_summary_part.done':
    case 'response.reasoning_summary_text.done':
    case 'response.reasoning_text.done':
      return s
    default:
      return assertNever(event)
  }
}

/**
 * A stream that ended without a terminal event: the text so far is kept, the answer is incomplete.
 * `aborted` is the caller's own cancel (see client.ts).
 */
export function finishUnterminated(
  state: AnswerState,
  reason: 'stream_ended' | 'timeout' | 'aborted',
): AnswerState {
  if (isFinal(state)) return state
  return { ...state, status: 'incomplete', incompleteReason: reason }
}

/** The state of a whole Response object (polling `GET /responses/{id}`, a non-streamed answer). */
export function stateFromResponse(response: ResponseObject, lastSequence = -1): AnswerState {
  const base: AnswerState = { ...initialState(), status: response.status, lastSequence }
  const merged = mergeResponse(base, response)
  const activity: Activity = response.status === 'queued' ? { kind: 'queued' } : activityOf(response.output)
  return { ...merged, activity, ...terminal(response) }
}

/** A Chat Completions body (`choices[0].message.content`), as some relays answer, read as a state. */
export function stateFromChatCompletion(body: Parameters<typeof responseFromChatCompletion>[0]): AnswerState {
  return stateFromResponse(responseFromChatCompletion(body))
}

export function toUsage(usage: ResponseUsage): Usage {
  const input = usage.input_tokens ?? 0
  const output = usage.output_tokens ?? 0
  return {
    input_tokens: input,
    cached_input_tokens: usage.input_tokens_details?.cached_tokens ?? 0,
    output_tokens: output,
    reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
    total_tokens: usage.total_tokens ?? input + output,
  }
}

function identify(s: AnswerState, response: ResponseObject): AnswerState {
  const next = { ...s }
  if (typeof response.id === 'string') next.responseId = response.id
  if (typeof response.model === 'string' && response.model !== '') next.model = response.model
  return next
}

/** Status, incomplete reason and error of a response in a final status. */
function terminal(
  response: ResponseObject,
): Pick<AnswerState, 'status'> & Partial<Pick<AnswerState, 'incompleteReason' | 'error'>> {
  switch (response.status) {
    case 'incomplete':
      return { status: 'incomplete', incompleteReason: response.incomplete_details?.reason ?? 'unknown' }
    case 'failed':
      return {
        status: 'failed',
        error: {
          code: response.error?.code ?? 'unknown',
          message: response.error?.message ?? 'response failed',
        },
      }
    default:
      return { status: response.status }
  }
}

/** Adds what a full Response carries: usage, citations, calls, searches, and text the stream missed. */
function mergeResponse(s: AnswerState, response: ResponseObject): AnswerState {
  const output = response.output
  let next = identify(s, response)
  if (response.usage) next.usage = toUsage(response.usage)
  if (next.text === '') next.text = joinParts(output.flatMap(contentOf).map(partText))
  if (next.reasoning === '')
    next.reasoning = joinParts(output.flatMap((i) => (i.type === 'reasoning' ? reasoningTexts(i) : [])))
  next.citations = addCitations(next.citations, output.flatMap(contentOf).flatMap(citationsOf))
  for (const item of output) {
    if (item.type === 'web_search_call') next = { ...next, searches: searchFrom(next.searches, item) }
    if (item.type === 'function_call')
      next = upsertCall(next, item, item.status === 'in_progress' ? 'in_progress' : 'completed')
    if (item.type === 'image_generation_call') next = { ...next, images: imageFrom(next.images, item) }
  }
  return next
}

/** A reasoning item's summary, else its raw reasoning text. */
function reasoningTexts(item: ReasoningItem): string[] {
  const summary = Array.isArray(item.summary) ? item.summary.map((p) => p.text) : []
  if (summary.some((t) => t !== '')) return summary
  return Array.isArray(item.content) ? item.content.map((p) => p.text) : []
}

function itemAdded(s: AnswerState, item: OutputItem): AnswerState {
  switch (item.type) {
    case 'message':
      return { ...s, activity: writing(s.activity) }
    case 'reasoning':
      return { ...s, activity: { kind: 'thinking' } }
    case 'web_search_call': {
      const searches = searchFrom(s.searches, item)
      return { ...s, searches, activity: searchingActivity(searches, item.id) }
    }
    case 'function_call':
      return { ...upsertCall(s, item, 'in_progress'), activity: { kind: 'calling', name: item.name } }
    case 'image_generation_call':
      return { ...s, images: imageFrom(s.images, item), activity: DRAWING }
    default:
      return s
  }
}

function itemDone(s: AnswerState, item: OutputItem): AnswerState {
  switch (item.type) {
    case 'web_search_call':
      return { ...s, searches: searchFrom(s.searches, item) }
    case 'function_call':
      return upsertCall(s, item, 'completed')
    case 'image_generation_call':
      return { ...s, images: imageFrom(s.images, item) }
    default:
      return s
  }
}

const DRAWING: Activity = { kind: 'drawing' }

/** The fields that have a value (optional fields stay absent rather than undefined). */
function defined<T extends Record<string, string | undefined>>(fields: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {}
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key as keyof T] = value
  return out
}

function upsertImage(
  images: GeneratedImage[],
  id: string,
  change: Partial<Omit<GeneratedImage, 'id'>>,
): GeneratedImage[] {
  const found = images.find((image) => image.id === id)
  if (!found) return [...images, { id, status: 'in_progress', ...change }]
  // A late progress event never takes a finished image back to "generating".
  const status = found.status === 'completed' || found.status === 'failed' ? found.status : change.status
  return images.map((image) =>
    image.id === id ? { ...image, ...change, status: status ?? image.status } : image,
  )
}

/** What an `image_generation_call` item says: the final image once completed, and the revised prompt. */
function imageFrom(images: GeneratedImage[], item: ImageGenerationCallItem): GeneratedImage[] {
  const change: Partial<Omit<GeneratedImage, 'id'>> = {
    status: item.status ?? 'in_progress',
    ...defined({
      result: typeof item.result === 'string' && item.result !== '' ? item.result : undefined,
      revisedPrompt: item.revised_prompt ?? undefined,
      size: item.size,
      quality: item.quality,
      format: item.output_format,
    }),
  }
  const found = images.find((image) => image.id === item.id)
  if (!found) return [...images, { id: item.id, status: 'in_progress', ...change }]
  return images.map((image) => (image.id === item.id ? { ...image, ...change } : image))
}

function writing(activity: Activity): Activity {
  return activity.kind === 'writing' ? activity : { kind: 'writing' }
}

/** A new part after earlier text starts after a blank line. */
function separated(text: string): string {
  return text === '' || text.endsWith('\n\n') ? text : text + '\n\n'
}

function joinParts(parts: string[]): string {
  return parts.filter((p) => p !== '').join('\n\n')
}

function contentOf(item: OutputItem): ContentPart[] {
  return item.type === 'message' && Array.isArray(item.content) ? item.content : []
}

function partText(part: ContentPart): string {
  return part.type === 'output_text' ? part.text : part.type === 'refusal' ? part.refusal : ''
}

function citationsOf(part: ContentPart): Citation[] {
  if (part.type !== 'output_text' || !Array.isArray(part.annotations)) return []
  return part.annotations.flatMap((a) => (a.type === 'url_citation' ? [{ url: a.url, title: a.title }] : []))
}

function addCitations(existing: Citation[], found: readonly { url: string; title: string }[]): Citation[] {
  const fresh = found.filter(
    (c, i) => !existing.some((e) => e.url === c.url) && found.findIndex((f) => f.url === c.url) === i,
  )
  return fresh.length === 0
    ? existing
    : [...existing, ...fresh.map((c) => ({ url: c.url, title: c.title ?? c.url }))]
}

function queryOf(item: { action?: { type: string; query?: string } }): string | undefined {
  return item.action?.type === 'search' && typeof item.action.query === 'string'
    ? item.action.query
    : undefined
}

function upsertSearch(
  searches: WebSearch[],
  id: string,
  status: WebSearch['status'],
  query?: string,
): WebSearch[] {
  const found = searches.find((w) => w.id === id)
  if (!found) return [...searches, query === undefined ? { id, status } : { id, status, query }]
  return searches.map((w) =>
    w.id !== id ? w : query === undefined ? { ...w, status } : { ...w, status, query },
  )
}

function searchFrom(
  searches: WebSearch[],
  item: { id: string; status?: WebSearch['status']; action?: { type: string; query?: string } },
): WebSearch[] {
  return upsertSearch(searches, item.id, item.status ?? 'in_progress', queryOf(item))
}

function searchingActivity(searches: WebSearch[], id: string): Activity {
  const query = searches.find((w) => w.id === id)?.query
  return query === undefined ? { kind: 'searching' } : { kind: 'searching', query }
}

function searchProgress(s: AnswerState, id: string, status: 'in_progress' | 'searching'): AnswerState {
  const searches = upsertSearch(s.searches, id, status)
  return { ...s, searches, activity: searchingActivity(searches, id) }
}

function upsertCall(
  s: AnswerState,
  item: { id: string; call_id: string; name: string; arguments?: string },
  status: FunctionCall['status'],
): AnswerState {
  const args = typeof item.arguments === 'string' ? item.arguments : ''
  const found = s.functionCalls.find((c) => c.id === item.id)
  if (!found) {
    const call: FunctionCall = {
      id: item.id,
      call_id: item.call_id,
      name: item.name,
      arguments: args,
      status,
    }
    return { ...s, functionCalls: [...s.functionCalls, call] }
  }
  return updateCall(s, item.id, (c) => ({ ...c, arguments: args === '' ? c.arguments : args, status }))
}

function updateCall(s: AnswerState, id: string, change: (call: FunctionCall) => FunctionCall): AnswerState {
  if (!s.functionCalls.some((c) => c.id === id)) return s
  return { ...s, functionCalls: s.functionCalls.map((c) => (c.id === id ? change(c) : c)) }
}

function activityOf(output: OutputItem[]): Activity {
  const last = output.at(-1)
  switch (last?.type) {
    case undefined:
      return { kind: 'waiting' }
    case 'reasoning':
      return { kind: 'thinking' }
    case 'web_search_call': {
      const query = queryOf(last)
      return query === undefined ? { kind: 'searching' } : { kind: 'searching', query }
    }
    case 'function_call':
      return { kind: 'calling', name: last.name }
    case 'image_generation_call':
      return DRAWING
    default:
      return { kind: 'writing' }
  }
}
