import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Telegram } from 'telegraf'
import type { Update } from 'telegraf/types'
import type { Logger } from '../../core/contracts/log.ts'
import { ALLOWED_UPDATES } from './telegram-routing.ts'

/**
 * The Telegram webhook endpoint, for Herald's own HTTP server: a POST whose
 * `X-Telegram-Bot-Api-Secret-Token` matches the `secret_token` given to `setWebhook` carries one
 * update. Anything else is refused (401) and dropped. The answer is 200 as soon as the update is
 * handed over, since Herald's handlers return at once and answers stream on their own.
 *
 * `WebhookMode` is the adapter's side: the path of `webhookUrl` served, then the webhook set.
 *
 * @example
 *   const handler = createWebhookHandler({ secret, handleUpdate: (u) => bot.handleUpdate(u), isOpen: () => true, log })
 *   http.createServer((req, res) => void handler(req, res))
 */

/** A route of Herald's HTTP server. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** What Herald's HTTP server offers adapters: a handler for one path (every method). */
export interface HttpRoutes {
  route(path: string, handler: HttpHandler): void
}

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token'
/** Telegram updates are small; a photo message is a few kilobytes of JSON. */
export const WEBHOOK_MAX_BODY_BYTES = 1024 * 1024

export interface WebhookHandlerOptions {
  secret: string
  handleUpdate(update: Update): Promise<void>
  /** False once the adapter is stopped: Telegram then retries the update later (503). */
  isOpen(): boolean
  log: Logger
}

function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function answer(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 })
  res.end()
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req) {
    total += (chunk as Buffer).length
    if (total > WEBHOOK_MAX_BODY_BYTES) throw new RangeError('body too large')
    chunks.push(chunk as Buffer)
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

export function createWebhookHandler(options: WebhookHandlerOptions): HttpHandler {
  const { log } = options
  return async (req, res) => {
    if (req.method !== 'POST') return answer(res, 405)
    if (!sameSecret(req.headers[SECRET_HEADER], options.secret)) {
      log.warn({ ip: req.socket.remoteAddress }, 'telegram webhook: wrong or missing secret token')
      req.resume()
      return answer(res, 401)
    }
    if (!options.isOpen()) {
      req.resume()
      return answer(res, 503)
    }
    let update: unknown
    try {
      update = await readJson(req)
    } catch (err) {
      const tooLarge = err instanceof RangeError
      log.warn({ err }, 'telegram webhook: unreadable body')
      return answer(res, tooLarge ? 413 : 400)
    }
    if (typeof update !== 'object' || update === null || typeof (update as Update).update_id !== 'number') {
      return answer(res, 400)
    }
    try {
      await options.handleUpdate(update as Update)
    } catch (err) {
      log.error({ err }, 'telegram webhook: update failed')
    }
    answer(res, 200)
  }
}

export interface WebhookModeOptions extends WebhookHandlerOptions {
  /** TELEGRAM_WEBHOOK_URL: where Telegram posts updates; its path is served. */
  url: string
}

/** Webhook mode: the path of `url` served on Herald's HTTP server, then Telegram told to post there. */
export class WebhookMode {
  readonly path: string
  /** Refuses a wrong secret (401) and, while the adapter is not open, asks Telegram to retry (503). */
  readonly handler: HttpHandler
  private readonly url: string
  private readonly secret: string

  constructor(options: WebhookModeOptions) {
    this.url = options.url
    this.secret = options.secret
    this.path = new URL(options.url).pathname
    this.handler = createWebhookHandler(options)
  }

  /** Serves the path first, so the first update Telegram posts after `setWebhook` finds it. */
  async serve(telegram: Telegram, routes: HttpRoutes | undefined): Promise<void> {
    routes?.route(this.path, this.handler)
    await telegram.setWebhook(this.url, { secret_token: this.secret, allowed_updates: [...ALLOWED_UPDATES] })
  }
}
