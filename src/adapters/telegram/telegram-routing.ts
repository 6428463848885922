import type { Telegraf } from 'telegraf'
import type { CallbackQuery, Message } from 'telegraf/types'
import type { Logger } from '../../core/contracts/log.ts'

/**
 * Which Telegram updates Herald takes, and how: a message or a callback query becomes Herald's
 * event in its intake (telegram-messages.ts, telegram-callbacks.ts), and Herald's part runs
 * detached, never holding the update handler: long polling awaits every handler of a batch, so
 * one long answer must never hold another chat. Nothing is taken while the adapter is not open.
 *
 * @example
 *   routeUpdates(bot, { message: (id, m) => messages.take(id, m), callbackQuery: …, isOpen: () => true, log })
 */

/** The updates Herald asks for (getUpdates and setWebhook): no channel posts, no edits. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const

/** Herald's part of one update: run without waiting; a failure is logged as `telegram: <what> failed`. */
export interface Handoff {
  what: string
  context: Record<string, unknown>
  run(): Promise<unknown>
}

export interface UpdateRoutes {
  /** Undefined when the message is not for Herald. */
  message(updateId: number, message: Message): Handoff | undefined
  callbackQuery(updateId: number, query: CallbackQuery): Handoff
  /** False before the adapter runs and once it stops: updates are then dropped. */
  isOpen(): boolean
  log: Logger
}

export function routeUpdates(bot: Telegraf, routes: UpdateRoutes): void {
  const { log } = routes
  const detach = (handoff: Handoff | undefined) => {
    if (!handoff) return
    let promise: Promise<unknown>
    try {
      promise = handoff.run()
    } catch (err) {
      promise = Promise.reject(err)
    }
    promise.catch((err: unknown) =>
      log.error({ err, ...handoff.context }, `telegram: ${handoff.what} failed`),
    )
  }
  bot.catch((err, ctx) =>
    log.error({ err, updateId: ctx.update.update_id }, 'telegram: update handler failed'),
  )
  bot.on('message', (ctx) => {
    if (routes.isOpen()) detach(routes.message(ctx.update.update_id, ctx.message))
  })
  bot.on('callback_query', (ctx) => {
    if (routes.isOpen()) detach(routes.callbackQuery(ctx.update.update_id, ctx.callbackQuery))
  })
}
