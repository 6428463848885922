import type { ChatCompletion, OutputText, Refusal, ResponseObject } from './events.ts'

/**
 * Reads a JSON answer body: a Response object, or the Chat Completions shape some relays send back
 * for a Responses call (turned into an equivalent Response). `undefined` when it is neither.
 *
 * @example
 *   const response = readResponseBody(await body.json())
 *   if (response) state = stateFromResponse(response)
 */
export function readResponseBody(body: unknown): ResponseObject | undefined {
  if (!isRecord(body)) return undefined
  if (Array.isArray(body.choices)) return responseFromChatCompletion(body as unknown as ChatCompletion)
  if (typeof body.id !== 'string' || typeof body.status !== 'string') return undefined
  const response = body as unknown as ResponseObject
  return Array.isArray(response.output) ? response : { ...response, output: [] }
}

/** A Chat Completions body as a Response: one assistant message, usage renamed, finish reason mapped. */
export function responseFromChatCompletion(body: ChatCompletion): ResponseObject {
  const choice = body.choices[0]
  const content: (OutputText | Refusal)[] = []
  const text = textOf(choice?.message?.content)
  if (text !== '') content.push({ type: 'output_text', text, annotations: [] })
  const refusal = choice?.message?.refusal
  if (typeof refusal === 'string' && refusal !== '') content.push({ type: 'refusal', refusal })
  const id = body.id ?? 'chatcmpl'
  const reason = choice?.finish_reason
  const incomplete =
    reason === 'length' ? 'max_output_tokens' : reason === 'content_filter' ? 'content_filter' : undefined
  const response: ResponseObject = {
    id,
    object: 'response',
    status: incomplete === undefined ? 'completed' : 'incomplete',
    model: body.model ?? '',
    output: [{ type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed', content }],
  }
  if (incomplete !== undefined) response.incomplete_details = { reason: incomplete }
  const usage = body.usage
  if (usage) {
    const input = usage.prompt_tokens ?? 0
    const output = usage.completion_tokens ?? 0
    response.usage = {
      input_tokens: input,
      input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0 },
      total_tokens: usage.total_tokens ?? input + output,
    }
  }
  return response
}

/** Content is a string, or (some relays) an array of `{type: 'text', text}` parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('')
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
