/**
 * The body of `POST /responses`, with the API's own names. `stream` is set by the client method
 * (`run` streams, `create` does not), so it is not part of this type.
 *
 * @example
 *   const req: ResponsesRequest = {
 *     model: 'gpt-5-mini',
 *     input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
 *     reasoning: { effort: 'low', summary: 'auto' },
 *     tools: [{ type: 'web_search' }],
 *   }
 */

/** Text in a user message. */
export interface InputText {
  type: 'input_text'
  text: string
}

export interface InputImage {
  type: 'input_image'
  /** An https URL or a `data:image/...;base64,` URL. */
  image_url: string
  detail?: 'low' | 'high' | 'auto'
}

/** A file the model reads: a PDF, as a `data:application/pdf;base64,` URL. */
export interface InputFile {
  type: 'input_file'
  filename: string
  file_data: string
}

/** Earlier assistant text sent back as history. */
export interface OutputTextInput {
  type: 'output_text'
  text: string
}

export interface InputMessage {
  type?: 'message'
  role: 'user' | 'assistant' | 'system' | 'developer'
  content: string | (InputText | InputImage | InputFile | OutputTextInput)[]
}

/** A function call the model made, sent back with local history. */
export interface FunctionCallInput {
  type: 'function_call'
  call_id: string
  name: string
  arguments: string
  id?: string
}

export interface FunctionCallOutputInput {
  type: 'function_call_output'
  call_id: string
  output: string
}

export type InputItem = InputMessage | FunctionCallInput | FunctionCallOutputInput

export type JsonSchema = { [key: string]: unknown }

export interface FunctionToolDefinition {
  type: 'function'
  name: string
  description: string
  parameters: JsonSchema
  strict?: boolean
}

export interface WebSearchToolDefinition {
  type: 'web_search' | 'web_search_preview'
  search_context_size?: 'low' | 'medium' | 'high'
}

/** The hosted image tool: the answer's model calls it, the image model draws. */
export interface ImageGenerationToolDefinition {
  type: 'image_generation'
  /** The image model, e.g. `gpt-image-1`. */
  model?: string
  /** 0-3 partial images streamed while it draws. */
  partial_images?: number
  size?: string
  quality?: string
  output_format?: 'png' | 'jpeg' | 'webp'
}

export type ToolDefinition = WebSearchToolDefinition | FunctionToolDefinition | ImageGenerationToolDefinition

export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; name: string }
  | { type: 'image_generation' }

/** The reasoning efforts of the API, least first; the registry says which a model accepts. */
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number]

export interface ResponsesRequest {
  model: string
  input: string | InputItem[]
  instructions?: string
  previous_response_id?: string
  reasoning?: { effort?: ReasoningEffort; summary?: 'auto' | 'concise' | 'detailed' }
  tools?: ToolDefinition[]
  tool_choice?: ToolChoice
  max_output_tokens?: number
  max_tool_calls?: number
  background?: boolean
  store?: boolean
  metadata?: Record<string, string>
}
