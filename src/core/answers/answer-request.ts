/**
 * What an answer asks upstream: the person's message with what they attached, the conversation
 * (by server state or local history), the tools the chat's settings and the endpoint allow, and
 * the reasoning effort.
 */
import type { Invocation } from '../contracts/chat.ts'
import { InputError } from '../contracts/errors.ts'
import { UpstreamError } from '../responses/errors.ts'
import type {
  InputFile,
  InputImage,
  InputItem,
  InputText,
  ReasoningEffort,
  ResponsesRequest,
  ToolDefinition,
} from '../responses/request.ts'
import type { AnswerDeps } from './answer-deps.ts'
import { readDocuments } from './documents.ts'
import { type DrawRequest, imageTool } from './drawing.ts'

/** What goes with the prompt in the user's message: images, PDFs, text files. */
export type Attached = InputImage | InputFile | InputText

/** What one turn asks, beside the conversation it continues. */
export interface Turn {
  model: string
  /** The prompt, or a voice note's transcript with the prompt beside it. */
  question: string
  attached: readonly Attached[]
  effort: string | undefined
  search: boolean
  /** `/image`, or a reply to a picture: the image tool, forced or offered. */
  draw: DrawRequest | undefined
  /** The chat's `/pictures`: the image tool offered to an ordinary ask. */
  offerPictures: boolean
}

/** The request for a turn in `chatKey`, continuing the branch `replyTo` names (or the latest). */
export async function turnRequest(
  s: AnswerDeps,
  chatKey: string,
  replyTo: string | undefined,
  turn: Turn,
): Promise<ResponsesRequest> {
  const resolved = await s.conversations.resolve(chatKey, replyTo)
  const content = [
    ...(turn.question === '' ? [] : [{ type: 'input_text' as const, text: turn.question }]),
    ...turn.attached,
  ]
  const user: InputItem = { role: 'user', content }
  const request: ResponsesRequest = {
    model: turn.model,
    instructions: s.config.instructions,
    input: resolved.mode === 'local' ? [...resolved.history, user] : [user],
    store: resolved.mode === 'server',
    tools: [
      ...((await searchTool(s, turn.search)) ?? []),
      ...(turn.draw ? [imageTool(s.config.imageModel, turn.draw)] : []),
      ...(turn.offerPictures ? [imageTool(s.config.imageModel, { forced: false })] : []),
    ],
  }
  if (turn.draw?.forced) request.tool_choice = { type: 'image_generation' }
  if (resolved.previousResponseId) request.previous_response_id = resolved.previousResponseId
  if (turn.effort) {
    // A relay that refuses reasoning summaries still takes the effort.
    const summary = !(await s.endpoint.isUnsupported('reasoning-summary'))
    request.reasoning = { effort: turn.effort as ReasoningEffort, ...(summary ? { summary: 'auto' } : {}) }
  }
  return request
}

/** True when the endpoint refused the request's `previous_response_id` (it keeps no server state). */
export function rejectsServerState(err: unknown, request: ResponsesRequest): boolean {
  return (
    err instanceof UpstreamError &&
    err.kind === 'bad_request' &&
    request.previous_response_id !== undefined &&
    (err.param === 'previous_response_id' || /previous_response_id/i.test(err.message))
  )
}

/** The web search tool this endpoint takes, or none where it has none (`npm run doctor` found out). */
async function searchTool(s: AnswerDeps, search: boolean): Promise<ToolDefinition[] | undefined> {
  if (!search || (await s.endpoint.isUnsupported('web-search'))) return undefined
  return [{ type: await s.endpoint.webSearchTool() }]
}

/** The images and documents of `inv`, read and checked against the limits, as request content. */
export async function readAttached(s: AnswerDeps, inv: Invocation, signal: AbortSignal): Promise<Attached[]> {
  const { maxImageBytes, maxFileBytes } = s.config.limits
  const images: Attached[] = []
  for (const ref of inv.images) {
    const { mime, bytes } = await ref.fetch(signal)
    checkImage(maxImageBytes, bytes.byteLength, mime)
    images.push({
      type: 'input_image',
      image_url: `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`,
    })
  }
  return [...images, ...(await readDocuments(inv.documents ?? [], maxFileBytes, signal))]
}

/** What stands for the attachments in local history (their bytes are not kept). */
export function attachedNote(inv: Invocation): string | undefined {
  const notes = [
    ...(inv.images.length > 0 ? [`${inv.images.length} image(s)`] : []),
    ...(inv.documents ?? []).map((doc) => `file: ${doc.name}`),
  ]
  return notes.length > 0 ? `[${notes.join(', ')}]` : undefined
}

const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp']

/** Throws InputError for an image past `maxBytes` or of a type the API does not take. */
export function checkImage(maxBytes: number, size: number | undefined, mime: string | undefined): void {
  if (size !== undefined && size > maxBytes) {
    throw new InputError('limits.image_too_large', {
      size: Math.round((size / 1048576) * 10) / 10,
      max: Math.round((maxBytes / 1048576) * 10) / 10,
    })
  }
  if (mime !== undefined && !IMAGE_TYPES.includes(mime)) throw new InputError('limits.image_type', { mime })
}
