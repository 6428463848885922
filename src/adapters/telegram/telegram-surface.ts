import type { Telegram } from 'telegraf'
import type { InlineKeyboardMarkup } from 'telegraf/types'
import type { ChatRef } from '../../core/contracts/chat.ts'
import type { Button, MessageRef, Pace, Rendered, Surface } from '../../core/contracts/surface.ts'
import { telegramLimits, telegramPace } from '../../core/live/platform-defaults.ts'
import { DraftUnavailable, isNotModified, isUnknownMethod, toSurfaceError } from './telegram-errors.ts'

/**
 * A Surface for one Telegram chat: HTML messages of at most 4096 characters, edited in place at
 * Telegram's pace, with inline keyboards, drafts (`sendMessageDraft`, private chats), documents and
 * "typing…". Every failure leaves as a Herald error (telegram-errors.ts); "message is not modified"
 * never leaves at all.
 *
 * @example
 *   const surface = createTelegramSurface({ telegram: bot.telegram, chat, shared, replyToMessageId: 17 })
 *   const ref = await surface.send({ text: '<b>Hi</b>', format: 'telegram-html' })
 */

/** Characters per message after entity parsing (Telegram counts code points; UTF-16 is stricter). */
export const TELEGRAM_CAPTION_LIMIT_CHARS = 1024
/** About one call a second per private chat, with a margin: calls arrive with network jitter. */
export const TELEGRAM_PRIVATE_PACE: Pace = telegramPace('private')
/** 20 calls a minute per group: one every 3 s, with the same margin. */
export const TELEGRAM_GROUP_PACE: Pace = telegramPace('group')
export const TELEGRAM_BUTTONS_PER_ROW = 3
const REMEMBERED_KEYBOARDS = 2000

/** What all surfaces of one bot share. */
export interface TelegramSurfaceShared {
  /** Whether this Bot API server knows `sendMessageDraft`; undefined until the first draft says. */
  draftAvailable: boolean | undefined
  /** The last keyboard of each message: an edit without `reply_markup` would remove it. */
  keyboards: Map<string, InlineKeyboardMarkup>
}

export function createSurfaceShared(): TelegramSurfaceShared {
  return { draftAvailable: undefined, keyboards: new Map() }
}

export interface TelegramSurfaceOptions {
  telegram: Telegram
  chat: ChatRef
  shared: TelegramSurfaceShared
  /** The user's message: the first message sent quotes it. */
  replyToMessageId?: number
  /** The forum topic the conversation is in. */
  threadId?: number
}

export function inlineKeyboard(buttons: readonly Button[]): InlineKeyboardMarkup | undefined {
  if (buttons.length === 0) return undefined
  const rows: InlineKeyboardMarkup['inline_keyboard'] = []
  for (let i = 0; i < buttons.length; i += TELEGRAM_BUTTONS_PER_ROW) {
    rows.push(
      buttons.slice(i, i + TELEGRAM_BUTTONS_PER_ROW).map((b) => ({ text: b.label, callback_data: b.data })),
    )
  }
  return { inline_keyboard: rows }
}

export function formatted(content: Rendered): { text: string; parse_mode?: 'HTML' } {
  return content.format === 'telegram-html'
    ? { text: content.text, parse_mode: 'HTML' }
    : { text: content.text }
}

function firstCodePoints(text: string, max: number): string {
  return [...text].slice(0, max).join('')
}

function captionOf(text: string | undefined): { caption?: string } {
  return text ? { caption: firstCodePoints(text, TELEGRAM_CAPTION_LIMIT_CHARS) } : {}
}

/** The part of a sent message the surface reads. */
interface SentMessage {
  message_id: number
  chat: { id: number }
}

type LooseCall = (method: string, payload: Record<string, unknown>) => Promise<unknown>

export function createTelegramSurface(options: TelegramSurfaceOptions): Surface {
  const { telegram, chat, shared } = options
  const chatId = chat.id
  const thread = options.threadId === undefined ? {} : { message_thread_id: options.threadId }
  let quotePending = options.replyToMessageId !== undefined
  const callLoose = telegram.callApi.bind(telegram) as unknown as LooseCall

  const keyOf = (ref: MessageRef) => `${ref.chatId}:${ref.id}`
  const remember = (ref: MessageRef, markup: InlineKeyboardMarkup | undefined) => {
    const key = keyOf(ref)
    shared.keyboards.delete(key)
    if (!markup) return
    shared.keyboards.set(key, markup)
    if (shared.keyboards.size > REMEMBERED_KEYBOARDS)
      shared.keyboards.delete(shared.keyboards.keys().next().value!)
  }
  const quote = () =>
    quotePending && options.replyToMessageId !== undefined
      ? { reply_parameters: { message_id: options.replyToMessageId, allow_sending_without_reply: true } }
      : {}
  // telegraf 4.16 drops an object field it does not know from a multipart call (one with a file):
  // reply_parameters goes as the JSON text the Bot API also accepts.
  const quoteInForm = () => {
    const { reply_parameters } = quote()
    return reply_parameters ? { reply_parameters: JSON.stringify(reply_parameters) } : {}
  }
  /** A file, photo or voice message in the chat's topic, quoting the question like a text answer. */
  const sendUpload = async (
    method: 'sendDocument' | 'sendPhoto' | 'sendVoice',
    fields: Record<string, unknown>,
  ): Promise<MessageRef> => {
    try {
      const message = (await callLoose(method, {
        chat_id: chatId,
        ...fields,
        ...thread,
        ...quoteInForm(),
      })) as SentMessage
      quotePending = false
      return { id: String(message.message_id), chatId: String(message.chat.id) }
    } catch (err) {
      throw toSurfaceError(err)
    }
  }

  const surface: Surface = {
    chatKey: chat.key,
    limit: telegramLimits.messageLimit,
    pace: chat.kind === 'private' ? TELEGRAM_PRIVATE_PACE : TELEGRAM_GROUP_PACE,
    format: 'telegram-html',

    async send(content) {
      const markup = content.buttons ? inlineKeyboard(content.buttons) : undefined
      try {
        const message = await telegram.callApi('sendMessage', {
          chat_id: chatId,
          ...formatted(content),
          link_preview_options: { is_disabled: true },
          ...thread,
          ...quote(),
          ...(markup ? { reply_markup: markup } : {}),
        })
        quotePending = false
        const ref = { id: String(message.message_id), chatId: String(message.chat.id) }
        remember(ref, markup)
        return ref
      } catch (err) {
        throw toSurfaceError(err)
      }
    },

    async edit(ref, content) {
      const markup =
        content.buttons === undefined ? shared.keyboards.get(keyOf(ref)) : inlineKeyboard(content.buttons)
      try {
        await telegram.callApi('editMessageText', {
          chat_id: ref.chatId,
          message_id: Number(ref.id),
          ...formatted(content),
          link_preview_options: { is_disabled: true },
          ...(markup ? { reply_markup: markup } : {}),
        })
      } catch (err) {
        if (!isNotModified(err)) throw toSurfaceError(err)
      }
      remember(ref, markup)
    },

    sendFile: (name, bytes, caption) =>
      sendUpload('sendDocument', {
        document: { source: Buffer.from(bytes), filename: name },
        ...captionOf(caption),
      }),

    sendPicture: (picture) =>
      sendUpload('sendPhoto', {
        photo: { source: Buffer.from(picture.bytes), filename: picture.name },
        ...captionOf(picture.caption),
      }),

    sendVoice: (bytes, caption) =>
      sendUpload('sendVoice', {
        voice: { source: Buffer.from(bytes), filename: 'answer.ogg' },
        ...captionOf(caption),
      }),

    async editPicture(ref, picture) {
      try {
        await telegram.callApi('editMessageMedia', {
          chat_id: ref.chatId,
          message_id: Number(ref.id),
          media: {
            type: 'photo',
            media: { source: Buffer.from(picture.bytes), filename: picture.name },
            ...captionOf(picture.caption),
          },
        })
      } catch (err) {
        if (!isNotModified(err)) throw toSurfaceError(err)
      }
    },

    async typing() {
      try {
        await telegram.callApi('sendChatAction', { chat_id: chatId, action: 'typing', ...thread })
      } catch (err) {
        throw toSurfaceError(err)
      }
    },
  }

  if (chat.kind === 'private') {
    // telegraf 4.16 predates sendMessageDraft (Bot API 9.3): call it by name.
    surface.draft = async (draftId, content) => {
      if (shared.draftAvailable === false) throw new DraftUnavailable()
      try {
        await callLoose('sendMessageDraft', {
          chat_id: chatId,
          draft_id: draftId,
          ...formatted(content),
          ...thread,
        })
        shared.draftAvailable = true
      } catch (err) {
        if (isUnknownMethod(err)) {
          shared.draftAvailable = false
          throw new DraftUnavailable({ cause: err })
        }
        throw toSurfaceError(err)
      }
    }
  }
  return surface
}
