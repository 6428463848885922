/**
 * The one state an answer is folded into, from the stream's typed events (see fold.ts).
 * The live-message engine renders it; usage and conversations read it at the end.
 */
export interface Usage {
  input_tokens: number
  cached_input_tokens: number
  output_tokens: number
  reasoning_tokens: number
  total_tokens: number
}

/** The usage of a request that is not priced by tokens (speech, a transcription on its own). */
export const NO_TOKENS: Usage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
  total_tokens: 0,
}

export interface Citation {
  url: string
  title: string
}

export interface WebSearch {
  id: string
  status: 'in_progress' | 'searching' | 'completed' | 'failed'
  /** The query, when the API tells it (in `action.query` of the output item). */
  query?: string
}

export interface FunctionCall {
  /** The output item id (`fc_…`). */
  id: string
  call_id: string
  name: string
  /** JSON text, complete once `status` is 'completed'. */
  arguments: string
  status: 'in_progress' | 'completed'
}

/** A picture from the hosted `image_generation` tool (or the images endpoint), as far as it has come. */
export interface GeneratedImage {
  /** The output item id (`ig_…`). */
  id: string
  status: 'in_progress' | 'generating' | 'completed' | 'failed'
  /** The newest partial image (base64) and its 0-based index, while it is drawn. */
  partial?: { index: number; b64: string }
  /** The finished image (base64). */
  result?: string
  /** The prompt the image model was given (the model rewrites the person's words). */
  revisedPrompt?: string
  size?: string
  quality?: string
  /** `png`, `jpeg` or `webp`. */
  format?: string
}

/** What the model is doing right now, for the status line while streaming. */
export type Activity =
  | { kind: 'waiting' }
  | { kind: 'queued' }
  | { kind: 'thinking' }
  | { kind: 'searching'; query?: string }
  | { kind: 'calling'; name: string }
  | { kind: 'drawing' }
  | { kind: 'writing' }

export type AnswerStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled'

export interface AnswerState {
  responseId?: string
  model?: string
  status: AnswerStatus
  activity: Activity
  /** The answer's text so far (all output_text parts, in order; refusals included). */
  text: string
  /** Reasoning summary text so far (parts separated by a blank line). */
  reasoning: string
  searches: WebSearch[]
  /** Unique by url, in order of first appearance. */
  citations: Citation[]
  functionCalls: FunctionCall[]
  /** Pictures drawn by the image tool, in order. */
  images: GeneratedImage[]
  usage?: Usage
  /** Set when status is 'incomplete': `max_output_tokens`, `content_filter`, `stream_ended`, `timeout`, … */
  incompleteReason?: string
  /** Set when status is 'failed' (a `response.failed` or an `error` event). */
  error?: { code: string; message: string }
  /** The last `sequence_number` seen: where a background stream resumes. */
  lastSequence: number
}

export function initialState(): AnswerState {
  return {
    status: 'in_progress',
    activity: { kind: 'waiting' },
    text: '',
    reasoning: '',
    searches: [],
    citations: [],
    functionCalls: [],
    images: [],
    lastSequence: -1,
  }
}

export function isFinal(state: AnswerState): boolean {
  return (
    state.status === 'completed' ||
    state.status === 'incomplete' ||
    state.status === 'failed' ||
    state.status === 'cancelled'
  )
}
