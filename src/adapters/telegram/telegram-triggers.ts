import type { Message, MessageEntity } from 'telegraf/types'
import type { CommandDef } from '../../commands/define.ts'

/**
 * Which Telegram messages are for Herald. Private chats: every text, every captioned photo and every
 * voice note or audio file (its transcript is the prompt) and every document is a prompt. Groups: a mention of the bot (`@HeraldBot …`, removed from the prompt), a reply to one of
 * the bot's messages, or a command (`/ask …`, `/ask@HeraldBot …`; `/ask@OtherBot` is another bot's).
 *
 * Who may speak: people, and a group's anonymous admins (their messages come from
 * `GroupAnonymousBot` with `sender_chat` = the group itself; see `isAnonymousAdmin`). Other bots,
 * messages sent on behalf of a channel (`sender_chat` is another chat) and a channel's posts
 * copied into its discussion group (`is_automatic_forward`) are never answered. Channel posts are
 * not even received (`channel_post` is not among the updates Herald asks for): a channel has no
 * one to answer, and an answer there would go to every subscriber.
 *
 * @example
 *   classifyMessage(message, { id: 1, username: 'HeraldBot' }, commands)
 *   // → { kind: 'command', command: ask, argsText: 'why is the sky blue' }
 */

/** Why a Telegram message is for Herald, or that it is not. */
export type Trigger =
  | { kind: 'command'; command: CommandDef<unknown>; argsText: string }
  | { kind: 'prompt'; text: string }

export interface BotIdentity {
  id: number
  username: string
}

/** Telegram clients send `/start` when a person opens the bot: it shows the help command. */
const COMMAND_ALIASES = new Map([['start', 'help']])

interface Content {
  text: string
  entities: MessageEntity[]
  hasPhoto: boolean
  /** A voice note, an audio file or a document: a prompt even without words beside it. */
  hasAudio: boolean
}

function contentOf(message: Message): Content | undefined {
  if ('text' in message)
    return { text: message.text, entities: message.entities ?? [], hasPhoto: false, hasAudio: false }
  if ('photo' in message) {
    const entities = message.caption_entities ?? []
    return { text: message.caption ?? '', entities, hasPhoto: true, hasAudio: false }
  }
  if ('voice' in message || 'audio' in message || 'document' in message) {
    const entities = message.caption_entities ?? []
    return { text: message.caption ?? '', entities, hasPhoto: false, hasAudio: true }
  }
  return undefined
}

function findCommand(
  name: string,
  commands: readonly CommandDef<unknown>[],
): CommandDef<unknown> | undefined {
  const lower = name.toLowerCase()
  const alias = COMMAND_ALIASES.get(lower)
  return (
    commands.find((c) => c.name === lower) ?? commands.find((c) => alias !== undefined && c.name === alias)
  )
}

function isMentionOfBot(entity: MessageEntity, text: string, me: BotIdentity): boolean {
  if (entity.type === 'text_mention') return entity.user.id === me.id
  if (entity.type !== 'mention') return false
  return (
    text.slice(entity.offset, entity.offset + entity.length).toLowerCase() === `@${me.username.toLowerCase()}`
  )
}

/** Removes the bot's mentions from a prompt (offsets are UTF-16, like JavaScript strings). */
function withoutMentions(text: string, mentions: readonly MessageEntity[]): string {
  let result = text
  for (const m of [...mentions].sort((a, b) => b.offset - a.offset)) {
    const before = result.slice(0, m.offset)
    let after = result.slice(m.offset + m.length)
    if ((before === '' || /\s$/.test(before)) && /^[\s,:]/.test(after)) after = after.replace(/^[,:]?\s*/, '')
    result = before + after
  }
  return result.trim()
}

/**
 * An anonymous group admin: Telegram hides who it is and shows the group as the sender. Herald
 * answers them like any member, never with admin rights (it cannot tell which admin spoke), and
 * counts them as one person per group for limits and budgets.
 */
export function isAnonymousAdmin(message: Message): boolean {
  return message.sender_chat !== undefined && message.sender_chat.id === message.chat.id
}

export function classifyMessage(
  message: Message,
  me: BotIdentity,
  commands: readonly CommandDef<unknown>[],
): Trigger | undefined {
  if (!message.from) return undefined
  if (message.from.is_bot && !isAnonymousAdmin(message)) return undefined
  if ('is_automatic_forward' in message && message.is_automatic_forward) return undefined
  const content = contentOf(message)
  if (!content) return undefined
  const { text, entities, hasPhoto, hasAudio } = content
  const first = entities[0]
  if (first?.type === 'bot_command' && first.offset === 0) {
    const [name = '', target] = text.slice(1, first.length).split('@')
    if (target !== undefined && target.toLowerCase() !== me.username.toLowerCase()) return undefined
    const command = findCommand(name, commands)
    if (!command) return undefined
    return { kind: 'command', command, argsText: text.slice(first.length).trim() }
  }
  if (message.chat.type === 'private') {
    if (text.trim() === '' && !hasAudio) return undefined
    return { kind: 'prompt', text: text.trim() }
  }
  const mentions = entities.filter((e) => isMentionOfBot(e, text, me))
  const repliesToBot = 'reply_to_message' in message && message.reply_to_message?.from?.id === me.id
  if (mentions.length === 0 && !repliesToBot) return undefined
  const prompt = withoutMentions(text, mentions)
  if (prompt === '' && !hasPhoto && !hasAudio) return undefined
  return { kind: 'prompt', text: prompt }
}
