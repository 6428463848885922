import type { Telegram } from 'telegraf'
import type { ChatRef, NotifyOptions } from '../../core/contracts/chat.ts'
import type { MessageRef, Surface } from '../../core/contracts/surface.ts'
import { postText } from '../../core/live/live-message.ts'
import { toTelegramHtml } from '../../core/live/render-telegram-html.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { createSurfaceShared, createTelegramSurface } from './telegram-surface.ts'

/**
 * Where Herald writes in a Telegram chat: a Surface for answers, and a notifier for short lines
 * outside an answer. Both quote the person's message (`replyTo`) and stay in its forum topic
 * (`threadId`); all surfaces of the bot share one keyboard memory and draft capability.
 *
 * @example
 *   const chats = new TelegramChats(bot.telegram, lanes)
 *   const surface = chats.surface(chat, message.message_id)
 *   await chats.notifier(chat)('**Saved.**')
 */

/** A short line (Markdown) outside an answer; resolves with the message it sent. */
export type Notify = (text: string, options?: NotifyOptions) => Promise<MessageRef | undefined>

export class TelegramChats {
  private readonly telegram: Telegram
  private readonly lanes: LaneRegistry | undefined
  private readonly shared = createSurfaceShared()

  /** With `lanes` (Herald's LaneRegistry), short lines wait their turn with the answers' edits. */
  constructor(telegram: Telegram, lanes: LaneRegistry | undefined) {
    this.telegram = telegram
    this.lanes = lanes
  }

  surface(chat: ChatRef, replyTo?: number, threadId?: number): Surface {
    return createTelegramSurface({
      telegram: this.telegram,
      chat,
      shared: this.shared,
      ...(replyTo !== undefined ? { replyToMessageId: replyTo } : {}),
      ...(threadId !== undefined ? { threadId } : {}),
    })
  }

  /** Short lines (Markdown) outside an answer, through the chat's lane when there is one. */
  notifier(chat: ChatRef, replyTo?: number, threadId?: number): Notify {
    return async (text, options) => {
      const surface = this.surface(chat, replyTo, threadId)
      const buttons = options?.buttons
      if (!this.lanes) {
        return surface.send({
          text: toTelegramHtml(text),
          format: 'telegram-html',
          ...(buttons ? { buttons } : {}),
        })
      }
      const posted = await postText(surface, this.lanes, text, buttons ? { finalButtons: buttons } : {})
      if (posted.outcome !== 'delivered')
        throw posted.error ?? new Error(`telegram notify: ${posted.outcome}`)
      return posted.messages[0]?.ref
    }
  }
}
