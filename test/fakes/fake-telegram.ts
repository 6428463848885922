import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Clock, systemClock } from '../../src/core/contracts/clock.ts'
import { until } from '../helpers/until.ts'
import { FakeBotApiState, STATE_METHODS } from './fake-telegram-api.ts'
import { type RateLimits, TELEGRAM_RATE_LIMITS } from './fake-telegram-flood.ts'
import { parseParams, send, type Upload } from './fake-telegram-http.ts'
import { BotApiError, type Params, type TgChat, type TgMessage, type TgUser } from './fake-telegram-types.ts'
import {
  callbackQuery,
  seenInPrivacyMode,
  storeUserMessage,
  type TgCallbackQuery,
  type UserMessage,
} from './fake-telegram-updates.ts'

export { type RateLimits, TELEGRAM_RATE_LIMITS } from './fake-telegram-flood.ts'
export type { TgChat, TgMessage, TgUser } from './fake-telegram-types.ts'
export { detectEntities, type TgCallbackQuery, type UserMessage } from './fake-telegram-updates.ts'

/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 serving `/bot<token>/<method>` and
 * `/file/bot<token>/<path>`, that behaves like Telegram where Herald depends on it (long polling,
 * webhooks, HTML parsing, lengths, "message is not modified", flood limits, drafts, files).
 *
 * @example
 *   const fake = await startFakeTelegram()
 *   const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.url } })
 *   fake.userSays({ chat: { id: 42, type: 'private' }, text: 'hello' })
 *   await fake.waitFor(() => fake.botMessages(42).at(-1)?.text === 'Hi')
 */
export interface FakeTelegramOptions {
  token?: string
  bot?: Partial<TgUser>
  /** `sendMessageDraft` exists (Bot API 9.3+); false answers 404 Not Found like an older server. */
  draftSupported?: boolean
  /** Flood limits; `false` turns them off. Default: TELEGRAM_RATE_LIMITS. */
  rateLimits?: RateLimits | false
  /** Group privacy mode: only commands, mentions of the bot and replies to it reach the bot. Default off. */
  privacyMode?: boolean
  /** Upper bound on how long getUpdates holds a request (Telegram honours `timeout` up to 50 s). */
  maxPollWaitMs?: number
  /** Pause between webhook delivery attempts (Telegram retries a failed delivery). */
  webhookRetryMs?: number
  /**
   * Telegram's time: the long poll's hold, webhook retry pauses, message dates, flood windows and the
   * `at` of every call. Default the real clock; a fake one makes a poll's timeout exact.
   */
  clock?: Clock
}

export interface FakeCall {
  method: string
  body: Params
  at: number
  status: number
  result?: unknown
  error?: string
}

export interface TgUpdate {
  update_id: number
  message?: TgMessage
  callback_query?: TgCallbackQuery
  [key: string]: unknown
}

type ChatArg = number | TgChat

export interface FakeTelegram {
  /** The Bot API root to give telegraf as `apiRoot`. */
  readonly url: string
  readonly token: string
  readonly bot: TgUser
  readonly state: FakeBotApiState
  readonly calls: FakeCall[]
  /** Calls made inside a running retry_after: Herald must never make one. */
  readonly violations: readonly { chat: number; method: string; at: number }[]
  readonly webhook: { url: string; secret?: string } | undefined
  readonly webhookDeliveries: { update_id: number; status: number; at: number }[]
  /** File paths downloaded from `/file/bot<token>/…`. */
  readonly downloads: string[]
  readonly pendingUpdates: readonly TgUpdate[]
  /** A getUpdates request is being held, waiting for an update. */
  readonly pollWaiting: boolean
  callsTo(method: string): FakeCall[]
  userSays(input: UserMessage): TgUpdate
  press(chat: ChatArg, messageId: number, data: string, from?: TgUser): TgUpdate
  /** Queues any update as is, even a malformed one. */
  injectUpdate(update: Omit<TgUpdate, 'update_id'>): TgUpdate
  /** Visible messages of a chat (users' and the bot's), oldest first. */
  messages(chat: ChatArg): TgMessage[]
  botMessages(chat: ChatArg): TgMessage[]
  message(chat: ChatArg, id: number): TgMessage | undefined
  /** A user deletes a message. */
  deleteMessage(chat: ChatArg, id: number): void
  rateLimitNext(chat: ChatArg, seconds: number): void
  /** The next `times` calls of `method` fail with this status and description (and `retry_after` seconds). */
  failNext(method: string, code: number, description: string, retryAfter?: number, times?: number): void
  /** The token is revoked (reset in @BotFather): every call with it is answered 401 Unauthorized. */
  revokeToken(): void
  blockBot(chat: ChatArg): void
  setMember(chat: ChatArg, userId: number, status: string): void
  /** Resolves with the predicate's first truthy value; rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>
  /** Posts an update to a webhook URL the way Telegram does. */
  deliverWebhook(url: string, update: TgUpdate, secret?: string): Promise<{ status: number; body: string }>
  close(): Promise<void>
}

const SECRET_HEADER = 'x-telegram-bot-api-secret-token'

function chatId(chat: ChatArg): number {
  return typeof chat === 'number' ? chat : chat.id
}

export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:TEST-fake-token'
  const bot: TgUser = {
    id: 123456,
    is_bot: true,
    first_name: 'Herald',
    username: 'HeraldBot',
    ...options.bot,
  }
  const clock = options.clock ?? systemClock
  const state = new FakeBotApiState({
    bot,
    draftSupported: options.draftSupported ?? true,
    rateLimits: options.rateLimits ?? TELEGRAM_RATE_LIMITS,
    now: () => clock.now(),
  })
  const calls: FakeCall[] = []
  const queue: TgUpdate[] = []
  const failures = new Map<
    string,
    { code: number; description: string; retryAfter?: number | undefined; times: number }
  >()
  let revoked = false
  const webhookDeliveries: { update_id: number; status: number; at: number }[] = []
  const downloads: string[] = []
  let webhook: { url: string; secret?: string } | undefined
  let allowedUpdates: string[] = []
  let nextUpdateId = 700_000
  let nextCallback = 1
  let poll: { params: Params; respond: (status: number, payload: unknown) => void } | undefined
  let pumping = false
  let closed = false

  const pending = (): TgUpdate[] =>
    queue.filter((u) => allowedUpdates.length === 0 || allowedUpdates.some((kind) => u[kind] !== undefined))

  const enqueue = (update: TgUpdate): TgUpdate => {
    queue.push(update)
    const ready = pending()
    if (poll && ready.length > 0) poll.respond(200, { ok: true, result: ready.slice(0, 100) })
    void pumpWebhook()
    return update
  }

  async function pumpWebhook(): Promise<void> {
    if (pumping) return
    pumping = true
    try {
      while (webhook && !closed && queue.length > 0) {
        const update = queue[0]!
        for (let attempt = 0; attempt < 3 && webhook; attempt++) {
          const { status } = await api
            .deliverWebhook(webhook.url, update, webhook.secret)
            .catch(() => ({ status: 0, body: '' }))
          webhookDeliveries.push({ update_id: update.update_id, status, at: clock.now() })
          if (status >= 200 && status < 300) break
          await clock.sleep(options.webhookRetryMs ?? 50)
        }
        const index = queue.indexOf(update)
        if (index >= 0) queue.splice(index, 1)
      }
    } finally {
      pumping = false
    }
  }

  function handleGetUpdates(
    params: Params,
    res: ServerResponse,
    record: (status: number, payload: unknown) => void,
  ) {
    const respond = (status: number, payload: unknown) => {
      record(status, payload)
      if (!res.writableEnded) send(res, status, payload)
    }
    if (webhook) {
      return respond(409, {
        ok: false,
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      })
    }
    const offset = Number(params.offset ?? 0)
    if (offset > 0) {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.update_id < offset) queue.splice(i, 1)
    }
    const allowed =
      typeof params.allowed_updates === 'string' ? JSON.parse(params.allowed_updates) : params.allowed_updates
    if (Array.isArray(allowed) && allowed.length > 0) allowedUpdates = allowed as string[]
    const limit = Number(params.limit ?? 100)
    const ready = pending().slice(0, limit)
    const timeoutMs = Math.min(Number(params.timeout ?? 0) * 1000, options.maxPollWaitMs ?? 50_000)
    if (ready.length > 0 || timeoutMs <= 0) return respond(200, { ok: true, result: ready })
    poll?.respond(409, {
      ok: false,
      error_code: 409,
      description:
        'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    })
    // The hold ends at the timeout (an empty answer), at an update, or when the bot hangs up.
    const hold = new AbortController()
    const current = {
      params,
      respond: (status: number, payload: unknown) => {
        hold.abort()
        if (poll === current) poll = undefined
        respond(status, payload)
      },
    }
    poll = current
    clock.sleep(timeoutMs, hold.signal).then(
      () => current.respond(200, { ok: true, result: [] }),
      () => {},
    )
    res.on('close', () => {
      if (res.writableEnded) return
      hold.abort()
      if (poll === current) poll = undefined
    })
  }

  function dispatch(method: string, params: Params, upload: Upload | undefined): unknown {
    switch (method) {
      case 'getMe':
        return {
          ...bot,
          can_join_groups: true,
          can_read_all_group_messages: !options.privacyMode,
          supports_inline_queries: false,
        }
      case 'deleteWebhook':
        webhook = undefined
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') queue.length = 0
        return true
      case 'setWebhook': {
        const url = String(params.url ?? '')
        if (url === '') return dispatch('deleteWebhook', params, upload)
        if (!URL.canParse(url)) throw new BotApiError(400, 'Bad Request: bad webhook: invalid URL')
        const secret = params.secret_token === undefined ? undefined : String(params.secret_token)
        if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
          throw new BotApiError(400, 'Bad Request: secret token contains unallowed characters')
        }
        if (Array.isArray(params.allowed_updates) && params.allowed_updates.length > 0) {
          allowedUpdates = params.allowed_updates as string[]
        }
        webhook = secret === undefined ? { url } : { url, secret }
        void pumpWebhook()
        return true
      }
      case 'getWebhookInfo':
        return { url: webhook?.url ?? '', has_custom_certificate: false, pending_update_count: queue.length }
      default:
        return state.call(method, params, upload)
    }
  }

  const METHODS = new Map(
    ['getMe', 'deleteWebhook', 'setWebhook', 'getWebhookInfo', 'getUpdates', ...STATE_METHODS].map((m) => [
      m.toLowerCase(),
      m,
    ]),
  )

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname)
    if (file) {
      const stored = [...state.files.values()].find((f) => f.file_path === decodeURIComponent(file[2]!))
      if (file[1] !== token || !stored)
        return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
      downloads.push(stored.file_path)
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': stored.bytes.length,
      })
      res.end(stored.bytes)
      return
    }
    const call = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname)
    if (!call) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' })
    const { params, upload } = await parseParams(req, url)
    const method = METHODS.get(call[2]!.toLowerCase()) ?? call[2]!
    const at = clock.now()
    if (revoked || decodeURIComponent(call[1]!) !== token) {
      const payload = { ok: false, error_code: 401, description: 'Unauthorized' }
      calls.push({ method, body: params, at, status: 401, error: payload.description })
      return send(res, 401, payload)
    }
    const record = (status: number, payload: unknown) => {
      const p = payload as { result?: unknown; description?: string }
      calls.push({
        method,
        body: params,
        at,
        status,
        ...(status === 200 ? { result: p.result } : { error: p.description ?? '' }),
      })
    }
    const failure = failures.get(method)
    if (failure) {
      if (--failure.times <= 0) failures.delete(method)
      const payload = {
        ok: false,
        error_code: failure.code,
        description: failure.description,
        ...(failure.retryAfter !== undefined ? { parameters: { retry_after: failure.retryAfter } } : {}),
      }
      record(failure.code, payload)
      return send(res, failure.code, payload)
    }
    if (method === 'getUpdates') return handleGetUpdates(params, res, record)
    try {
      const payload = { ok: true, result: dispatch(method, params, upload) }
      record(200, payload)
      send(res, 200, payload)
    } catch (err) {
      if (!(err instanceof BotApiError)) throw err
      const payload = {
        ok: false,
        error_code: err.code,
        description: err.message,
        ...(err.retryAfter !== undefined ? { parameters: { retry_after: err.retryAfter } } : {}),
      }
      record(err.code, payload)
      send(res, err.code, payload)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        send(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${err}` })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const api: FakeTelegram = {
    url: `http://127.0.0.1:${port}/`,
    token,
    bot,
    state,
    calls,
    violations: state.flood.violations,
    webhookDeliveries,
    downloads,
    get webhook() {
      return webhook
    },
    get pendingUpdates() {
      return queue
    },
    get pollWaiting() {
      return poll !== undefined
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    userSays(input) {
      const message = storeUserMessage(state, input)
      const update: TgUpdate = { update_id: nextUpdateId++, message }
      return options.privacyMode && !seenInPrivacyMode(message, bot) ? update : enqueue(update)
    },
    press(chat, messageId, data, from) {
      const id = chatId(chat)
      const presser = from ?? { id, is_bot: false, first_name: 'User' }
      const query = callbackQuery(state, id, messageId, data, presser, String(nextCallback++))
      return enqueue({ update_id: nextUpdateId++, callback_query: query })
    },
    injectUpdate: (update) => enqueue({ ...update, update_id: nextUpdateId++ }),
    messages: (chat) =>
      (state.messages.get(chatId(chat)) ?? []).filter((m) => !m.deleted).map((m) => m.message),
    botMessages: (chat) => api.messages(chat).filter((m) => m.from?.id === bot.id),
    message: (chat, id) => {
      const stored = state.find(chatId(chat), id)
      return stored && !stored.deleted ? stored.message : undefined
    },
    deleteMessage(chat, id) {
      const stored = state.find(chatId(chat), id)
      if (!stored) throw new Error(`no message ${id} in chat ${chatId(chat)}`)
      stored.deleted = true
    },
    rateLimitNext: (chat, seconds) => state.flood.rateLimitNext(chatId(chat), seconds),
    failNext: (method, code, description, retryAfter, times = 1) =>
      void failures.set(method, { code, description, retryAfter, times }),
    revokeToken() {
      revoked = true
      poll?.respond(401, { ok: false, error_code: 401, description: 'Unauthorized' })
    },
    blockBot: (chat) => void state.blocked.add(chatId(chat)),
    setMember: (chat, userId, status) => void state.members.set(`${chatId(chat)}:${userId}`, status),
    waitFor: (predicate, timeoutMs = 5000) => until(predicate, 'a condition on the fake Telegram', timeoutMs),
    async deliverWebhook(url, update, secret) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret !== undefined ? { [SECRET_HEADER]: secret } : {}),
        },
        body: JSON.stringify(update),
      })
      return { status: response.status, body: await response.text() }
    },
    async close() {
      closed = true
      poll?.respond(200, { ok: true, result: [] })
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  return api
}
