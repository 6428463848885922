import type { TgEntity } from './fake-telegram-html.ts'

/** The Bot API objects the fake keeps, with Telegram's own field names. */
export interface TgUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
}

export interface TgChat {
  id: number
  type: 'private' | 'group' | 'supergroup'
  title?: string
  first_name?: string
}

export interface TgButton {
  text: string
  callback_data?: string
  url?: string
}

export interface TgMarkup {
  inline_keyboard: TgButton[][]
}

export interface TgMessage {
  message_id: number
  date: number
  chat: TgChat
  from?: TgUser
  text?: string
  entities?: TgEntity[]
  caption?: string
  caption_entities?: TgEntity[]
  photo?: { file_id: string; file_unique_id: string; width: number; height: number; file_size?: number }[]
  document?: {
    file_id: string
    file_unique_id: string
    file_name?: string
    mime_type?: string
    file_size: number
  }
  voice?: {
    file_id: string
    file_unique_id: string
    duration: number
    mime_type?: string
    file_size?: number
  }
  audio?: {
    file_id: string
    file_unique_id: string
    duration: number
    mime_type?: string
    file_name?: string
    file_size?: number
  }
  reply_to_message?: TgMessage
  reply_markup?: TgMarkup
  edit_date?: number
  message_thread_id?: number
}

export interface StoredMessage {
  message: TgMessage
  deleted: boolean
  /** A photo message's pictures, first sent then each `editMessageMedia`, with their captions. */
  media?: { bytes: Uint8Array; caption: string }[]
}

export interface StoredFile {
  file_id: string
  file_unique_id: string
  file_path: string
  bytes: Uint8Array
  /** What getFile reports; normally bytes.length (tests may lie to check verification). */
  file_size: number
}

export class BotApiError extends Error {
  readonly code: number
  readonly retryAfter: number | undefined
  constructor(code: number, description: string, retryAfter?: number) {
    super(description)
    this.code = code
    this.retryAfter = retryAfter
  }
}

export type Params = Record<string, unknown>
