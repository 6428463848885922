import { type Dispatcher, FormData, request } from 'undici'
import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import { ConnectionError, UpstreamError } from './errors.ts'
import { withRetries } from './retry.ts'
import { UpstreamEndpoint } from './upstream-endpoint.ts'

/** What `createMediaClient` needs; everything but the address and the key has a default. */
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

/**
 * The OpenAI media endpoints beside the Responses API: `POST /images/generations` (where a relay
 * has no hosted image tool), `POST /audio/transcriptions` (voice in) and `POST /audio/speech`
 * (voice out). Errors are the Responses client's (`UpstreamError`, `ConnectionError`), opening a
 * call is retried the same way (both go through upstream-endpoint.ts), and the caller's signal
 * aborts it. Each attempt has one ceiling, `timeoutMs`, over its opening and its reading.
 *
 * @example
 *   const media = createMediaClient({ baseUrl: 'https://api.openai.com/v1', apiKey })
 *   const { text } = await media.transcribe({ model: 'gpt-4o-mini-transcribe', file: { name: 'voice.ogg', mime: 'audio/ogg', bytes } })
 */
export interface MediaClient {
  generateImage(req: ImageGenerationRequest, signal?: AbortSignal): Promise<GeneratedImageFile>
  transcribe(req: TranscriptionRequest, signal?: AbortSignal): Promise<Transcription>
  speak(req: SpeechRequest, signal?: AbortSignal): Promise<Uint8Array>
  close(): Promise<void>
}

/** The client over its own connection pool (or the given dispatcher); see `MediaClient`. */
export function createMediaClient(options: MediaClientOptions): MediaClient {
  const client = new MediaApiClient(options)
  return {
    generateImage: (req, signal) => client.generateImage(req, signal),
    transcribe: (req, signal) => client.transcribe(req, signal),
    speak: (req, signal) => client.speak(req, signal),
    close: () => client.close(),
  }
}

/** As the Responses client connects (`defaultTimeouts.connectMs` in client.ts). */
const CONNECT_MS = 10_000

/**
 * The client behind `createMediaClient`. Each endpoint method builds its body and reads its answer;
 * `perform` opens the call with retries, each attempt under the whole-call ceiling `timeoutMs`.
 * The key, the pool, error statuses and the retry policy are the `UpstreamEndpoint`'s
 * (upstream-endpoint.ts), as for the Responses client.
 */
class MediaApiClient {
  private readonly upstream: UpstreamEndpoint
  private readonly maxRetries: number
  private readonly timeoutMs: number

  constructor(options: MediaClientOptions) {
    this.upstream = new UpstreamEndpoint({ ...options, connectMs: CONNECT_MS })
    this.maxRetries = options.maxRetries ?? 2
    this.timeoutMs = options.timeoutMs ?? 180_000
  }

  async generateImage(req: ImageGenerationRequest, signal?: AbortSignal): Promise<GeneratedImageFile> {
    const body = (await this.json('/images/generations', { ...req, n: 1 }, signal)) as {
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
  }

  async transcribe(req: TranscriptionRequest, signal?: AbortSignal): Promise<Transcription> {
    const form = new FormData()
    form.set('model', req.model)
    form.set('response_format', 'json')
    if (req.language) form.set('language', req.language)
    form.set('file', new Blob([req.file.bytes], { type: req.file.mime }), req.file.name)
    const body = (await this.json('/audio/transcriptions', form, signal)) as { text?: unknown }
    if (typeof body.text !== 'string')
      throw new UpstreamError('server', 200, 'OpenAI API answered a transcription without text')
    return { text: body.text }
  }

  async speak(req: SpeechRequest, signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.perform('/audio/speech', req, signal)
    return new Uint8Array(await response.body.arrayBuffer())
  }

  close(): Promise<void> {
    return this.upstream.close()
  }

  /** One call whose answer is JSON, read whole. */
  private async json(path: string, body: FormData | object, signal?: AbortSignal): Promise<unknown> {
    const response = await this.perform(path, body, signal)
    try {
      return await response.body.json()
    } catch {
      throw new UpstreamError('server', response.statusCode, 'OpenAI API answered unreadable JSON')
    }
  }

  /** One call: opens it with retries (only the opening; the caller's signal ends the waits). */
  private perform(
    path: string,
    body: FormData | object,
    signal?: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    return withRetries(
      () => this.attempt(path, body, signal),
      this.upstream.retryPolicy(path, this.maxRetries, signal),
    )
  }

  /**
   * One attempt under the ceiling: an answer below 400 is returned, an error status is read into
   * an UpstreamError, the caller's abort is 'aborted' and anything else a ConnectionError.
   */
  private async attempt(
    path: string,
    body: FormData | object,
    signal: AbortSignal | undefined,
  ): Promise<Dispatcher.ResponseData> {
    const form = body instanceof FormData
    const signals = [AbortSignal.timeout(this.timeoutMs), ...(signal ? [signal] : [])]
    try {
      const response = await request(this.upstream.url(path), {
        method: 'POST',
        headers: this.upstream.headers(form ? 'form' : 'json'),
        body: form ? body : JSON.stringify(body),
        signal: AbortSignal.any(signals),
        dispatcher: this.upstream.dispatcher,
      })
      if (response.statusCode < 400) return response
      throw await this.upstream.readError(response)
    } catch (error) {
      if (error instanceof HeraldError) throw error
      if (signal?.aborted) throw new HeraldError('aborted', 'aborted by the caller')
      const code = (error as { code?: unknown } | null)?.code
      const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
      throw new ConnectionError(`could not reach the OpenAI API (${detail})`, { cause: error })
    }
  }
}
