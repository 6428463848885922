import { UpstreamError } from '../responses/errors.ts'
import type { ImageGenerationToolDefinition } from '../responses/request.ts'
import { type AnswerState, type GeneratedImage, initialState } from '../responses/state.ts'
import { imagePriceUsd } from '../state/models.ts'
import { MICRO_USD_PER_USD, PARTIAL_IMAGE_TOKENS, type PictureCharge } from '../state/usage.ts'
import type { AnswerDeps } from './answer-deps.ts'

/**
 * Pictures in answers: the hosted `image_generation` tool with partial images (drawn live, see
 * live/live-pictures.ts), and where an endpoint has no such tool, `POST /images/generations`
 * without previews. That an endpoint refused the tool is remembered in the store (per base URL,
 * shared by every process), so later pictures go straight to the images endpoint.
 *
 * @example
 *   request.tools.push(imageTool(s.config.imageModel, { forced: true, size: '1024x1024' }))
 */
export interface DrawRequest {
  /** `1024x1024`, `1024x1536`, `1536x1024` or `auto`. */
  size?: string | undefined
  /** `low`, `medium`, `high` or `auto`. */
  quality?: string | undefined
  /** Also send each finished picture as a file (full resolution). */
  asFile?: boolean | undefined
  /** The model must draw (`/image`); otherwise it may (a reply to one of its pictures). */
  forced: boolean
}

export const IMAGE_SIZES = ['1024x1024', '1024x1536', '1536x1024', 'auto'] as const
export const IMAGE_QUALITIES = ['low', 'medium', 'high', 'auto'] as const
/** Partial images asked for: two previews, then the picture itself. */
export const PARTIAL_IMAGES = 2

export function imageTool(imageModel: string, draw: DrawRequest): ImageGenerationToolDefinition {
  const tool: ImageGenerationToolDefinition = {
    type: 'image_generation',
    model: imageModel,
    partial_images: PARTIAL_IMAGES,
    output_format: 'png',
  }
  if (draw.size !== undefined) tool.size = draw.size
  if (draw.quality !== undefined) tool.quality = draw.quality
  return tool
}

/** What one picture may cost (partials included), for the budget check before the request. */
export function drawingEstimateUsd(s: AnswerDeps, draw: DrawRequest): number {
  const model = s.models.get(s.config.imageModel)
  if (!model) return 0
  const partials = (PARTIAL_IMAGES * PARTIAL_IMAGE_TOKENS * model.price.output) / MICRO_USD_PER_USD
  return imagePriceUsd(model, draw.size, draw.quality) + partials
}

/** The finished pictures of an answer, as the usage ledger prices them. */
export function pictureCharges(imageModel: string, images: readonly GeneratedImage[]): PictureCharge[] {
  return images
    .filter((image) => image.status === 'completed' && image.result !== undefined)
    .map((image) => ({
      model: imageModel,
      size: image.size,
      quality: image.quality,
      partials: image.partial ? image.partial.index + 1 : 0,
    }))
}

/** An endpoint that does not know the hosted image tool refuses the request as a bad one. */
export function refusesImageTool(err: unknown): boolean {
  return (
    err instanceof UpstreamError &&
    err.kind === 'bad_request' &&
    (err.param?.startsWith('tools') === true || /image_generation/.test(err.message))
  )
}

/** A refusal by the image model's safety system (`moderation_blocked` and its relatives). */
export function isSafetyRefusal(code: string | undefined): boolean {
  return code !== undefined && /moderation|safety|content_policy/i.test(code)
}

const NO_IMAGE_TOOL = 'no-image-tool'

export async function imageToolUnsupported(s: AnswerDeps): Promise<boolean> {
  return (await s.store.kv<boolean>('media').get(`${NO_IMAGE_TOOL}:${s.config.openai.baseUrl}`)) === true
}

export async function markImageToolUnsupported(s: AnswerDeps): Promise<void> {
  s.log.warn({ base: s.config.openai.baseUrl }, 'endpoint has no image tool: using the images endpoint')
  await s.store.kv<boolean>('media').set(`${NO_IMAGE_TOOL}:${s.config.openai.baseUrl}`, true)
}

/**
 * One picture from `POST /images/generations`, as a completed answer state: the picture is its
 * only output; `usage` is the image model's own tokens when the endpoint reports them.
 */
export async function drawWithEndpoint(
  s: AnswerDeps,
  prompt: string,
  draw: DrawRequest,
  signal: AbortSignal,
): Promise<AnswerState> {
  const request = { model: s.config.imageModel, prompt, ...definedSizeAndQuality(draw) }
  const drawn = await s.media.generateImage(request, signal)
  const image: GeneratedImage = { id: 'img_0', status: 'completed', result: drawn.b64, format: 'png' }
  if (drawn.revisedPrompt !== undefined) image.revisedPrompt = drawn.revisedPrompt
  if (draw.size !== undefined) image.size = draw.size
  if (draw.quality !== undefined) image.quality = draw.quality
  const state: AnswerState = {
    ...initialState(),
    status: 'completed',
    activity: { kind: 'drawing' },
    model: s.config.imageModel,
    images: [image],
  }
  if (drawn.usage) {
    const { input_tokens, output_tokens } = drawn.usage
    state.usage = {
      input_tokens,
      cached_input_tokens: 0,
      output_tokens,
      reasoning_tokens: 0,
      total_tokens: input_tokens + output_tokens,
    }
  }
  return state
}

function definedSizeAndQuality(draw: DrawRequest): { size?: string; quality?: string } {
  return {
    ...(draw.size !== undefined ? { size: draw.size } : {}),
    ...(draw.quality !== undefined ? { quality: draw.quality } : {}),
  }
}
