/**
 * One small error tree, split by where things failed. Every error carries a `kind`; the words a
 * person reads come from `t(\`errors.${kind}\`)`, never from the error's message or stack.
 */
export type ErrorKind =
  | 'bad_request'
  | 'auth'
  | 'permission'
  | 'not_found'
  | 'not_found_base_url'
  | 'rate_limited'
  | 'quota'
  | 'server'
  | 'overloaded'
  | 'unavailable'
  | 'gateway'
  | 'timeout'
  | 'network'
  | 'stream'
  | 'aborted'
  | 'config'
  | 'surface'
  | 'surface_rate_limited'
  | 'gone'
  | 'input'
  | 'policy'
  | 'store'

export class HeraldError extends Error {
  readonly kind: ErrorKind
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options)
    this.kind = kind
    this.name = new.target.name
  }
}

/** Start-up configuration problem: one line naming the variable and what is expected. */
export class ConfigError extends HeraldError {
  readonly variable: string
  constructor(variable: string, expected: string) {
    super('config', `${variable}: ${expected}`)
    this.variable = variable
  }
}

/** Bad input from a chat user (empty prompt, too long, bad image): shown to them as is. */
export class InputError extends HeraldError {
  readonly key: string
  readonly params: Record<string, string | number>
  constructor(key: string, params: Record<string, string | number> = {}) {
    super('input', key)
    this.key = key
    this.params = params
  }
}

/** A platform call failed; adapters translate their library's errors into these at one choke point. */
export class SurfaceError extends HeraldError {
  /** True when the same call may succeed if retried later (5xx, network). */
  readonly transient: boolean
  constructor(message: string, transient: boolean, options?: ErrorOptions) {
    super('surface', message, options)
    this.transient = transient
  }
}

/** The platform answered 429: nothing may be sent to that chat for `retryAfterMs`. */
export class RateLimited extends HeraldError {
  readonly retryAfterMs: number
  readonly global: boolean
  constructor(retryAfterMs: number, global = false) {
    super('surface_rate_limited', `rate limited for ${retryAfterMs} ms`)
    this.retryAfterMs = retryAfterMs
    this.global = global
  }
}

/** The message no longer exists (deleted by a user) or can no longer be edited (expired token). */
export class Gone extends HeraldError {
  constructor(message = 'message is gone', options?: ErrorOptions) {
    super('gone', message, options)
  }
}

/** The message could not be parsed by the platform (Telegram "can't parse entities"): retry as plain text. */
export class FormatRejected extends HeraldError {
  constructor(message: string, options?: ErrorOptions) {
    super('surface', message, options)
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`)
}

/** The shared store (Redis) cannot be reached right now; the operation may succeed once it is back. */
export class StoreUnavailable extends HeraldError {
  constructor(message = 'the store is unavailable', options?: ErrorOptions) {
    super('store', message, options)
  }
}
