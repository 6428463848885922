import { TelegramError } from 'telegraf'
import {
  ConfigError,
  FormatRejected,
  Gone,
  HeraldError,
  RateLimited,
  SurfaceError,
} from '../../core/contracts/errors.ts'

/**
 * The one place where telegraf's errors become Herald's. A 429 carries `retry_after` in seconds and
 * telegraf never retries it; "message is not modified" is not an error at all (the edit is already
 * there) and is caught at the call site with `isNotModified`. A refused token is a ConfigError
 * that says what to do (`tokenRejected`), and `pollingFailure` reads why polling ended.
 *
 * @example
 *   try { await telegram.callApi('editMessageText', payload) }
 *   catch (err) { if (!isNotModified(err)) throw toSurfaceError(err) }
 */

/** `sendMessageDraft` is not known to this Bot API server: fall back to sending and editing. */
export class DraftUnavailable extends SurfaceError {
  constructor(options?: ErrorOptions) {
    super('telegram: sendMessageDraft is not available on this Bot API server', false, options)
  }
}

/** Used when a 429 comes without `retry_after` (Telegram always sends it; proxies may not). */
export const DEFAULT_RETRY_AFTER_MS = 1000

const GONE = [
  'message to edit not found',
  "message can't be edited",
  'message to delete not found',
  'message_id_invalid',
  'chat not found',
  'bot was blocked by the user',
  'bot was kicked',
  'bot is not a member',
  'user is deactivated',
  'group chat was upgraded',
  'have no rights to send',
  'not enough rights to send',
]

const TOO_LONG = ['message is too long', 'message_too_long', 'text is too long', 'caption is too long']

const NETWORK_CODES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]

/** Telegram's answer to an edit that changes nothing: the message already shows it. */
export function isNotModified(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 400 && /message is not modified/i.test(err.description)
}

/** `404 Not Found` on a method: the Bot API server does not know it (older than the method). */
export function isUnknownMethod(err: unknown): boolean {
  return err instanceof TelegramError && err.code === 404
}

function isNetworkError(err: Error): boolean {
  const code = (err as { code?: unknown }).code
  const type = (err as { type?: unknown }).type
  return (
    err.name === 'FetchError' ||
    err.name === 'AbortError' ||
    type === 'system' ||
    (typeof code === 'string' && (NETWORK_CODES.includes(code) || code.startsWith('UND_ERR')))
  )
}

export function toSurfaceError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err
  if (err instanceof TelegramError) {
    const description = err.description ?? ''
    const lower = description.toLowerCase()
    const method = (err.on as { method?: string }).method ?? 'call'
    const message = `telegram ${method}: ${err.code} ${description}`
    if (err.code === 429) {
      const seconds = err.parameters?.retry_after
      return new RateLimited(typeof seconds === 'number' ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS)
    }
    if (lower.includes("can't parse entities")) return new FormatRejected(message, { cause: err })
    if (err.code === 403 || GONE.some((g) => lower.includes(g))) return new Gone(message, { cause: err })
    if (TOO_LONG.some((t) => lower.includes(t))) return new SurfaceError(message, false, { cause: err })
    return new SurfaceError(message, err.code >= 500, { cause: err })
  }
  if (err instanceof Error) {
    return new SurfaceError(`telegram: ${err.message}`, isNetworkError(err), { cause: err })
  }
  return new SurfaceError(`telegram: ${String(err)}`, false)
}

/** The Bot API refused the token (401, 404): only a person can fix it, and `advice` says how. */
export function tokenRejected(err: unknown, advice: string): ConfigError | undefined {
  if (!(err instanceof TelegramError) || (err.code !== 401 && err.code !== 404)) return undefined
  return new ConfigError('TELEGRAM_BOT_TOKEN', `rejected by the Bot API (${err.code}): ${advice}`)
}

/**
 * Why polling ended, as the supervisor acts on it: a refused token needs a person (ConfigError);
 * a conflict with another poller, like any other failure, is retried.
 */
export function pollingFailure(err: unknown): Error {
  const rejected = tokenRejected(err, 'the token was revoked or reset; set the current one from @BotFather')
  if (rejected) return rejected
  if (err instanceof TelegramError && err.code === 409) {
    const what = /webhook/i.test(err.description)
      ? 'a webhook is set for this bot token (409 Conflict): another process runs in webhook mode'
      : 'another process is polling with this bot token (409 Conflict)'
    return new SurfaceError(`telegram: ${what}`, true, { cause: err })
  }
  return toSurfaceError(err)
}
