import type { IncomingMessage } from 'node:http'
import type { UploadedFile } from './fake-discord-world.ts'

/**
 * The HTTP plumbing of the fake Discord REST API: reading JSON and multipart bodies (files[n] plus
 * payload_json), per-key rate-limit windows with Discord's headers, and a tiny path router.
 */
export interface ParsedBody {
  json: unknown
  files: UploadedFile[]
}

export async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  const type = req.headers['content-type'] ?? ''
  if (raw.length === 0) return { json: undefined, files: [] }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData()
    const files: UploadedFile[] = []
    let json: unknown
    for (const [field, value] of form.entries()) {
      if (field === 'payload_json' && typeof value === 'string') json = JSON.parse(value)
      else if (/^files\[\d+\]$/.test(field) && typeof value !== 'string') {
        files.push({ name: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) })
      }
    }
    return { json, files }
  }
  const text = raw.toString('utf8')
  return { json: type.startsWith('application/json') ? JSON.parse(text) : text, files: [] }
}

export interface BucketOptions {
  /** Requests allowed per window. */
  limit: number
  windowMs: number
}

export type BucketVerdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; retryAfterMs: number; headers: Record<string, string> }

/** Fixed windows per key (a channel, an interaction token), counted the way Discord reports them. */
export class Buckets {
  readonly #options: BucketOptions
  readonly #windows = new Map<string, { resetAt: number; used: number }>()

  constructor(options: BucketOptions) {
    this.#options = options
  }

  take(key: string, hash: string, now: number): BucketVerdict {
    const window = this.#window(key, now)
    if (window.used >= this.#options.limit) {
      return { ok: false, retryAfterMs: window.resetAt - now, headers: this.#headers(window, hash, now) }
    }
    window.used++
    return { ok: true, headers: this.#headers(window, hash, now) }
  }

  /** A forced 429: the window is exhausted until `retryAfterMs` from now. */
  exhaust(key: string, hash: string, now: number, retryAfterMs: number): Record<string, string> {
    const window = { resetAt: now + retryAfterMs, used: this.#options.limit }
    this.#windows.set(key, window)
    return this.#headers(window, hash, now)
  }

  #window(key: string, now: number): { resetAt: number; used: number } {
    let window = this.#windows.get(key)
    if (!window || now >= window.resetAt) {
      window = { resetAt: now + this.#options.windowMs, used: 0 }
      this.#windows.set(key, window)
    }
    return window
  }

  #headers(window: { resetAt: number; used: number }, hash: string, now: number): Record<string, string> {
    const resetAfterMs = Math.max(0, window.resetAt - now)
    return {
      'X-RateLimit-Limit': String(this.#options.limit),
      'X-RateLimit-Remaining': String(Math.max(0, this.#options.limit - window.used)),
      'X-RateLimit-Reset-After': (resetAfterMs / 1000).toFixed(3),
      'X-RateLimit-Reset': ((now + resetAfterMs) / 1000).toFixed(3),
      'X-RateLimit-Bucket': hash,
    }
  }
}

/** A 429 as Discord sends it: `Retry-After` in whole seconds, the JSON body in fractional seconds. */
export function rateLimitedReply(
  retryAfterMs: number,
  headers: Record<string, string>,
  global: boolean,
): { status: number; headers: Record<string, string>; body: unknown } {
  return {
    status: 429,
    headers: {
      ...headers,
      'Retry-After': String(Math.ceil(retryAfterMs / 1000)),
      'X-RateLimit-Scope': global ? 'global' : 'user',
      ...(global ? { 'X-RateLimit-Global': 'true' } : {}),
    },
    body: { message: 'You are being rate limited.', retry_after: retryAfterMs / 1000, global },
  }
}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export function ok(body: unknown): Reply {
  return { status: 200, body }
}

export function fail(failure: { status: number; body: unknown }): Reply {
  return { status: failure.status, body: failure.body }
}

export type Params = Record<string, string>

export interface Route<Ctx> {
  method: string
  /** e.g. `/channels/:channel/messages/:message` */
  pattern: string
  handle(ctx: Ctx, params: Params): unknown
}

/** Finds the route for a method and a decoded path (`%40original` arrives decoded as `@original`). */
export function matchRoute<Ctx>(
  routes: readonly Route<Ctx>[],
  method: string,
  path: string,
): { route: Route<Ctx>; params: Params } | undefined {
  const segments = path.split('/').filter((s) => s !== '')
  for (const route of routes) {
    if (route.method !== method) continue
    const parts = route.pattern.split('/').filter((s) => s !== '')
    if (parts.length !== segments.length) continue
    const params: Params = {}
    const matches = parts.every((part, i) => {
      const segment = segments[i]!
      if (part.startsWith(':')) {
        params[part.slice(1)] = segment
        return true
      }
      return part === segment
    })
    if (matches) return { route, params }
  }
  return undefined
}

export function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => decodeURIComponent(segment))
    .join('/')
}
