import { type Dispatcher, request } from 'undici'
import { UpstreamError } from '../core/responses/errors.ts'
import type { ModelInfo } from '../core/state/models.ts'
import { PROBE_OUTPUT_TOKENS } from './doctor-cost.ts'

/**
 * The doctor's requests to the endpoint under probe: each read whole and raw, since the stream's
 * dialect shows only in its bytes, and a failure to connect is an answer (`ok: false`), not a throw.
 *
 * @example
 *   const client = new ProbeClient({ baseUrl, apiKey, model })
 *   const sent = await client.ask({ store: false, tools: [{ type: 'web_search' }] })
 *   if (sent.ok && client.refuses(sent.answer, 'background')) …
 */
export interface ProbeClientOptions {
  /** OPENAI_BASE_URL, ending in /v1. */
  baseUrl: string
  apiKey: string
  /** What every probe asks with. */
  model: ModelInfo
  dispatcher?: Dispatcher | undefined
  /** Per request; default 60 s. */
  timeoutMs?: number | undefined
}

/** One answer, read whole. */
export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export type Sent = { ok: true; answer: Answer } | { ok: false; detail: string }

export const PROBE_PROMPT = 'Reply with the word OK.'

export class ProbeClient {
  /** The base URL without a trailing slash. */
  readonly base: string
  readonly model: ModelInfo
  private readonly options: ProbeClientOptions

  constructor(options: ProbeClientOptions) {
    this.options = options
    this.base = options.baseUrl.replace(/\/+$/, '')
    this.model = options.model
  }

  /** The smallest answer: a few words of the default model. */
  ask(extra: object, stream = true): Promise<Sent> {
    return this.send('POST', '/responses', {
      model: this.model.id,
      input: PROBE_PROMPT,
      max_output_tokens: PROBE_OUTPUT_TOKENS,
      stream,
      ...extra,
    })
  }

  /** One call, read whole and raw; a failure to connect is not thrown. */
  async send(method: 'GET' | 'POST', path: string, body?: object): Promise<Sent> {
    try {
      const response = await request(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'user-agent': 'herald-doctor',
          accept: 'text/event-stream, application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : null,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      })
      const text = await response.body.text()
      return { ok: true, answer: { status: response.statusCode, headers: response.headers, text } }
    } catch (error) {
      const code = (error as { code?: unknown }).code
      const detail = typeof code === 'string' ? code : String((error as Error).message ?? error)
      return { ok: false, detail }
    }
  }

  /** The answer's error, classified as answers classify it (the key redacted). */
  errorOf(answer: Answer): UpstreamError {
    return UpstreamError.from(answer.status, answer.text, answer.headers, {
      baseUrl: this.options.baseUrl,
      secrets: [this.options.apiKey],
    })
  }

  /** A 400 that names `param`, as relays refuse what they do not support. */
  refuses(answer: Answer, param: string): boolean {
    if (answer.status !== 400) return false
    const error = this.errorOf(answer)
    return error.param === param || new RegExp(param.replace('.', '\\.'), 'i').test(error.message)
  }
}
