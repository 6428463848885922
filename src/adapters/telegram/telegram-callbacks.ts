import { type Telegram, TelegramError } from 'telegraf'
import type { CallbackQuery } from 'telegraf/types'
import type { ButtonPress, Herald } from '../../core/contracts/chat.ts'
import type { Logger } from '../../core/contracts/log.ts'
import type { TelegramChats } from './telegram-chats.ts'
import { toSurfaceError } from './telegram-errors.ts'
import { telegramChatRef, telegramUserRef } from './telegram-refs.ts'
import type { Handoff } from './telegram-routing.ts'

/**
 * Presses of Herald's inline buttons (callback queries) as ButtonPresses. Every query is answered
 * exactly once: by Herald's `answer(text)`, or with nothing once Herald is done, since Telegram
 * shows a spinner on the button until then. A query without data or message is only answered.
 *
 * @example
 *   const handoff = callbacks.take(update.update_id, update.callback_query)
 *   handoff.run()   // herald.press(press), then answerCallbackQuery if Herald did not answer
 */

/** What turning a press into a ButtonPress needs. */
export interface CallbackIntakeOptions {
  telegram: Telegram
  herald: Herald
  chats: TelegramChats
  admins: ReadonlySet<string>
  log: Logger
}

export class CallbackIntake {
  private readonly options: CallbackIntakeOptions

  constructor(options: CallbackIntakeOptions) {
    this.options = options
  }

  take(updateId: number, query: CallbackQuery): Handoff {
    const message = query.message
    const context = { updateId }
    if (!('data' in query) || !message) {
      return { what: 'answer', context, run: () => this.answer(updateId, query) }
    }
    const { herald, chats } = this.options
    const chat = telegramChatRef(message.chat)
    let answered = false
    const press: ButtonPress = {
      eventId: `telegram:update:${updateId}`,
      data: query.data,
      user: telegramUserRef(query.from, this.options.admins),
      chat,
      message: { id: String(message.message_id), chatId: chat.id },
      surface: chats.surface(chat),
      answer: (text) => {
        answered = true
        return this.answer(updateId, query, text)
      },
      notify: chats.notifier(chat),
    }
    const run = async () => {
      try {
        await herald.press(press)
      } finally {
        if (!answered) await this.answer(updateId, query)
      }
    }
    return { what: 'press', context: { ...context, chat: chat.key }, run }
  }

  private async answer(updateId: number, query: CallbackQuery, text?: string): Promise<void> {
    try {
      await this.options.telegram.callApi('answerCallbackQuery', {
        callback_query_id: query.id,
        ...(text ? { text, show_alert: false } : {}),
      })
    } catch (err) {
      // A press older than Telegram keeps queries for (a restart, a slow answer) can no longer be answered.
      if (err instanceof TelegramError && /query is too old/i.test(err.description)) {
        this.options.log.debug({ updateId }, 'telegram: callback query expired')
        return
      }
      throw toSurfaceError(err)
    }
  }
}
