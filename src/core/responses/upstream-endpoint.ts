import { Agent, type Dispatcher } from 'undici'
import { type Clock, systemClock } from '../contracts/clock.ts'
import type { ErrorKind } from '../contracts/errors.ts'
import { type Logger, silentLogger } from '../contracts/log.ts'
import { UpstreamError } from './errors.ts'
import type { RetryOptions } from './retry.ts'

/** What `UpstreamEndpoint` needs; the clock, the log and the jitter have defaults. */
export interface UpstreamEndpointOptions {
  /** Ends in /v1, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  apiKey: string
  clock?: Clock | undefined
  log?: Logger | undefined
  /** In [0, 1): the retry jitter. */
  random?: (() => number) | undefined
  /** TCP + TLS connect, enforced by the endpoint's own Agent. */
  connectMs: number
  /** Replaces the endpoint's own Agent (which then is not created and not closed). */
  dispatcher?: Dispatcher | undefined
  /** Called for every error that is retried, with its kind (for metrics). */
  onRetry?: ((kind: ErrorKind) => void) | undefined
}

/** What a request's body is: JSON, multipart (undici writes its content type), or none. */
export type BodyKind = 'json' | 'form' | 'none'

/**
 * What every call to the OpenAI API shares, whichever endpoint it goes to (`client.ts` for the
 * Responses API, `media-client.ts` for images and audio): the address and the Bearer key, the
 * connection pool, an error status read into an `UpstreamError` that never shows the key, and the
 * retry policy (retry.ts) waiting on the injected clock.
 *
 * @example
 *   const upstream = new UpstreamEndpoint({ baseUrl, apiKey, clock, connectMs: 10_000 })
 *   const open = async () => {
 *     const response = await request(upstream.url('/audio/speech'), {
 *       method: 'POST', headers: upstream.headers('json'), body, dispatcher: upstream.dispatcher,
 *     })
 *     if (response.statusCode < 400) return response
 *     throw await upstream.readError(response)
 *   }
 *   const response = await withRetries(open, upstream.retryPolicy('/audio/speech', 2, signal))
 */
export class UpstreamEndpoint {
  readonly clock: Clock
  readonly log: Logger
  readonly dispatcher: Dispatcher
  /** The endpoint's own pool, when no dispatcher was given: `close` ends it. */
  private readonly ownAgent: Agent | undefined
  private readonly baseUrl: string
  private readonly authorization: string
  private readonly random: () => number
  private readonly onRetry: ((kind: ErrorKind) => void) | undefined
  /** What an UpstreamError may name (the base URL) and must never show (the key). */
  private readonly errorContext: { baseUrl: string; secrets: string[] }

  constructor(options: UpstreamEndpointOptions) {
    this.clock = options.clock ?? systemClock
    this.log = options.log ?? silentLogger
    this.random = options.random ?? Math.random
    this.onRetry = options.onRetry
    this.ownAgent = options.dispatcher ? undefined : new Agent({ connect: { timeout: options.connectMs } })
    this.dispatcher = options.dispatcher ?? (this.ownAgent as Agent)
    this.baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.authorization = `Bearer ${options.apiKey}`
    this.errorContext = { baseUrl: options.baseUrl, secrets: [options.apiKey] }
  }

  /** The full address of an API path such as `/responses`. */
  url(path: string): string {
    return `${this.baseUrl}${path}`
  }

  /** The key, Herald's name, what the answer should be (when it matters) and the body's type. */
  headers(body: BodyKind, accept?: string): Record<string, string> {
    return {
      authorization: this.authorization,
      ...(accept === undefined ? {} : { accept }),
      'user-agent': 'herald',
      ...(body === 'json' ? { 'content-type': 'application/json' } : {}),
    }
  }

  /** An error status with its body: the API's own error, its kind and retry hint, without the key. */
  async readError(response: Dispatcher.ResponseData): Promise<UpstreamError> {
    const text = await response.body.text()
    return UpstreamError.from(response.statusCode, text, response.headers, {
      ...this.errorContext,
      now: this.clock.now(),
    })
  }

  /**
   * The retry policy of one call (retry.ts decides what is retryable and how long to wait): waits
   * run on the injected clock, and the caller's signal ends them. Only a call's opening is retried.
   */
  retryPolicy(path: string, maxRetries: number, signal: AbortSignal | undefined): RetryOptions {
    return {
      maxRetries,
      clock: this.clock,
      random: this.random,
      ...(signal ? { signal } : {}),
      onRetry: ({ attempt, delayMs, error }) => {
        this.log.warn({ path, kind: error.kind, attempt, delayMs }, 'retrying OpenAI call')
        this.onRetry?.(error.kind)
      },
    }
  }

  /** Closes the endpoint's own connection pool (a given dispatcher is the giver's to close). */
  async close(): Promise<void> {
    await this.ownAgent?.close()
  }
}
