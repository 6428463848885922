import { audioContainer } from './audio.ts'
import { FloodControl, type RateLimits } from './fake-telegram-flood.ts'
import { codePointLength, parseTelegramHtml, type TgEntity, trimFormatted } from './fake-telegram-html.ts'
import type { Upload } from './fake-telegram-http.ts'
import {
  BotApiError,
  type Params,
  type StoredFile,
  type StoredMessage,
  type TgChat,
  type TgMarkup,
  type TgMessage,
  type TgUser,
} from './fake-telegram-types.ts'
import { isPng, pngSize } from './png.ts'

export type { Params } from './fake-telegram-types.ts'

/** The methods answered from this state alone (the server adds updates, webhooks and getMe). */
export const STATE_METHODS = [
  'sendMessage',
  'editMessageText',
  'editMessageReplyMarkup',
  'deleteMessage',
  'sendChatAction',
  'answerCallbackQuery',
  'sendDocument',
  'sendPhoto',
  'sendVoice',
  'editMessageMedia',
  'sendMessageDraft',
  'getFile',
  'getChatMember',
  'setMyCommands',
  'getMyCommands',
] as const

const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'
const CHAT_ACTIONS = [
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]

/** What getFile serves (a larger file is refused). */
export const TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024

/** Bot API voice rules: an upload of at most 50 MB, a caption of at most 1024 characters. */
export const TELEGRAM_VOICE_LIMIT_BYTES = 50 * 1024 * 1024

/** Voice messages Telegram plays as such: Ogg/Opus, MP3, M4A (anything else arrives as a document). */
const VOICE_TYPES: Record<string, string> = { ogg: 'audio/ogg', mp3: 'audio/mpeg', mp4: 'audio/mp4' }

/** Bot API photo rules: at most 10 MB, width + height at most 10000, sides at most 20:1. */
export const TELEGRAM_PHOTO_LIMITS = { maxBytes: 10 * 1024 * 1024, maxSidesSum: 10_000, maxRatio: 20 }

function bad(description: string): BotApiError {
  return new BotApiError(400, `Bad Request: ${description}`)
}

function asJson<T>(value: unknown): T | undefined {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as T
    } catch {
      throw bad(`can't parse JSON: ${value.slice(0, 40)}`)
    }
  }
  return value as T | undefined
}

function asInt(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const n = Number(value)
  return Number.isInteger(n) ? n : Number.NaN
}

/**
 * The state and the methods of the fake Bot API, without HTTP: what Telegram keeps (chats, messages,
 * keyboards, files, drafts, commands) and the rules it enforces (lengths, HTML, "not modified",
 * flood limits). fake-telegram.ts serves it over HTTP and adds the test helpers.
 */
export class FakeBotApiState {
  readonly bot: TgUser
  readonly chats = new Map<number, TgChat>()
  readonly messages = new Map<number, StoredMessage[]>()
  readonly files = new Map<string, StoredFile>()
  readonly drafts = new Map<number, { draft_id: number; text: string; entities: TgEntity[] }>()
  readonly commands = new Map<string, { command: string; description: string }[]>()
  readonly chatActions: { chat: number; action: string; at: number }[] = []
  readonly callbackAnswers: { id: string; text?: string; show_alert: boolean }[] = []
  readonly openCallbacks = new Set<string>()
  readonly blocked = new Set<number>()
  readonly members = new Map<string, string>()
  readonly flood: FloodControl
  draftSupported: boolean
  private nextFile = 1
  private readonly now: () => number

  constructor(options: {
    bot: TgUser
    draftSupported: boolean
    rateLimits: RateLimits | false
    now: () => number
  }) {
    this.bot = options.bot
    this.draftSupported = options.draftSupported
    this.flood = new FloodControl(options.rateLimits, options.now)
    this.now = options.now
  }

  call(method: string, params: Params, upload: Upload | undefined): unknown {
    switch (method) {
      case 'sendMessage':
        return this.sendMessage(params)
      case 'editMessageText':
        return this.editMessageText(params)
      case 'editMessageReplyMarkup':
        return this.editMessageReplyMarkup(params)
      case 'deleteMessage':
        return this.deleteMessage(params)
      case 'sendChatAction':
        return this.sendChatAction(params)
      case 'answerCallbackQuery':
        return this.answerCallbackQuery(params)
      case 'sendDocument':
        return this.sendDocument(params, upload)
      case 'sendPhoto':
        return this.sendPhoto(params, upload)
      case 'sendVoice':
        return this.sendVoice(params, upload)
      case 'editMessageMedia':
        return this.editMessageMedia(params, upload)
      case 'sendMessageDraft':
        return this.sendMessageDraft(params)
      case 'getFile':
        return this.getFile(params)
      case 'getChatMember':
        return this.getChatMember(params)
      case 'setMyCommands':
        return this.setMyCommands(params)
      case 'getMyCommands':
        return this.getMyCommands(params)
      default:
        throw new BotApiError(404, 'Not Found')
    }
  }

  chat(id: unknown): TgChat {
    const chatId = asInt(id)
    const chat = chatId === undefined ? undefined : this.chats.get(chatId)
    if (!chat) throw bad('chat not found')
    if (this.blocked.has(chat.id)) {
      throw new BotApiError(
        403,
        chat.type === 'private'
          ? 'Forbidden: bot was blocked by the user'
          : 'Forbidden: bot was kicked from the group chat',
      )
    }
    return chat
  }

  addChat(chat: TgChat): TgChat {
    const known = this.chats.get(chat.id)
    if (known) return known
    this.chats.set(chat.id, chat)
    this.messages.set(chat.id, [])
    return chat
  }

  store(chat: TgChat, message: Omit<TgMessage, 'message_id' | 'date' | 'chat'>): TgMessage {
    const list = this.messages.get(chat.id)!
    const stored: TgMessage = {
      message_id: list.length + 1,
      date: Math.floor(this.now() / 1000),
      chat,
      ...message,
    }
    list.push({ message: stored, deleted: false })
    return stored
  }

  find(chatId: number, messageId: number): StoredMessage | undefined {
    return this.messages.get(chatId)?.find((m) => m.message.message_id === messageId)
  }

  addFile(bytes: Uint8Array, path: string, declaredSize?: number): StoredFile {
    const n = this.nextFile++
    const file: StoredFile = {
      file_id: `file-${n}`,
      file_unique_id: `unique-${n}`,
      file_path: `${path}/file_${n}`,
      bytes,
      file_size: declaredSize ?? bytes.length,
    }
    this.files.set(file.file_id, file)
    return file
  }

  /** Text as the server stores it: parsed (HTML or explicit entities), trimmed, checked for length. */
  private formatted(params: Params, field: 'text' | 'caption', limit: number, allowEmpty = false) {
    const raw = params[field]
    if (raw === undefined || raw === null || raw === '') {
      if (allowEmpty) return { text: '', entities: [] as TgEntity[] }
      throw bad(field === 'text' ? 'message text is empty' : 'message caption is empty')
    }
    const source = String(raw)
    const mode = typeof params.parse_mode === 'string' ? params.parse_mode : ''
    let parsed: { text: string; entities: TgEntity[] }
    if (mode.toLowerCase() === 'html') {
      const result = parseTelegramHtml(source)
      if (!result.ok) throw bad(`can't parse entities: ${result.error}`)
      parsed = result
    } else if (mode === '') {
      const given = asJson<TgEntity[]>(params[field === 'text' ? 'entities' : 'caption_entities']) ?? []
      const result = trimFormatted(source, given)
      if (!result.ok) throw bad(result.error)
      parsed = result
    } else {
      throw bad(`unsupported parse_mode in this fake: ${mode}`)
    }
    if (parsed.text === '' && !allowEmpty) throw bad('text must be non-empty')
    if (codePointLength(parsed.text) > limit) {
      if (field === 'caption') throw bad('message caption is too long')
      throw bad(params.message_id !== undefined ? 'MESSAGE_TOO_LONG' : 'message is too long')
    }
    return parsed
  }

  private markup(params: Params): TgMarkup | undefined {
    const markup = asJson<TgMarkup>(params.reply_markup)
    if (markup === undefined) return undefined
    if (!Array.isArray(markup.inline_keyboard))
      throw bad('unsupported reply_markup in this fake (inline_keyboard only)')
    const rows = markup.inline_keyboard.filter((row) => Array.isArray(row) && row.length > 0)
    for (const row of rows) {
      for (const button of row) {
        if (typeof button.text !== 'string' || button.text.trim() === '') throw bad('BUTTON_TEXT_INVALID')
        if (button.callback_data === undefined && button.url === undefined) {
          throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        }
        const bytes = button.callback_data === undefined ? 1 : Buffer.byteLength(button.callback_data, 'utf8')
        if (bytes < 1 || bytes > 64) throw bad('BUTTON_DATA_INVALID')
      }
    }
    return rows.length === 0 ? undefined : { inline_keyboard: rows }
  }

  private replyTarget(chat: TgChat, params: Params): TgMessage | undefined {
    const reply = asJson<{ message_id?: unknown; allow_sending_without_reply?: boolean }>(
      params.reply_parameters,
    )
    const id = asInt(reply?.message_id ?? params.reply_to_message_id)
    if (id === undefined) return undefined
    const target = this.find(chat.id, id)
    if (target && !target.deleted) {
      const { reply_to_message: _, ...shallow } = target.message
      return shallow
    }
    if (reply?.allow_sending_without_reply || params.allow_sending_without_reply) return undefined
    throw bad('message to be replied not found')
  }

  private editable(chat: TgChat, params: Params): StoredMessage {
    const id = asInt(params.message_id)
    if (id === undefined) throw bad('message identifier is not specified')
    const stored = this.find(chat.id, id)
    if (!stored || stored.deleted) throw bad('message to edit not found')
    if (stored.message.from?.id !== this.bot.id) throw bad("message can't be edited")
    return stored
  }

  sendMessage(params: Params): TgMessage {
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'sendMessage')
    const { text, entities } = this.formatted(params, 'text', 4096)
    const markup = this.markup(params)
    const replyTo = this.replyTarget(chat, params)
    const thread = asInt(params.message_thread_id)
    return this.store(chat, {
      from: this.bot,
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...(thread !== undefined ? { message_thread_id: thread } : {}),
    })
  }

  editMessageText(params: Params): TgMessage {
    if (params.inline_message_id !== undefined) throw bad('inline messages are not supported by this fake')
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'editMessageText')
    const stored = this.editable(chat, params)
    if (stored.message.text === undefined) throw bad('there is no text in the message to edit')
    const { text, entities } = this.formatted(params, 'text', 4096)
    // Like Telegram, an edit without reply_markup removes the inline keyboard.
    const markup = this.markup(params)
    const message = stored.message
    if (
      message.text === text &&
      JSON.stringify(message.entities ?? []) === JSON.stringify(entities) &&
      JSON.stringify(message.reply_markup ?? null) === JSON.stringify(markup ?? null)
    ) {
      throw bad(NOT_MODIFIED)
    }
    message.text = text
    if (entities.length > 0) message.entities = entities
    else delete message.entities
    if (markup) message.reply_markup = markup
    else delete message.reply_markup
    message.edit_date = Math.floor(this.now() / 1000)
    return message
  }

  editMessageReplyMarkup(params: Params): TgMessage {
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'editMessageReplyMarkup')
    const stored = this.editable(chat, params)
    const markup = this.markup(params)
    if (JSON.stringify(stored.message.reply_markup ?? null) === JSON.stringify(markup ?? null)) {
      throw bad(NOT_MODIFIED)
    }
    if (markup) stored.message.reply_markup = markup
    else delete stored.message.reply_markup
    stored.message.edit_date = Math.floor(this.now() / 1000)
    return stored.message
  }

  deleteMessage(params: Params): true {
    const chat = this.chat(params.chat_id)
    const stored = this.find(chat.id, asInt(params.message_id) ?? -1)
    if (!stored || stored.deleted) throw bad('message to delete not found')
    stored.deleted = true
    return true
  }

  sendChatAction(params: Params): true {
    const chat = this.chat(params.chat_id)
    const action = String(params.action ?? '')
    if (!CHAT_ACTIONS.includes(action)) throw bad('wrong parameter action in request')
    this.chatActions.push({ chat: chat.id, action, at: this.now() })
    return true
  }

  answerCallbackQuery(params: Params): true {
    const id = String(params.callback_query_id ?? '')
    if (!this.openCallbacks.has(id)) {
      throw bad('query is too old and response timeout expired or query ID is invalid')
    }
    const text = params.text === undefined ? undefined : String(params.text)
    if (text !== undefined && codePointLength(text) > 200) throw bad('MESSAGE_TOO_LONG')
    this.openCallbacks.delete(id)
    const showAlert = params.show_alert === true || params.show_alert === 'true'
    this.callbackAnswers.push({ id, ...(text !== undefined ? { text } : {}), show_alert: showAlert })
    return true
  }

  sendDocument(params: Params, upload: Upload | undefined): TgMessage {
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'sendDocument')
    if (!upload) throw bad('there is no document in the request')
    const caption = this.formatted(params, 'caption', 1024, true)
    const markup = this.markup(params)
    const replyTo = this.replyTarget(chat, params)
    const file = this.addFile(upload.bytes, 'documents')
    return this.store(chat, {
      from: this.bot,
      document: {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_name: upload.name,
        file_size: upload.bytes.length,
      },
      ...(caption.text !== '' ? { caption: caption.text } : {}),
      ...(caption.entities.length > 0 ? { caption_entities: caption.entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
    })
  }

  sendVoice(params: Params, upload: Upload | undefined): TgMessage {
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'sendVoice')
    if (!upload || params.voice === undefined) throw bad('there is no voice in the request')
    if (upload.bytes.length > TELEGRAM_VOICE_LIMIT_BYTES)
      throw new BotApiError(413, 'Request Entity Too Large')
    const caption = this.formatted(params, 'caption', 1024, true)
    const markup = this.markup(params)
    const replyTo = this.replyTarget(chat, params)
    const thread = asInt(params.message_thread_id)
    const mime = VOICE_TYPES[audioContainer(upload.bytes) ?? '']
    const file = this.addFile(upload.bytes, mime ? 'voice' : 'documents')
    const ids = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: upload.bytes.length }
    return this.store(chat, {
      from: this.bot,
      ...(mime
        ? { voice: { ...ids, duration: 1, mime_type: mime } }
        : { document: { ...ids, file_name: upload.name } }),
      ...(caption.text !== '' ? { caption: caption.text } : {}),
      ...(caption.entities.length > 0 ? { caption_entities: caption.entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...(thread !== undefined ? { message_thread_id: thread } : {}),
    })
  }

  sendPhoto(params: Params, upload: Upload | undefined): TgMessage {
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'sendPhoto')
    if (!upload || params.photo === undefined) throw bad('there is no photo in the request')
    const photo = this.photo(upload.bytes)
    const caption = this.formatted(params, 'caption', 1024, true)
    const markup = this.markup(params)
    const replyTo = this.replyTarget(chat, params)
    const thread = asInt(params.message_thread_id)
    const message = this.store(chat, {
      from: this.bot,
      photo: [photo],
      ...(caption.text !== '' ? { caption: caption.text } : {}),
      ...(caption.entities.length > 0 ? { caption_entities: caption.entities } : {}),
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message: replyTo } : {}),
      ...(thread !== undefined ? { message_thread_id: thread } : {}),
    })
    this.find(chat.id, message.message_id)!.media = [{ bytes: upload.bytes, caption: caption.text }]
    return message
  }

  /** Replaces a photo message's picture (and caption) in place: the message must hold media already. */
  editMessageMedia(params: Params, upload: Upload | undefined): TgMessage {
    if (params.inline_message_id !== undefined) throw bad('inline messages are not supported by this fake')
    const chat = this.chat(params.chat_id)
    this.flood.throttle(chat, 'editMessageMedia')
    const stored = this.editable(chat, params)
    const media = asJson<Params>(params.media)
    if (!media || typeof media !== 'object') throw bad('media not specified')
    if (media.type !== 'photo') throw bad(`unsupported media type in this fake: ${String(media.type)}`)
    if (!stored.message.photo) throw bad('there is no media in the message to edit')
    const attached = typeof media.media === 'string' ? /^attach:\/\/(.+)$/.exec(media.media) : null
    if (!attached || !upload || upload.field !== attached[1])
      throw bad('wrong file identifier/HTTP URL specified')
    const photo = this.photo(upload.bytes)
    const caption = this.formatted(media, 'caption', 1024, true)
    const markup = this.markup(params)
    const previous = stored.media?.at(-1)
    if (
      previous &&
      Buffer.from(previous.bytes).equals(Buffer.from(upload.bytes)) &&
      previous.caption === caption.text &&
      JSON.stringify(stored.message.reply_markup ?? null) === JSON.stringify(markup ?? null)
    ) {
      throw bad(NOT_MODIFIED)
    }
    const message = stored.message
    message.photo = [photo]
    if (caption.text !== '') message.caption = caption.text
    else delete message.caption
    if (caption.entities.length > 0) message.caption_entities = caption.entities
    else delete message.caption_entities
    if (markup) message.reply_markup = markup
    else delete message.reply_markup
    message.edit_date = Math.floor(this.now() / 1000)
    stored.media = [...(stored.media ?? []), { bytes: upload.bytes, caption: caption.text }]
    return message
  }

  /** A photo as Telegram stores it, after its checks (size, a picture it can read, dimensions). */
  private photo(bytes: Uint8Array): NonNullable<TgMessage['photo']>[number] {
    const limits = TELEGRAM_PHOTO_LIMITS
    if (bytes.length > limits.maxBytes) throw new BotApiError(400, 'Bad Request: file is too big')
    if (!isPng(bytes)) throw bad('IMAGE_PROCESS_FAILED')
    const { width, height } = pngSize(bytes)
    if (
      width + height > limits.maxSidesSum ||
      Math.max(width, height) / Math.min(width, height) > limits.maxRatio
    )
      throw bad('PHOTO_INVALID_DIMENSIONS')
    const file = this.addFile(bytes, 'photos')
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      width,
      height,
      file_size: bytes.length,
    }
  }

  sendMessageDraft(params: Params): true {
    if (!this.draftSupported) throw new BotApiError(404, 'Not Found')
    const chat = this.chat(params.chat_id)
    if (chat.type !== 'private') throw bad('drafts can be sent only to private chats')
    const draftId = asInt(params.draft_id)
    if (draftId === undefined || Number.isNaN(draftId) || draftId === 0)
      throw bad('draft_id must be non-zero')
    this.flood.throttle(chat, 'sendMessageDraft')
    const { text, entities } = this.formatted(params, 'text', 4096, true)
    this.drafts.set(chat.id, { draft_id: draftId, text, entities })
    return true
  }

  getFile(params: Params): Omit<StoredFile, 'bytes'> {
    const file = this.files.get(String(params.file_id ?? ''))
    if (!file) throw bad('invalid file_id')
    // The Bot API serves files of at most 20 MB.
    if (file.file_size > TELEGRAM_DOWNLOAD_LIMIT_BYTES) throw bad('file is too big')
    const { bytes: _, ...info } = file
    return info
  }

  getChatMember(params: Params): { status: string; user: TgUser | { id: number } } {
    const chat = this.chat(params.chat_id)
    const userId = asInt(params.user_id)
    if (userId === undefined || Number.isNaN(userId)) throw bad('invalid user_id specified')
    if (userId === this.bot.id)
      return { status: this.members.get(`${chat.id}:${userId}`) ?? 'member', user: this.bot }
    const status =
      this.members.get(`${chat.id}:${userId}`) ??
      (chat.type === 'private' && chat.id === userId ? 'member' : 'left')
    return { status, user: { id: userId } }
  }

  setMyCommands(params: Params): true {
    const commands = asJson<{ command: string; description: string }[]>(params.commands)
    if (!Array.isArray(commands) || commands.length > 100)
      throw bad('commands must be an array of at most 100')
    for (const c of commands) {
      if (!/^[a-z0-9_]{1,32}$/.test(c.command ?? '')) throw bad('BOT_COMMAND_INVALID')
      const length = codePointLength(c.description ?? '')
      if (length < 1 || length > 256) throw bad('BOT_COMMAND_DESCRIPTION_INVALID')
    }
    this.commands.set(
      this.commandKey(params),
      commands.map((c) => ({ command: c.command, description: c.description })),
    )
    return true
  }

  getMyCommands(params: Params): { command: string; description: string }[] {
    return this.commands.get(this.commandKey(params)) ?? []
  }

  /** Commands are kept per scope and language, like Telegram's `setMyCommands`. */
  commandKey(params: Params): string {
    const scope = asJson<Record<string, unknown>>(params.scope) ?? { type: 'default' }
    const language = typeof params.language_code === 'string' ? params.language_code : ''
    return `${JSON.stringify(scope)}|${language}`
  }
}
