import { createParser } from 'eventsource-parser'
import type { StreamEvent, StreamEventType } from './events.ts'

/**
 * The SSE boundary: bytes in, typed `StreamEvent`s out. Relay quirks are absorbed here, once:
 * - the type comes from the JSON `type` (an `event:` line is used only when the JSON has none);
 * - a `data: [DONE]` trailer ends nothing and is reported through `onDone`;
 * - unknown event types go to `onUnknown` (never thrown) and are counted;
 * - malformed data (bad JSON, missing required fields) is skipped and counted;
 * - data lines not separated by a blank line are read one JSON per line;
 * - a missing `sequence_number` becomes the previous one + 1.
 *
 * @example
 *   const parser = createStreamEventParser({ onEvent: (e) => (state = fold(state, e)) })
 *   for await (const chunk of body) parser.feed(chunk)
 *   parser.end()
 */
export interface StreamParserHandlers {
  onEvent(event: StreamEvent): void
  onUnknown?(type: string, data: unknown): void
  onMalformed?(data: string): void
  onDone?(): void
}

export interface StreamEventParser {
  feed(chunk: Uint8Array | string): void
  /** Flushes a last event that was not followed by a blank line. */
  end(): void
  readonly stats: ParseStats
}

export interface ParseStats {
  events: number
  malformed: number
  unknown: number
  /** True once a `[DONE]` trailer was seen. */
  done: boolean
}

type FieldKind = 'string' | 'object'

/** Every known type with the fields the fold relies on; keyed by the union, so it stays complete. */
const REQUIRED: Record<StreamEventType, readonly (readonly [string, FieldKind])[]> = {
  'response.created': [['response', 'object']],
  'response.in_progress': [['response', 'object']],
  'response.queued': [['response', 'object']],
  'response.completed': [['response', 'object']],
  'response.incomplete': [['response', 'object']],
  'response.failed': [['response', 'object']],
  'response.output_item.added': [['item', 'object']],
  'response.output_item.done': [['item', 'object']],
  'response.content_part.added': [['part', 'object']],
  'response.content_part.done': [['part', 'object']],
  'response.output_text.delta': [['delta', 'string']],
  'response.output_text.done': [['text', 'string']],
  'response.output_text.annotation.added': [['annotation', 'object']],
  'response.refusal.delta': [['delta', 'string']],
  'response.refusal.done': [['refusal', 'string']],
  'response.reasoning_summary_part.added': [],
  'response.reasoning_summary_part.done': [],
  'response.reasoning_summary_text.delta': [['delta', 'string']],
  'response.reasoning_summary_text.done': [['text', 'string']],
  'response.reasoning_text.delta': [['delta', 'string']],
  'response.reasoning_text.done': [['text', 'string']],
  'response.function_call_arguments.delta': [
    ['item_id', 'string'],
    ['delta', 'string'],
  ],
  'response.function_call_arguments.done': [
    ['item_id', 'string'],
    ['arguments', 'string'],
  ],
  'response.web_search_call.in_progress': [['item_id', 'string']],
  'response.web_search_call.searching': [['item_id', 'string']],
  'response.web_search_call.completed': [['item_id', 'string']],
  'response.image_generation_call.in_progress': [['item_id', 'string']],
  'response.image_generation_call.generating': [['item_id', 'string']],
  'response.image_generation_call.completed': [['item_id', 'string']],
  'response.image_generation_call.partial_image': [
    ['item_id', 'string'],
    ['partial_image_b64', 'string'],
  ],
  error: [],
}

function isKnownType(type: string): type is StreamEventType {
  return Object.hasOwn(REQUIRED, type)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasFields(data: Record<string, unknown>, type: StreamEventType): boolean {
  return REQUIRED[type].every(([field, kind]) =>
    kind === 'object' ? isRecord(data[field]) : typeof data[field] === 'string',
  )
}

/** Fills the gaps relays leave so that the event matches its type. */
function normalize(data: Record<string, unknown>, type: StreamEventType): Record<string, unknown> {
  if (type === 'error') {
    const inner = isRecord(data.error) ? data.error : data
    return {
      ...data,
      code: typeof inner.code === 'string' ? inner.code : null,
      message: typeof inner.message === 'string' ? inner.message : 'stream error',
      param: typeof inner.param === 'string' ? inner.param : null,
    }
  }
  if (isRecord(data.response) && !Array.isArray(data.response.output)) {
    return { ...data, response: { ...data.response, output: [] } }
  }
  if (
    type.startsWith('response.output_item') &&
    typeof (data.item as Record<string, unknown>).type !== 'string'
  ) {
    return { ...data, item: { ...(data.item as Record<string, unknown>), type: 'unknown' } }
  }
  return data
}

export function createStreamEventParser(handlers: StreamParserHandlers): StreamEventParser {
  const stats: ParseStats = { events: 0, malformed: 0, unknown: 0, done: false }
  const decoder = new TextDecoder()
  let lastSequence = -1

  const malformed = (data: string) => {
    stats.malformed++
    handlers.onMalformed?.(data)
  }

  const accept = (data: unknown, eventName: string | undefined, raw: string) => {
    if (!isRecord(data)) return malformed(raw)
    const type = typeof data.type === 'string' ? data.type : eventName
    if (type === undefined) return malformed(raw)
    if (!isKnownType(type)) {
      stats.unknown++
      handlers.onUnknown?.(type, data)
      return
    }
    if (!hasFields(data, type)) return malformed(raw)
    const sequence = typeof data.sequence_number === 'number' ? data.sequence_number : lastSequence + 1
    lastSequence = sequence
    stats.events++
    handlers.onEvent({ ...normalize(data, type), type, sequence_number: sequence } as unknown as StreamEvent)
  }

  const onData = (raw: string, eventName: string | undefined) => {
    const text = raw.trim()
    if (text === '') return
    if (text === '[DONE]') {
      stats.done = true
      handlers.onDone?.()
      return
    }
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch {
      const lines = text.split('\n')
      if (lines.length === 1) return malformed(text)
      for (const line of lines) onData(line.replace(/^data:\s?/, ''), eventName)
      return
    }
    accept(data, eventName, text)
  }

  const parser = createParser({ onEvent: (message) => onData(message.data, message.event) })

  return {
    feed(chunk) {
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
    },
    end() {
      parser.feed(decoder.decode() + '\n\n')
    },
    stats,
  }
}

/** Parses a whole SSE text at once (tests, replays). */
export function parseStreamEvents(text: string): { events: StreamEvent[]; stats: ParseStats } {
  const events: StreamEvent[] = []
  const parser = createStreamEventParser({ onEvent: (event) => events.push(event) })
  parser.feed(text)
  parser.end()
  return { events, stats: parser.stats }
}
