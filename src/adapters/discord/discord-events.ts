import {
  type APIInteractionGuildMember,
  ApplicationCommandOptionType,
  type Attachment,
  type Channel,
  ChannelType,
  type ChatInputCommandInteraction,
  GuildMember,
  type Message,
  MessageType,
  type User,
} from 'discord.js'
import type { OptionDef } from '../../commands/define.ts'
import type { AudioRef, ChatRef, DocumentRef, ImageRef, UserRef } from '../../core/contracts/chat.ts'
import { SurfaceError } from '../../core/contracts/errors.ts'
import { chatKeyOf } from './discord-surface.ts'

/**
 * Discord events in Herald's words: who (UserRef with admin rights), where (ChatRef), what was asked
 * (a message is a prompt when it mentions the bot, is in a DM, replies to the bot, or is in a thread
 * the bot started), and the images attached (to a message, or to a slash command's image option).
 */
export interface AdminPolicy {
  adminIds: readonly string[]
  adminRoleIds: readonly string[]
}

/** `locale`: the person's Discord language, known on interactions only (messages do not carry it). */
export function userRefOf(
  user: User,
  member: GuildMember | APIInteractionGuildMember | null,
  guildId: string | null,
  admins: AdminPolicy,
  locale?: string,
): UserRef {
  const roleIds = member ? rolesOf(member, guildId) : undefined
  const isAdmin =
    admins.adminIds.includes(user.id) || (roleIds ?? []).some((role) => admins.adminRoleIds.includes(role))
  const name =
    member instanceof GuildMember ? member.displayName : (member?.nick ?? user.globalName ?? user.username)
  const ref: UserRef = { platform: 'discord', id: user.id, name, isAdmin }
  if (roleIds) ref.roleIds = roleIds
  if (locale) ref.locale = locale
  return ref
}

function rolesOf(member: GuildMember | APIInteractionGuildMember, guildId: string | null): string[] {
  const ids = member instanceof GuildMember ? [...member.roles.cache.keys()] : member.roles
  // @everyone has the guild's id; it says nothing about the member.
  return ids.filter((id) => id !== guildId)
}

/** `locale`: the guild's language (`guild_locale`, a guild's preferred locale), for messages to everyone. */
export function chatRefOf(
  channel: Channel | null,
  channelId: string,
  guildId: string | null,
  locale?: string | null,
): ChatRef {
  const ref: ChatRef = {
    platform: 'discord',
    id: channelId,
    kind: guildId ? 'group' : 'private',
    key: chatKeyOf(channelId),
  }
  if (guildId) ref.guildId = guildId
  if (channel?.isThread() && channel.parentId) ref.parentId = channel.parentId
  if (guildId && locale) ref.locale = locale
  return ref
}

/** A guild text channel (not a thread, not a DM), where a thread can be opened. */
export function canOpenThread(channel: Channel | null): boolean {
  return channel?.type === ChannelType.GuildText
}

export interface Prompt {
  text: string
  /** The bot message this one replies to. */
  replyTo?: string
}

/**
 * Whether a message asks Herald something. Bots (Herald included), webhooks and system messages never do.
 * In a guild: a mention of the bot, a reply to one of its messages, or any message in a thread it started.
 */
export function promptOf(message: Message, botId: string): Prompt | undefined {
  if (message.author.bot || message.webhookId || message.system) return undefined
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return undefined
  const channel = message.channel
  const repliedToBot =
    message.reference?.messageId !== undefined && message.mentions.repliedUser?.id === botId
  const direct = !message.inGuild()
  const ownThread = channel.isThread() && channel.ownerId === botId
  const mentioned = message.mentions.users.has(botId)
  if (!direct && !ownThread && !mentioned && !repliedToBot) return undefined
  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), '').trim()
  const prompt: Prompt = { text }
  if (repliedToBot) prompt.replyTo = message.reference?.messageId as string
  return prompt
}

/** Option values as Herald's args; attachments are images (`slashImagesOf`), not args. */
export function argsOf(interaction: ChatInputCommandInteraction): Record<string, string | boolean> {
  const args: Record<string, string | boolean> = {}
  for (const option of interaction.options.data) {
    if (option.type === ApplicationCommandOptionType.Attachment) continue
    if (typeof option.value === 'string' || typeof option.value === 'boolean')
      args[option.name] = option.value
  }
  return args
}

/** Image attachments, fetched only when the request is allowed. */
export function imagesOf(message: Message): ImageRef[] {
  return [...message.attachments.values()]
    .filter((attachment) => attachment.contentType?.startsWith('image/'))
    .map(imageOf)
}

/** The first audio attachment (a voice message, an audio file), transcribed only when the request is allowed. */
export function audioOf(message: Message): AudioRef | undefined {
  const attachment = [...message.attachments.values()].find((a) => a.contentType?.startsWith('audio/'))
  if (!attachment) return undefined
  const image = imageOf(attachment)
  const audio: AudioRef = {
    mime: attachment.contentType ?? 'audio/ogg',
    name: attachment.name,
    size: attachment.size,
    fetch: (signal) => image.fetch(signal),
  }
  if (attachment.duration !== null) audio.duration = attachment.duration
  return audio
}

/** Attachments that are neither images nor audio: documents to read (the ask refuses what it cannot read). */
export function documentsOf(message: Message): DocumentRef[] {
  return [...message.attachments.values()]
    .filter((a) => !a.contentType?.startsWith('image/') && !a.contentType?.startsWith('audio/'))
    .map((attachment) => {
      const file = imageOf(attachment)
      const doc: DocumentRef = {
        name: attachment.name,
        mime: attachment.contentType ?? 'application/octet-stream',
        size: attachment.size,
        fetch: (signal) => file.fetch(signal),
      }
      return doc
    })
}

/**
 * The attachments given to a command's image options. Not filtered by type: a file that is not an
 * image was chosen as the image, and the ask pipeline says so.
 */
export function slashImagesOf(
  interaction: ChatInputCommandInteraction,
  options: readonly Pick<OptionDef, 'name' | 'type'>[],
): ImageRef[] {
  return options
    .filter((option) => option.type === 'image')
    .flatMap((option) => {
      const attachment = interaction.options.getAttachment(option.name)
      return attachment ? [imageOf(attachment)] : []
    })
}

/** An attachment as a file: size and type as Discord declares them, downloaded only when asked. */
function imageOf(attachment: Attachment): ImageRef {
  const declared = attachment.contentType ?? 'application/octet-stream'
  return {
    size: attachment.size,
    mime: declared,
    async fetch(signal?: AbortSignal) {
      const response = await fetch(attachment.url, signal ? { signal } : {})
      if (!response.ok) {
        throw new SurfaceError(
          `discord attachment download failed (${response.status})`,
          response.status >= 500,
        )
      }
      const mime = response.headers.get('content-type')?.split(';')[0] ?? declared
      return { mime, bytes: new Uint8Array(await response.arrayBuffer()) }
    },
  }
}
