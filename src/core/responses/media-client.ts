import { Agent, type Dispatcher, FormData, request } from 'undici'
import { type Clock, systemClock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import { type Logger, silentLogger } from '../contracts/log.ts'
import { ConnectionError, UpstreamError } from './errors.ts'
import { withRetries } from './retry.ts'

/**
 * The OpenAI media endpoints beside the Responses API: `POST /images/generations` (where a relay
 * has no hosted image tool), `POST /audio/transcriptions` (voice in) and `POST /audio/speech`
 * (voice out). Errors are the Responses client's (`UpstreamError`, `ConnectionError`), opening a
 * call is retried the same way, and the caller's signal aborts it.
 *
 * @example
 *   const media = createMediaClient({ baseUrl: 'https://api.openai.com/v1', apiKey })
 *   const { text } = await media.transcribe({ model: 'gpt-4o-mini-transcribe', file: { name: 'voice.ogg', mime: 'audio/ogg', bytes } })
 */
export interface MediaClientOptions {
  /** Ends in /v1. */
  baseUrl: string
  apiKey: string
  clock?: Clock
  maxRetries?: number
  log?: Logger
  random?: () => number
  /** Ceiling on one whole call (images take up to a minute or two). */
  timeoutMs?: number
  dispatcher?: Dispatcher
}

export interface ImageGenerationRequest {
  model: string
  prompt: string
  size?: string
  quality?: string
}

export interface GeneratedImageFile {
  /** The picture, base64 (gpt-image models always answer `b64_json`). */
  b64: string
  revisedPrompt?: string
  /** Tokens the image model used, as the endpoint reports them. */
  usage?: { input_tokens: number; output_tokens: number }
}

export interface AudioFile {
  name: string
  mime: string
  bytes: Uint8Array
}

export interface TranscriptionRequest {
  model: string
  file: AudioFile
  /** ISO-639-1, when known (a hint that improves accuracy). */
  language?: string
}

export interface Transcription {
  text: string
}

export interface SpeechRequest {
  model: string
  input: string
  voice: string
  /** `opus` gives Ogg/Opus, what Telegram plays as a voice message. */
  response_format: 'opus' | 'mp3'
}

export interface MediaClient {
  generateImage(req: ImageGenerationRequest, signal?: AbortSignal): Promise<GeneratedImageFile>
  transcribe(req: TranscriptionRequest, signal?: AbortSignal): Promise<Transcription>
  speak(req: SpeechRequest, signal?: AbortSignal): Promise<Uint8Array>
  close(): Promise<void>
}

export function createMediaClient(options: MediaClientOptions): MediaClient {
  const clock = options.clock ?? systemClock
  const log = options.log ?? silentLogger
  const ownAgent = options.dispatcher ? undefined : new Agent({ connect: { timeout: 10_000 } })
  const dispatcher = options.dispatcher ?? (ownAgent as Agent)
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const context = { baseUrl: options.baseUrl, secrets: [options.apiKey] }
  const timeoutMs = options.timeoutMs ?? 180_000

  async function call(path: string, body: FormData | object, signal?: AbortSignal) {
    const form = body instanceof FormData
    const open = async () => {
      const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]
      try {
        const response = await request(`${baseUrl}${path}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.apiKey}`,
            'user-agent': 'herald',
            ...(form ? {} : { 'content-type': 'application/json' }),
          },
          body: form ? body : JSON.stringify(body),
          signal: AbortSignal.any(signals),
          dispatcher,
        })
        if (response.statusCode < 400) return response
        const text = await response.body.text()
        throw UpstreamError.from(response.statusCode, text, response.headers, {
          ...context,
          now: clock.now(),
        })
      } catch (error) {
        if (error instanceof HeraldError) throw error
        if (signal?.aborted) throw new HeraldError('aborted', 'aborted by the caller')
        const code = (error as { code?: unknown } | null)?.code
        const detail =
          typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
        throw new ConnectionError(`could not reach the OpenAI API (${detail})`, { cause: error })
      }
    }
    return withRetries(open, {
      maxRetries: options.maxRetries ?? 2,
      clock,
      random: options.random ?? Math.random,
      ...(signal ? { signal } : {}),
      onRetry: ({ attempt, delayMs, error }) =>
        log.warn({ path, kind: error.kind, attempt, delayMs }, 'retrying OpenAI call'),
    })
  }

  async function json(path: string, body: FormData | object, signal?: AbortSignal): Promise<unknown> {
    const response = await call(path, body, signal)
    try {
      return await response.body.json()
    } catch {
      throw new UpstreamError('server', response.statusCode, 'OpenAI API answered unreadable JSON')
    }
  }

  return {
    async generateImage(req, signal) {
      const body = (await json('/images/generations', { ...req, n: 1 }, signal)) as {
        data?: { b64_json?: unknown; revised_prompt?: unknown }[]
        usage?: { input_tokens?: unknown; output_tokens?: unknown }
      }
      const first = body.data?.[0]
      if (typeof first?.b64_json !== 'string')
        throw new UpstreamError('server', 200, 'OpenAI API answered an image generation without an image')
      const image: GeneratedImageFile = { b64: first.b64_json }
      if (typeof first.revised_prompt === 'string') image.revisedPrompt = first.revised_prompt
      const usage = body.usage
      if (typeof usage?.input_tokens === 'number' && typeof usage.output_tokens === 'number')
        image.usage = { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }
      return image
    },

    async transcribe(req, signal) {
      const form = new FormData()
      form.set('model', req.model)
      form.set('response_format', 'json')
      if (req.language) form.set('language', req.language)
      form.set('file', new Blob([req.file.bytes], { type: req.file.mime }), req.file.name)
      const body = (await json('/audio/transcriptions', form, signal)) as { text?: unknown }
      if (typeof body.text !== 'string')
        throw new UpstreamError('server', 200, 'OpenAI API answered a transcription without text')
      return { text: body.text }
    },

    async speak(req, signal) {
      const response = await call('/audio/speech', req, signal)
      return new Uint8Array(await response.body.arrayBuffer())
    },

    async close() {
      await ownAgent?.close()
    },
  }
}
