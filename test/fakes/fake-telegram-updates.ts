import type { FakeBotApiState } from './fake-telegram-api.ts'
import type { TgEntity } from './fake-telegram-html.ts'
import type { TgChat, TgMessage, TgUser } from './fake-telegram-types.ts'

/**
 * What people do in the fake Telegram, as the messages and callback queries Telegram would build:
 * the entities it detects in typed text, photo sizes backed by files, shallow reply targets, and
 * group privacy mode.
 */
export interface UserMessage {
  chat: TgChat
  /** Defaults to the private chat's user. */
  from?: TgUser
  text?: string
  /** Defaults to what Telegram detects: `bot_command` and `mention` entities. */
  entities?: TgEntity[]
  reply_to_message_id?: number
  photo?: { bytes: Uint8Array; width?: number; height?: number; fileSize?: number }
  /** A voice note (Telegram records Ogg/Opus); `fileSize` can claim more than the bytes. */
  voice?: { bytes: Uint8Array; duration: number; fileSize?: number }
  /** A file sent as a document; `fileSize` can claim more than the bytes. */
  document?: { bytes: Uint8Array; fileName: string; mimeType: string; fileSize?: number }
  /** An audio file sent as music. */
  audio?: { bytes: Uint8Array; duration: number; mimeType: string; fileName: string }
  caption?: string
  message_thread_id?: number
}

export interface TgCallbackQuery {
  id: string
  from: TgUser
  message: TgMessage
  chat_instance: string
  data: string
}

/** The entities Telegram detects in a user's text: commands and @mentions (UTF-16 offsets). */
export function detectEntities(text: string): TgEntity[] {
  const entities: TgEntity[] = []
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)/g)) {
    entities.push({ type: 'bot_command', offset: m.index + m[1]!.length, length: m[2]!.length })
  }
  for (const m of text.matchAll(/(^|[^A-Za-z0-9_@/])(@[A-Za-z0-9_]{5,32})/g)) {
    entities.push({ type: 'mention', offset: m.index + m[1]!.length, length: m[2]!.length })
  }
  return entities.sort((a, b) => a.offset - b.offset)
}

/** Stores a user's message in its chat, as Telegram would show it to the bot. */
export function storeUserMessage(state: FakeBotApiState, input: UserMessage): TgMessage {
  const chat = state.addChat(input.chat)
  const from: TgUser = input.from ?? { id: chat.id, is_bot: false, first_name: 'User' }
  const message: Omit<TgMessage, 'message_id' | 'date' | 'chat'> = { from }
  if (input.text !== undefined) {
    message.text = input.text
    const entities = input.entities ?? detectEntities(input.text)
    if (entities.length > 0) message.entities = entities
  }
  if (input.photo) {
    const { bytes, width = 1280, height = 960, fileSize } = input.photo
    const thumb = state.addFile(bytes.subarray(0, Math.min(bytes.length, 32)), 'photos')
    const full = state.addFile(bytes, 'photos', fileSize)
    message.photo = [thumb, full].map((f, i) => ({
      file_id: f.file_id,
      file_unique_id: f.file_unique_id,
      width: i === 0 ? 90 : width,
      height: i === 0 ? 68 : height,
      file_size: f.file_size,
    }))
  }
  if (input.voice) {
    const file = state.addFile(input.voice.bytes, 'voice', input.voice.fileSize)
    message.voice = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      duration: input.voice.duration,
      mime_type: 'audio/ogg',
      file_size: file.file_size,
    }
  }
  if (input.audio) {
    const file = state.addFile(input.audio.bytes, 'music')
    message.audio = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      duration: input.audio.duration,
      mime_type: input.audio.mimeType,
      file_name: input.audio.fileName,
      file_size: file.file_size,
    }
  }
  if (input.document) {
    const file = state.addFile(input.document.bytes, 'documents', input.document.fileSize)
    message.document = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: input.document.fileName,
      mime_type: input.document.mimeType,
      file_size: file.file_size,
    }
  }
  if ((input.photo || input.voice || input.audio || input.document) && input.caption !== undefined) {
    message.caption = input.caption
    const entities = input.entities ?? detectEntities(input.caption)
    if (entities.length > 0) message.caption_entities = entities
  }
  if (input.reply_to_message_id !== undefined) {
    const target = state.find(chat.id, input.reply_to_message_id)
    if (!target || target.deleted)
      throw new Error(`no message ${input.reply_to_message_id} in chat ${chat.id}`)
    const { reply_to_message: _, ...shallow } = target.message
    message.reply_to_message = shallow
  }
  if (input.message_thread_id !== undefined) message.message_thread_id = input.message_thread_id
  return state.store(chat, message)
}

/** With privacy mode on, groups deliver only commands (for this bot), mentions of it and replies to it. */
export function seenInPrivacyMode(message: TgMessage, bot: TgUser): boolean {
  if (message.chat.type === 'private') return true
  const text = message.text ?? message.caption ?? ''
  const entities = message.entities ?? message.caption_entities ?? []
  if (message.reply_to_message?.from?.id === bot.id) return true
  const me = `@${bot.username?.toLowerCase()}`
  return entities.some((e) => {
    const part = text.slice(e.offset, e.offset + e.length).toLowerCase()
    if (e.type === 'mention') return part === me
    return e.type === 'bot_command' && e.offset === 0 && (!part.includes('@') || part.endsWith(me))
  })
}

/** A press of an inline button; the message must show a button with this data. */
export function callbackQuery(
  state: FakeBotApiState,
  chatId: number,
  messageId: number,
  data: string,
  from: TgUser,
  queryId: string,
): TgCallbackQuery {
  const stored = state.find(chatId, messageId)
  if (!stored || stored.deleted) throw new Error(`no message ${messageId} in chat ${chatId}`)
  const buttons = stored.message.reply_markup?.inline_keyboard.flat() ?? []
  if (!buttons.some((b) => b.callback_data === data))
    throw new Error(`message ${messageId} has no button "${data}"`)
  state.openCallbacks.add(queryId)
  return { id: queryId, from, message: structuredClone(stored.message), chat_instance: String(chatId), data }
}
