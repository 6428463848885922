/**
 * Wire types of the Responses API, with the API's own names (snake_case fields). `StreamEvent` is the
 * union the fold switches on: a new event type here is a compile error in fold.ts until handled.
 * Relay quirks are absorbed before these types are produced (see sse.ts).
 */

export interface ResponseUsage {
  input_tokens: number
  input_tokens_details?: { cached_tokens?: number } | null
  output_tokens: number
  output_tokens_details?: { reasoning_tokens?: number } | null
  total_tokens: number
}

export interface UrlCitation {
  type: 'url_citation'
  url: string
  title: string
  start_index: number
  end_index: number
}

/** Annotations Herald does not show; listed so the union stays discriminated. */
export interface OtherAnnotation {
  type: 'file_citation' | 'container_file_citation' | 'file_path'
}

export type Annotation = UrlCitation | OtherAnnotation

export interface OutputText {
  type: 'output_text'
  text: string
  annotations: Annotation[]
}

export interface Refusal {
  type: 'refusal'
  refusal: string
}

export type ContentPart = OutputText | Refusal

/** Raw reasoning (DeepSeek, OpenRouter's open models): a content part of a reasoning item. */
export interface ReasoningText {
  type: 'reasoning_text'
  text: string
}

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete'

export interface MessageItem {
  type: 'message'
  id: string
  role: 'assistant'
  status: ItemStatus
  content: ContentPart[]
}

export interface SummaryText {
  type: 'summary_text'
  text: string
}

export interface ReasoningItem {
  type: 'reasoning'
  id: string
  summary: SummaryText[]
  /** Raw reasoning, where the endpoint sends it instead of (or besides) a summary. */
  content?: ReasoningText[] | null
  encrypted_content?: string | null
}

export type WebSearchAction =
  | { type: 'search'; query?: string; sources?: { type: 'url'; url: string }[] }
  | { type: 'open_page'; url?: string }
  | { type: 'find'; url?: string; pattern?: string }

export interface WebSearchCallItem {
  type: 'web_search_call'
  id: string
  status: 'in_progress' | 'searching' | 'completed' | 'failed'
  action?: WebSearchAction
}

export interface FunctionCallItem {
  type: 'function_call'
  id: string
  call_id: string
  name: string
  /** JSON text. */
  arguments: string
  status?: ItemStatus
}

/**
 * The hosted `image_generation` tool's call: `result` is the final image (base64) once completed;
 * `revised_prompt` is the prompt the image model was actually given.
 */
export interface ImageGenerationCallItem {
  type: 'image_generation_call'
  id: string
  status: 'in_progress' | 'generating' | 'completed' | 'failed'
  result?: string | null
  revised_prompt?: string | null
  size?: string
  quality?: string
  output_format?: string
}

export type OutputItem =
  | MessageItem
  | ReasoningItem
  | WebSearchCallItem
  | FunctionCallItem
  | ImageGenerationCallItem

export type ResponseStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled'

/** The Response object: the body of POST/GET /responses and the `response` of lifecycle events. */
export interface ResponseObject {
  id: string
  object: 'response'
  created_at?: number
  status: ResponseStatus
  model: string
  output: OutputItem[]
  usage?: ResponseUsage | null
  incomplete_details?: { reason: string } | null
  error?: { code: string; message: string } | null
  previous_response_id?: string | null
  background?: boolean | null
  metadata?: Record<string, string> | null
}

interface Sequenced {
  sequence_number: number
}

export interface ResponseLifecycleEvent extends Sequenced {
  type:
    | 'response.created'
    | 'response.in_progress'
    | 'response.queued'
    | 'response.completed'
    | 'response.incomplete'
    | 'response.failed'
  response: ResponseObject
}

export interface OutputItemEvent extends Sequenced {
  type: 'response.output_item.added' | 'response.output_item.done'
  output_index: number
  item: OutputItem
}

export interface ContentPartEvent extends Sequenced {
  type: 'response.content_part.added' | 'response.content_part.done'
  item_id: string
  output_index: number
  content_index: number
  part: ContentPart | ReasoningText
}

export interface OutputTextDeltaEvent extends Sequenced {
  type: 'response.output_text.delta'
  item_id: string
  output_index: number
  content_index: number
  delta: string
}

export interface OutputTextDoneEvent extends Sequenced {
  type: 'response.output_text.done'
  item_id: string
  output_index: number
  content_index: number
  text: string
}

export interface AnnotationAddedEvent extends Sequenced {
  type: 'response.output_text.annotation.added'
  item_id: string
  output_index: number
  content_index: number
  annotation_index: number
  annotation: Annotation
}

export interface RefusalDeltaEvent extends Sequenced {
  type: 'response.refusal.delta'
  item_id: string
  output_index: number
  content_index: number
  delta: string
}

export interface RefusalDoneEvent extends Sequenced {
  type: 'response.refusal.done'
  item_id: string
  output_index: number
  content_index: number
  refusal: string
}

export interface ReasoningSummaryPartEvent extends Sequenced {
  type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done'
  item_id: string
  output_index: number
  summary_index: number
  part: SummaryText
}

export interface ReasoningSummaryTextDeltaEvent extends Sequenced {
  type: 'response.reasoning_summary_text.delta'
  item_id: string
  output_index: number
  summary_index: number
  delta: string
}

export interface ReasoningSummaryTextDoneEvent extends Sequenced {
  type: 'response.reasoning_summary_text.done'
  item_id: string
  output_index: number
  summary_index: number
  text: string
}

/** Raw reasoning text, streamed like output text (DeepSeek, OpenRouter). */
export interface ReasoningTextDeltaEvent extends Sequenced {
  type: 'response.reasoning_text.delta'
  item_id: string
  output_index: number
  content_index: number
  delta: string
}

export interface ReasoningTextDoneEvent extends Sequenced {
  type: 'response.reasoning_text.done'
  item_id: string
  output_index: number
  content_index: number
  text: string
}

export interface FunctionCallArgumentsDeltaEvent extends Sequenced {
  type: 'response.function_call_arguments.delta'
  item_id: string
  output_index: number
  delta: string
}

export interface FunctionCallArgumentsDoneEvent extends Sequenced {
  type: 'response.function_call_arguments.done'
  item_id: string
  output_index: number
  arguments: string
}

export interface WebSearchCallEvent extends Sequenced {
  type:
    | 'response.web_search_call.in_progress'
    | 'response.web_search_call.searching'
    | 'response.web_search_call.completed'
  item_id: string
  output_index: number
}

export interface ImageGenerationCallEvent extends Sequenced {
  type:
    | 'response.image_generation_call.in_progress'
    | 'response.image_generation_call.generating'
    | 'response.image_generation_call.completed'
  item_id: string
  output_index: number
}

/** A partial image (`partial_images` on the tool): each one is the whole picture, sharper than the last. */
export interface ImageGenerationPartialImageEvent extends Sequenced {
  type: 'response.image_generation_call.partial_image'
  item_id: string
  output_index: number
  /** 0-based. */
  partial_image_index: number
  partial_image_b64: string
  output_format?: string
  size?: string
  quality?: string
}

/** A stream-level error (`event: error`): the response ends failed. */
export interface ErrorEvent extends Sequenced {
  type: 'error'
  code: string | null
  message: string
  param: string | null
}

export type StreamEvent =
  | ResponseLifecycleEvent
  | OutputItemEvent
  | ContentPartEvent
  | OutputTextDeltaEvent
  | OutputTextDoneEvent
  | AnnotationAddedEvent
  | RefusalDeltaEvent
  | RefusalDoneEvent
  | ReasoningSummaryPartEvent
  | ReasoningSummaryTextDeltaEvent
  | ReasoningSummaryTextDoneEvent
  | ReasoningTextDeltaEvent
  | ReasoningTextDoneEvent
  | FunctionCallArgumentsDeltaEvent
  | FunctionCallArgumentsDoneEvent
  | WebSearchCallEvent
  | ImageGenerationCallEvent
  | ImageGenerationPartialImageEvent
  | ErrorEvent

export type StreamEventType = StreamEvent['type']

/** A Chat Completions body, as some relays answer a Responses call. Only the fields Herald reads. */
export interface ChatCompletion {
  id?: string
  object?: 'chat.completion'
  model?: string
  choices: {
    message?: { content?: string | null; refusal?: string | null }
    finish_reason?: string | null
  }[]
  usage?: {
    prompt_tokens?: number
    completion_tokens?: number
    total_tokens?: number
    prompt_tokens_details?: { cached_tokens?: number } | null
    completion_tokens_details?: { reasoning_tokens?: number } | null
  } | null
}
