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

  constructor(kind: ErrorKind, status: number, message: string, fields: UpstreamFields = {}) {
    super(kind, message)
    this.status = status
    if (fields.code !== undefined) this.code = fields.code
    if (fields.type !== undefined) this.type = fields.type
    if (fields.param !== undefined) this.param = fields.param
    if (fields.retryAfterMs !== undefined) this.retryAfterMs = fields.retryAfterMs
    if (fields.requestId !== undefined) this.requestId = fields.requestId
  }

  /**
   * Reads an error answer: `{error: {message, code, type, param}}`, a JSON text of it, or plain text.
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
  quota: 'the account is out of credit or over its spending limit',
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
}

function parseBody(body: unknown): ParsedBody {
  let value = body
  if (typeof body === 'string') {
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

function kindFor(status: number, body: ParsedBody, baseUrl: string | undefined): ErrorKind {
  switch (status) {
    case 400:
      return 'bad_request'
    case 401:
      return 'auth'
    case 403:
      return 'permission'
    case 404:
      return isBaseUrlProblem(body, baseUrl) ? 'not_found_base_url' : 'not_found'
    case 408:
    case 504:
      return 'timeout'
    case 429:
      return body.code === 'insufficient_quota' || body.type === 'insufficient_quota'
        ? 'quota'
        : 'rate_limited'
    case 502:
    case 503:
      return 'overloaded'
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
