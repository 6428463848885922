import { type ErrorKind, HeraldError } from '../contracts/errors.ts'
import { scrubSecrets } from '../contracts/log.ts'

/**
 * Errors of the Responses API, split by where things failed: the API answered with an error status
 * (`UpstreamError`), it could not be reached (`ConnectionError`), or it went silent
 * (`UpstreamTimeoutError`). Messages are for operators and never carry the API key; people read
 * `t(`errors.${err.kind}`)` (the i18n table) instead.
 */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>

export interface UpstreamContext {
  /** The configured base URL: a 404 under a path not ending in /v1 is a base URL problem. */
  baseUrl?: string
  /** Literal secrets (the API key) scrubbed from every message. */
  secrets?: readonly string[]
  /** For `retry-after` given as an HTTP date. */
  now?: number
}

interface UpstreamFields {
  code?: string
  type?: string
  param?: string
  retryAfterMs?: number
  requestId?: string
  htmlPage?: boolean
}

const MAX_MESSAGE_CHARS = 300

export class UpstreamError extends HeraldError {
  readonly status: number
  readonly code?: string
  readonly type?: string
  readonly param?: string
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date), when the API sent one. */
  readonly retryAfterMs?: number
  readonly requestId?: string
  /** The body was an HTML page (a proxy or a web server answered, not the API): never shown. */
  readonly htmlPage?: boolean

  constructor(kind: ErrorKind, status: number, message: string, fields: UpstreamFields = {}) {
    super(kind, message)
    this.status = status
    if (fields.code !== undefined) this.code = fields.code
    if (fields.type !== undefined) this.type = fields.type
    if (fields.param !== undefined) this.param = fields.param
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs
    if (fields.requestId !== undefined) this.requestId = fields.requestId
    if (fields.htmlPage) this.htmlPage = true
  }

  /**
   * Reads an error answer: `{error: {message, code, type, param}}`, a JSON text of it, an HTML page
   * (only its title is kept, as "an HTML page"), or plain text.
   *
   * Kinds by status, with what relays mean by them: 401 `auth`; 403 `quota` when the body speaks of
   * quota or balance, else `permission` (the key's group may not use the model); 429 `quota` for
   * `insufficient_quota`, else `rate_limited` (OpenAI's limits or the relay's own concurrency
   * limit); 503 `unavailable` when a relay says no upstream channel serves the model, else
   * `overloaded`; 502, 504 and Cloudflare's 520-524 `gateway` (a proxy gave up waiting).
   *
   * @example
   *   throw UpstreamError.from(429, '{"error":{"code":"insufficient_quota"}}', headers) // kind 'quota'
   */
  static from(
    status: number,
    body: unknown,
    headers: HeaderSource,
    context: UpstreamContext = {},
  ): UpstreamError {
    const parsed = parseBody(body)
    const kind = kindFor(status, parsed, context.baseUrl)
    const secrets = context.secrets ?? []
    const detail = redact(parsed.message, secrets).slice(0, MAX_MESSAGE_CHARS)
    const code = parsed.code === undefined ? undefined : redact(parsed.code, secrets)
    const head = `OpenAI API ${status}${code ? ` ${code}` : ''}`
    const hint = HINTS[kind]
    const message = `${head}: ${detail || 'no message'}${hint ? ` (${hint})` : ''}`
    const fields: UpstreamFields = {}
    if (code !== undefined) fields.code = code
    if (parsed.type !== undefined) fields.type = redact(parsed.type, secrets)
    if (parsed.param !== undefined) fields.param = redact(parsed.param, secrets)
    const retryAfter = retryAfterMs(headers, context.now)
    if (retryAfter !== undefined) fields.retryAfterMs = retryAfter
    const requestId = header(headers, 'x-request-id')
    if (requestId !== undefined) fields.requestId = requestId
    if (parsed.htmlPage) fields.htmlPage = true
    return new UpstreamError(kind, status, message, fields)
  }
}

/** The API could not be reached, or the connection broke before an answer arrived. */
export class ConnectionError extends HeraldError {
  constructor(message: string, options?: ErrorOptions) {
    super('network', message, options)
  }
}

/** The API went silent: no answer (`first_byte`) or no new data (`idle`) within the limit. */
export class UpstreamTimeoutError extends HeraldError {
  readonly phase: 'first_byte' | 'idle'
  readonly timeoutMs: number
  constructor(phase: 'first_byte' | 'idle', timeoutMs: number) {
    super(
      'timeout',
      `OpenAI API sent nothing for ${timeoutMs} ms (${phase === 'first_byte' ? 'no answer' : 'stalled'})`,
    )
    this.phase = phase
    this.timeoutMs = timeoutMs
  }
}

const HINTS: Partial<Record<ErrorKind, string>> = {
  auth: 'check OPENAI_API_KEY',
  not_found_base_url: 'OPENAI_BASE_URL should end in /v1',
  quota: 'the account or key is out of credit or over its limit: top it up or raise the limit',
  permission: 'the key may not use this model: allow it for the key (its group on a relay) or pick another',
  unavailable: 'the relay has no upstream channel for this model: enable one or pick another model',
  gateway: 'a proxy in front of the API gave up waiting (Cloudflare: about 100 s without a byte)',
}

/** Milliseconds from `retry-after-ms`, else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: HeaderSource, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(header(headers, 'retry-after-ms') ?? '')
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms)
  const value = header(headers, 'retry-after')
  if (value === undefined) return undefined
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number.parseFloat(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined
  const value = headers[name] ?? headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

interface ParsedBody {
  message: string
  code?: string
  type?: string
  param?: string
  /** True when the body is the API's JSON error shape (not an HTML or proxy page). */
  isApiError: boolean
  htmlPage?: boolean
}

const HTML_PAGE = /^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]|<\?xml)/i

/** An HTML page is named by its title or first heading, never quoted whole (it may echo the request). */
function htmlSummary(page: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(page)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(page)?.[1]
  const text = title?.replace(/\s+/g, ' ').trim()
  return `an HTML page${text ? ` "${text.slice(0, 80)}"` : ''} instead of the API's JSON`
}

function parseBody(body: unknown): ParsedBody {
  let value = body
  if (typeof body === 'string') {
    if (HTML_PAGE.test(body)) return { message: htmlSummary(body), isApiError: false, htmlPage: true }
    try {
      value = JSON.parse(body)
    } catch {
      return { message: body.replace(/\s+/g, ' ').trim(), isApiError: false }
    }
  }
  if (typeof value !== 'object' || value === null) return { message: '', isApiError: false }
  const record = value as Record<string, unknown>
  const inner = record.error
  if (typeof inner === 'string') return { message: inner, isApiError: true }
  const source = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : record
  const parsed: ParsedBody = {
    message: typeof source.message === 'string' ? source.message : '',
    isApiError: source !== record || typeof source.message === 'string',
  }
  if (typeof source.code === 'string' || typeof source.code === 'number') parsed.code = String(source.code)
  if (typeof source.type === 'string') parsed.type = source.type
  if (typeof source.param === 'string') parsed.param = source.param
  return parsed
}

/** How relays word a used-up quota or balance (one-api / new-api style, in English or Chinese). */
const QUOTA_WORDS = /quota|balance|credit|余额|额度/i
/** How relays say no upstream channel serves the model. */
const NO_CHANNEL_WORDS = /channel|渠道|distributor|no available|无可用/i

function kindFor(status: number, body: ParsedBody, baseUrl: string | undefined): ErrorKind {
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'auth'
    case 403:
      return QUOTA_WORDS.test(`${body.code ?? ''} ${body.type ?? ''} ${body.message}`)
        ? 'quota'
        : 'permission'
    case 404:
      return isBaseUrlProblem(body, baseUrl) ? 'not_found_base_url' : 'not_found'
    case 408:
      return 'timeout'
    case 502:
    case 504:
    case 520:
    case 521:
    case 522:
    case 523:
    case 524:
      return 'gateway'
    case 429:
      return body.code === 'insufficient_quota' || body.type === 'insufficient_quota'
        ? 'quota'
        : 'rate_limited'
    case 503:
      return NO_CHANNEL_WORDS.test(`${body.code ?? ''} ${body.message}`) ? 'unavailable' : 'overloaded'
    default:
      return status >= 500 ? 'server' : 'bad_request'
  }
}

/** A 404 that is not the API talking about a model or a response, under a base URL without /v1. */
function isBaseUrlProblem(body: ParsedBody, baseUrl: string | undefined): boolean {
  if (baseUrl === undefined) return false
  let path: string
  try {
    path = new URL(baseUrl).pathname.replace(/\/+$/, '')
  } catch {
    return false
  }
  if (path.endsWith('/v1')) return false
  const aboutApiObject = body.isApiError && /model|response/i.test(`${body.code ?? ''} ${body.message}`)
  return !aboutApiObject
}

/** Scrubs the literal secrets and anything shaped like a key or a bearer token. */
function redact(text: string, secrets: readonly string[]): string {
  return scrubSecrets(text, secrets)
    .replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, 'sk-[redacted]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
}
