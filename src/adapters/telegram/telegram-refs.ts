import type { Chat, Message, User } from 'telegraf/types'
import type { ChatRef, UserRef } from '../../core/contracts/chat.ts'
import { isAnonymousAdmin } from './telegram-triggers.ts'

/**
 * Telegram's chats and people as Herald's refs: a private chat or a group, a person with their
 * language and whether they are one of Herald's admins, and the sender of a message.
 *
 * @example
 *   telegramChatRef({ id: -100, type: 'supergroup' })   // → { platform: 'telegram', id: '-100', kind: 'group', key: 'telegram:-100' }
 *   telegramUserRef(message.from, new Set(['42']))
 */

/** A chat as Herald sees it: private, or a group of any kind, keyed `telegram:<id>`. */
export function telegramChatRef(chat: Pick<Chat, 'id' | 'type'>): ChatRef {
  const id = String(chat.id)
  return {
    platform: 'telegram',
    id,
    kind: chat.type === 'private' ? 'private' : 'group',
    key: `telegram:${id}`,
  }
}

/** A person; an admin of Herald when their id is in TELEGRAM_ADMIN_IDS. */
export function telegramUserRef(from: User, admins: ReadonlySet<string>): UserRef {
  const ref: UserRef = {
    platform: 'telegram',
    id: String(from.id),
    name: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
    isAdmin: admins.has(String(from.id)),
  }
  if (from.language_code) ref.locale = from.language_code
  return ref
}

/** The person behind a message; an anonymous admin is the group itself, never an admin of Herald. */
export function senderOf(message: Message, admins: ReadonlySet<string>): UserRef {
  if (!isAnonymousAdmin(message) || !message.sender_chat) return telegramUserRef(message.from!, admins)
  const group = message.sender_chat
  const signature = 'author_signature' in message ? message.author_signature : undefined
  return {
    platform: 'telegram',
    id: String(group.id),
    name: signature ?? ('title' in group ? group.title : String(group.id)),
    isAdmin: false,
  }
}
