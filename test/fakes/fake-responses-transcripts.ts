import type {
  OutputItem,
  ResponseObject,
  ResponseStatus,
  ResponseUsage,
  StreamEvent,
  UrlCitation,
} from '../../src/core/responses/events.ts'

/**
 * Realistic Responses API stream transcripts, built the way the API sends them: every event has a
 * `sequence_number`, output items get indexes, and the terminal event carries the whole response
 * (output, usage) assembled from what was streamed.
 *
 * @example
 *   const events = new Transcript({ id: 'resp_1' }).start().message(['Hel', 'lo']).completed().events
 */
export const testUsage: ResponseUsage = {
  input_tokens: 12,
  input_tokens_details: { cached_tokens: 4 },
  output_tokens: 8,
  output_tokens_details: { reasoning_tokens: 3 },
  total_tokens: 20,
}

export interface TranscriptOptions {
  id?: string
  model?: string
}

/** Splits text into `parts` nearly equal pieces (code points kept whole). */
export function splitInto(text: string, parts: number): string[] {
  const chars = [...text]
  const size = Math.ceil(chars.length / parts)
  const pieces: string[] = []
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''))
  return pieces
}

/** A StreamEvent without its sequence number (distributed over the union). */
export type Unsequenced = StreamEvent extends infer E
  ? E extends StreamEvent
    ? Omit<E, 'sequence_number'>
    : never
  : never

export class Transcript {
  readonly events: StreamEvent[] = []
  readonly response: ResponseObject
  private sequence = 0

  constructor(options: TranscriptOptions = {}) {
    this.response = {
      id: options.id ?? 'resp_1',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'in_progress',
      model: options.model ?? 'gpt-test',
      output: [],
      usage: null,
    }
  }

  /** Any event; the sequence number is filled in. */
  push(event: Unsequenced): this {
    this.events.push({ ...event, sequence_number: this.sequence++ } as StreamEvent)
    return this
  }

  private snapshot(status: ResponseStatus): ResponseObject {
    return structuredClone({ ...this.response, status })
  }

  private lifecycle(
    type: 'response.created' | 'response.in_progress' | 'response.queued',
    status: ResponseStatus,
  ) {
    return this.push({ type, response: this.snapshot(status) })
  }

  /** `response.created` + `response.in_progress`. */
  start(): this {
    return this.lifecycle('response.created', 'in_progress').lifecycle('response.in_progress', 'in_progress')
  }

  /** Background start: `response.created` (queued) + `response.queued`. */
  queued(): this {
    return this.lifecycle('response.created', 'queued').lifecycle('response.queued', 'queued')
  }

  inProgress(): this {
    return this.lifecycle('response.in_progress', 'in_progress')
  }

  private addItem(item: OutputItem): number {
    const index = this.response.output.length
    this.response.output.push(item)
    this.push({ type: 'response.output_item.added', output_index: index, item: emptied(item) })
    return index
  }

  private itemDone(index: number): this {
    return this.push({
      type: 'response.output_item.done',
      output_index: index,
      item: structuredClone(this.response.output[index]!),
    })
  }

  reasoning(parts: string[], deltasPerPart = 2): this {
    const id = `rs_${this.response.output.length}`
    const output_index = this.addItem({
      type: 'reasoning',
      id,
      summary: parts.map((text) => ({ type: 'summary_text', text })),
    })
    parts.forEach((text, summary_index) => {
      const base = { item_id: id, output_index, summary_index }
      this.push({
        type: 'response.reasoning_summary_part.added',
        ...base,
        part: { type: 'summary_text', text: '' },
      })
      for (const delta of splitInto(text, deltasPerPart))
        this.push({ type: 'response.reasoning_summary_text.delta', ...base, delta })
      this.push({ type: 'response.reasoning_summary_text.done', ...base, text })
      this.push({
        type: 'response.reasoning_summary_part.done',
        ...base,
        part: { type: 'summary_text', text },
      })
    })
    return this.itemDone(output_index)
  }

  webSearch(query: string): this {
    const id = `ws_${this.response.output.length}`
    const output_index = this.addItem({
      type: 'web_search_call',
      id,
      status: 'completed',
      action: { type: 'search', query },
    })
    for (const step of ['in_progress', 'searching', 'completed'] as const) {
      this.push({ type: `response.web_search_call.${step}`, item_id: id, output_index })
    }
    return this.itemDone(output_index)
  }

  /** An assistant message streamed as `deltas`, with url citations announced after the text. */
  message(deltas: string[], citations: UrlCitation[] = []): this {
    const id = `msg_${this.response.output.length}`
    const text = deltas.join('')
    const part = { type: 'output_text' as const, text, annotations: citations }
    const output_index = this.addItem({
      type: 'message',
      id,
      role: 'assistant',
      status: 'completed',
      content: [part],
    })
    const base = { item_id: id, output_index, content_index: 0 }
    this.push({
      type: 'response.content_part.added',
      ...base,
      part: { type: 'output_text', text: '', annotations: [] },
    })
    for (const delta of deltas) this.push({ type: 'response.output_text.delta', ...base, delta })
    for (const [annotation_index, annotation] of citations.entries()) {
      this.push({ type: 'response.output_text.annotation.added', ...base, annotation_index, annotation })
    }
    this.push({ type: 'response.output_text.done', ...base, text })
    this.push({ type: 'response.content_part.done', ...base, part: structuredClone(part) })
    return this.itemDone(output_index)
  }

  refusal(text: string): this {
    const id = `msg_${this.response.output.length}`
    const part = { type: 'refusal' as const, refusal: text }
    const output_index = this.addItem({
      type: 'message',
      id,
      role: 'assistant',
      status: 'completed',
      content: [part],
    })
    const base = { item_id: id, output_index, content_index: 0 }
    this.push({ type: 'response.content_part.added', ...base, part: { type: 'refusal', refusal: '' } })
    this.push({ type: 'response.refusal.delta', ...base, delta: text })
    this.push({ type: 'response.refusal.done', ...base, refusal: text })
    this.push({ type: 'response.content_part.done', ...base, part })
    return this.itemDone(output_index)
  }

  functionCall(name: string, args: string, callId = 'call_1', deltas = 2): this {
    const id = `fc_${this.response.output.length}`
    const item = {
      type: 'function_call' as const,
      id,
      call_id: callId,
      name,
      arguments: args,
      status: 'completed' as const,
    }
    const output_index = this.addItem(item)
    for (const delta of splitInto(args, deltas)) {
      this.push({ type: 'response.function_call_arguments.delta', item_id: id, output_index, delta })
    }
    this.push({ type: 'response.function_call_arguments.done', item_id: id, output_index, arguments: args })
    return this.itemDone(output_index)
  }

  /**
   * The hosted image tool drawing a picture: `in_progress`, `generating`, one `partial_image` per
   * partial (real PNG bytes, base64), `completed`, then the item with the final image as `result`.
   */
  image(options: {
    partials: readonly Uint8Array[]
    final: Uint8Array
    revisedPrompt?: string
    size?: string
    quality?: string
  }): this {
    const id = `ig_${this.response.output.length}`
    const size = options.size ?? '1024x1024'
    const quality = options.quality ?? 'medium'
    const output_index = this.addItem({
      type: 'image_generation_call',
      id,
      status: 'completed',
      result: Buffer.from(options.final).toString('base64'),
      revised_prompt: options.revisedPrompt ?? null,
      size,
      quality,
      output_format: 'png',
    })
    const base = { item_id: id, output_index }
    this.push({ type: 'response.image_generation_call.in_progress', ...base })
    this.push({ type: 'response.image_generation_call.generating', ...base })
    for (const [partial_image_index, png] of options.partials.entries()) {
      this.push({
        type: 'response.image_generation_call.partial_image',
        ...base,
        partial_image_index,
        partial_image_b64: Buffer.from(png).toString('base64'),
        output_format: 'png',
        size,
        quality,
      })
    }
    this.push({ type: 'response.image_generation_call.completed', ...base })
    return this.itemDone(output_index)
  }

  completed(usage: ResponseUsage = testUsage): this {
    this.response.usage = usage
    return this.push({ type: 'response.completed', response: this.snapshot('completed') })
  }

  incomplete(reason: string, usage: ResponseUsage = testUsage): this {
    this.response.usage = usage
    this.response.incomplete_details = { reason }
    return this.push({ type: 'response.incomplete', response: this.snapshot('incomplete') })
  }

  failed(code: string, message: string): this {
    this.response.error = { code, message }
    return this.push({ type: 'response.failed', response: this.snapshot('failed') })
  }

  error(code: string, message: string): this {
    return this.push({ type: 'error', code, message, param: null })
  }
}

/** The item as announced by `output_item.added`: in progress, no content yet. */
function emptied(item: OutputItem): OutputItem {
  switch (item.type) {
    case 'message':
      return { ...item, status: 'in_progress', content: [] }
    case 'reasoning':
      return { ...item, summary: [] }
    case 'web_search_call':
      return { ...item, status: 'in_progress' }
    case 'function_call':
      return { ...item, arguments: '', status: 'in_progress' }
    case 'image_generation_call':
      return { type: item.type, id: item.id, status: 'in_progress', result: null }
  }
}

// The transcripts the tests use, by kind.

export const textAnswer = (text: string, deltas = 3, options: TranscriptOptions = {}) =>
  new Transcript(options).start().message(splitInto(text, deltas)).completed().events

export const reasoningAnswer = (summary: string[], text: string, options: TranscriptOptions = {}) =>
  new Transcript(options).start().reasoning(summary).message(splitInto(text, 2)).completed().events

export const webSearchAnswer = (
  query: string,
  text: string,
  citations: UrlCitation[],
  options: TranscriptOptions = {},
) =>
  new Transcript(options).start().webSearch(query).message(splitInto(text, 2), citations).completed().events

export const functionCallAnswer = (
  name: string,
  args: string,
  callId = 'call_1',
  options: TranscriptOptions = {},
) => new Transcript(options).start().functionCall(name, args, callId).completed().events

export const incompleteAnswer = (
  text: string,
  reason = 'max_output_tokens',
  options: TranscriptOptions = {},
) => new Transcript(options).start().message(splitInto(text, 2)).incomplete(reason).events

export const failedAnswer = (code: string, message: string, options: TranscriptOptions = {}) =>
  new Transcript(options).start().failed(code, message).events

export const errorEventAnswer = (
  partial: string,
  code: string,
  message: string,
  options: TranscriptOptions = {},
) => {
  const t = new Transcript(options).start()
  const id = 'msg_0'
  t.push({
    type: 'response.output_item.added',
    output_index: 0,
    item: { type: 'message', id, role: 'assistant', status: 'in_progress', content: [] },
  })
  t.push({
    type: 'response.content_part.added',
    item_id: id,
    output_index: 0,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [] },
  })
  t.push({
    type: 'response.output_text.delta',
    item_id: id,
    output_index: 0,
    content_index: 0,
    delta: partial,
  })
  return t.error(code, message).events
}

export const backgroundAnswer = (text: string, options: TranscriptOptions = {}) =>
  new Transcript(options).queued().inProgress().message(splitInto(text, 3)).completed().events

export const citation = (url: string, title: string, start = 0, end = 10): UrlCitation => ({
  type: 'url_citation',
  url,
  title,
  start_index: start,
  end_index: end,
})

/** SSE frames for events: `event:` + `data:` lines (OpenAI), or `data:` only (relays), and `[DONE]`. */
export function toSseFrames(
  events: readonly object[],
  options: { eventLines?: boolean; done?: boolean } = {},
): string[] {
  const frames = events.map((event) => {
    const data = `data: ${JSON.stringify(event)}\n\n`
    const type = (event as { type?: string }).type
    return options.eventLines === false || type === undefined ? data : `event: ${type}\n${data}`
  })
  return options.done ? [...frames, 'data: [DONE]\n\n'] : frames
}
