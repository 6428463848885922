import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Clock } from '../../core/contracts/clock.ts'
import type { Store } from '../../core/store/store.ts'

/**
 * Sign-in to the console: the operator types CONSOLE_TOKEN into a form; a match (compared in
 * constant time) opens a session kept in the store, so every process behind a load balancer knows
 * it. The browser holds only a random session id in an HttpOnly, SameSite=Strict cookie; the store
 * holds its hash (a copy of the store opens no session). Each session has its own CSRF token, which
 * every POST must carry. Failed attempts are counted per address: each waits a little longer, and
 * past `maxFailures` in the window the address is refused until the window ends.
 *
 * @example
 *   const result = await auth.signIn(form.get('token'), addressOf(req))
 *   if (result.ok) res.setHeader('set-cookie', auth.cookie(result.sessionId, secure))
 *   const session = await auth.session(req)         // undefined: answer 401 or go to the sign-in page
 *   if (!auth.csrfOk(session, form.get('csrf'))) …
 */

/** A signed-in browser, as the store keeps it. */
export interface ConsoleSession {
  /** The hash of the cookie's session id: the store key. */
  key: string
  csrf: string
  createdAt: number
}

export type SignInResult = { ok: true; sessionId: string } | { ok: false; retryAfterMs: number | undefined }

export interface ConsoleAuth {
  signIn(token: string, address: string): Promise<SignInResult>
  session(req: IncomingMessage): Promise<ConsoleSession | undefined>
  signOut(session: ConsoleSession): Promise<void>
  csrfOk(session: ConsoleSession, token: string | null | undefined): boolean
  /** The Set-Cookie value for a new session (`secure` behind HTTPS). */
  cookie(sessionId: string, secure: boolean): string
  /** The Set-Cookie value that ends the session in the browser. */
  clearCookie(): string
}

export interface ConsoleAuthOptions {
  token: string
  store: Store
  clock: Clock
  /** A session lasts this long. Default 12 hours. */
  sessionTtlMs?: number
  /** Failures per address within `failureWindowMs` before it is refused. Default 5. */
  maxFailures?: number
  failureWindowMs?: number
  /** Each failure waits this much more than the one before. Default 250. */
  failureDelayStepMs?: number
}

export const SESSION_COOKIE = 'herald_console'

const sha256 = (text: string) => createHash('sha256').update(text).digest()

export function createConsoleAuth(opts: ConsoleAuthOptions): ConsoleAuth {
  const { store, clock } = opts
  const sessionTtlMs = opts.sessionTtlMs ?? 12 * 3_600_000
  const maxFailures = opts.maxFailures ?? 5
  const failureWindowMs = opts.failureWindowMs ?? 15 * 60_000
  const stepMs = opts.failureDelayStepMs ?? 250
  const sessions = store.kv<ConsoleSession>('console-sessions')
  const expected = sha256(opts.token)
  const failuresKey = (address: string) => `console:signin-failures:${address}`

  return {
    async signIn(token, address) {
      const failures = await store.counter(failuresKey(address))
      if (failures >= maxFailures) return { ok: false, retryAfterMs: failureWindowMs }
      // Equal-length digests, so the comparison takes the same time whatever was typed.
      if (!timingSafeEqual(sha256(token), expected)) {
        const count = await store.incrBy(failuresKey(address), 1, failureWindowMs)
        await clock.sleep(Math.min(count * stepMs, 4 * stepMs * maxFailures))
        return { ok: false, retryAfterMs: undefined }
      }
      const sessionId = randomBytes(32).toString('base64url')
      const key = sha256(sessionId).toString('hex')
      await sessions.set(
        key,
        { key, csrf: randomBytes(24).toString('base64url'), createdAt: clock.now() },
        sessionTtlMs,
      )
      return { ok: true, sessionId }
    },

    async session(req) {
      const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE)
      if (!sessionId || sessionId.length > 100) return undefined
      return (await sessions.get(sha256(sessionId).toString('hex'))) ?? undefined
    },

    async signOut(session) {
      await sessions.delete(session.key)
    },

    csrfOk(session, token) {
      if (typeof token !== 'string') return false
      const a = sha256(token)
      return timingSafeEqual(a, sha256(session.csrf))
    },

    cookie(sessionId, secure) {
      const maxAge = Math.floor(sessionTtlMs / 1000)
      return `${SESSION_COOKIE}=${sessionId}; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`
    },

    clearCookie() {
      return `${SESSION_COOKIE}=; Path=/console/; HttpOnly; SameSite=Strict; Max-Age=0`
    },
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}
