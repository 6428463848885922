import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js'
import type { Clock } from '../../core/contracts/clock.ts'
import { Gone, HeraldError, RateLimited, SurfaceError } from '../../core/contracts/errors.ts'

/**
 * The one place discord.js errors become Herald's surface errors. The client runs with
 * `rest.rejectOnRateLimit`, so a 429 (or the client's own bucket bookkeeping saying "wait") arrives
 * here as a RateLimitError instead of being slept on inside the client.
 *
 * @example
 *   try { await channel.messages.edit(id, options) } catch (err) { throw toSurfaceError(err) }
 */

/** Discord JSON error codes Herald reacts to. */
export const DiscordCodes = {
  unknownChannel: 10003,
  unknownMessage: 10008,
  unknownWebhook: 10015,
  unknownInteraction: 10062,
  interactionAlreadyAcknowledged: 40060,
  invalidWebhookToken: 50027,
  invalidFormBody: 50035,
} as const

const GONE_CODES = new Set<number>([
  DiscordCodes.unknownChannel,
  DiscordCodes.unknownMessage,
  DiscordCodes.unknownWebhook,
  DiscordCodes.unknownInteraction,
  DiscordCodes.invalidWebhookToken,
])

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

export function toSurfaceError(err: unknown): HeraldError {
  if (err instanceof HeraldError) return err
  if (err instanceof RateLimitError)
    return new RateLimited(Math.max(0, Math.ceil(err.retryAfter)), err.global)
  if (err instanceof DiscordAPIError) {
    const code = typeof err.code === 'number' ? err.code : 0
    const what = `discord ${err.method.toUpperCase()} ${err.status} (${code}): ${err.message}`
    if (GONE_CODES.has(code)) return new Gone(what, { cause: err })
    return new SurfaceError(what, err.status >= 500, { cause: err })
  }
  if (err instanceof HTTPError) {
    return new SurfaceError(`discord ${err.method.toUpperCase()} ${err.status}`, err.status >= 500, {
      cause: err,
    })
  }
  if (isNetworkError(err))
    return new SurfaceError(`discord unreachable: ${describeError(err)}`, true, { cause: err })
  return new SurfaceError(`discord call failed: ${describeError(err)}`, false, { cause: err })
}

/** The interaction token can no longer be used (15 minutes are over, or Discord forgot it). */
export function isTokenGone(err: unknown): boolean {
  return (
    err instanceof DiscordAPIError &&
    (err.code === DiscordCodes.invalidWebhookToken || err.code === DiscordCodes.unknownWebhook)
  )
}

/**
 * For the adapter's own calls outside the live engine (acknowledgements, command registration,
 * notices): waits out a rate limit (RateLimitError, or RateLimited once translated) and tries again,
 * at most `attempts` times in all.
 */
export async function withRateLimitRetry<T>(call: () => Promise<T>, clock: Clock, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (err) {
      const waitMs =
        err instanceof RateLimitError
          ? err.retryAfter
          : err instanceof RateLimited
            ? err.retryAfterMs
            : undefined
      if (waitMs === undefined || attempt >= attempts) throw err
      await clock.sleep(Math.max(0, waitMs))
    }
  }
}

function isNetworkError(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true
  const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
  return err instanceof TypeError && err.message === 'fetch failed'
}

/** An error in one line for a log or a message: its class and message. */
export function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
