import type { Telegram } from 'telegraf'
import type { Message } from 'telegraf/types'
import { type CommandDef, parseTextArgs } from '../../commands/define.ts'
import type { Herald, Invocation, Problem } from '../../core/contracts/chat.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { audioOf } from './telegram-audio.ts'
import type { TelegramChats } from './telegram-chats.ts'
import { documentOf } from './telegram-document.ts'
import { photoImage } from './telegram-photo.ts'
import { senderOf, telegramChatRef } from './telegram-refs.ts'
import type { Handoff } from './telegram-routing.ts'
import { type BotIdentity, classifyMessage, type Trigger } from './telegram-triggers.ts'

/**
 * Telegram messages for Herald as Invocations: the command and its arguments (a prompt is an
 * `/ask`), the sender, the photo, voice note or document it carries (fetched only when the request
 * is allowed), the reply to one of the bot's messages, and a surface quoting the message in its topic.
 *
 * @example
 *   const handoff = messages.take(update.update_id, update.message)   // undefined: not for Herald
 *   handoff?.run()   // herald.handle(invocation)
 */

/** What turning a message into an Invocation needs; `me` is read at each message. */
export interface MessageIntakeOptions {
  telegram: Telegram
  herald: Herald
  commands: readonly CommandDef<unknown>[]
  chats: TelegramChats
  admins: ReadonlySet<string>
  /** Photos larger than this are refused before downloading. */
  maxImageBytes: number
  fetch?: typeof globalThis.fetch
  /** The bot itself, known once connected: until then no message is taken. */
  me(): BotIdentity | undefined
  log: Logger
}

type CommandCall = Pick<Invocation, 'command' | 'args'> & { problem?: Problem }

export class MessageIntake {
  private readonly options: MessageIntakeOptions
  /** The argument a plain prompt fills: `/ask`'s text option. */
  private readonly promptOption: string

  constructor(options: MessageIntakeOptions) {
    this.options = options
    this.promptOption = options.commands.find((c) => c.name === 'ask')?.textOption ?? 'prompt'
  }

  take(updateId: number, message: Message): Handoff | undefined {
    const me = this.options.me()
    if (!me || !message.from) return undefined
    const trigger = classifyMessage(message, me, this.options.commands)
    if (!trigger) return undefined
    const chat = telegramChatRef(message.chat)
    const threadId =
      'is_topic_message' in message && message.is_topic_message ? message.message_thread_id : undefined
    const { command, args, problem } = this.commandCall(trigger)
    const replied = 'reply_to_message' in message ? message.reply_to_message : undefined
    const invocation: Invocation = {
      eventId: `telegram:update:${updateId}`,
      command,
      args,
      user: senderOf(message, this.options.admins),
      chat,
      ...this.attachments(message),
      surface: this.options.chats.surface(chat, message.message_id, threadId),
      notify: this.options.chats.notifier(chat, message.message_id, threadId),
      ...(replied && replied.from?.id === me.id ? { replyTo: String(replied.message_id) } : {}),
      ...(problem ? { problem } : {}),
    }
    const context = { updateId, chat: chat.key }
    this.options.log.debug({ ...context, command }, 'telegram invocation')
    return { what: 'handle', context, run: () => this.options.herald.handle(invocation) }
  }

  private commandCall(trigger: Trigger): CommandCall {
    if (trigger.kind === 'prompt') return { command: 'ask', args: { [this.promptOption]: trigger.text } }
    // Unreadable arguments still go to Herald: it answers in the person's language, and runs nothing.
    const parsed = parseTextArgs(trigger.command, trigger.argsText)
    const command = trigger.command.name
    return parsed.ok ? { command, args: parsed.args } : { command, args: {}, problem: parsed.problem }
  }

  /** What the message carries besides words, as lazy refs: nothing is downloaded here. */
  private attachments(message: Message): Pick<Invocation, 'images' | 'audio' | 'documents'> {
    const { telegram, fetch } = this.options
    const photo =
      'photo' in message
        ? photoImage({
            telegram,
            sizes: message.photo,
            maxBytes: this.options.maxImageBytes,
            ...(fetch ? { fetch } : {}),
          })
        : undefined
    const audio = audioOf(message, telegram, fetch)
    const document = documentOf(message, telegram, fetch)
    return {
      images: photo ? [photo] : [],
      ...(audio ? { audio } : {}),
      ...(document ? { documents: [document] } : {}),
    }
  }
}
