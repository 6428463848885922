import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  type Client,
  type MessageCreateOptions,
  type MessageEditOptions,
  type MessageMentionOptions,
  type SendableChannels,
} from 'discord.js'
import { SurfaceError } from '../../core/contracts/errors.ts'
import type { Button, MessageRef, Pace, Picture, Rendered, Surface } from '../../core/contracts/surface.ts'
import {
  discordLimits as engineDiscordLimits,
  discordPace as platformDiscordPace,
} from '../../core/live/platform-defaults.ts'
import { toSurfaceError } from './discord-errors.ts'

/**
 * Discord's side of the live-message engine: limits, pace, the message payload (content, buttons,
 * no pings) and the channel surface, which sends ordinary channel messages (mentions, DMs, threads,
 * `surfaceFor`, and interaction answers once their token is spent). The interaction surface is in
 * discord-interaction-surface.ts.
 *
 * @example
 *   const surface = new DiscordChannelSurface(client, message.channelId, message.id)
 *   const ref = await surface.send({ text: 'Thinking…', format: 'discord-markdown' })
 */
export const discordLimits = {
  messageChars: engineDiscordLimits.messageLimit,
  threadNameChars: 100,
  buttonsPerRow: 5,
  buttonRows: 5,
  buttonLabelChars: 80,
} as const

/**
 * Discord allows about 5 sends/edits per 5 s per channel, that is one per 1000 ms on average; the
 * engine's 1100 ms (platform-defaults.ts) keeps 10% below it so network jitter does not push a burst
 * over the bucket.
 */
export const discordPace: Pace = platformDiscordPace()

/** Nothing Herald sends pings anyone: no @everyone/@here, roles, users, or the replied-to author. */
export const noPings = { parse: [], repliedUser: false } as const satisfies MessageMentionOptions

export function chatKeyOf(channelId: string): string {
  return `discord:${channelId}`
}

export interface MessageOptions {
  content: string
  allowedMentions: MessageMentionOptions
  components?: ActionRowBuilder<ButtonBuilder>[]
}

/** A rendered answer as discord.js message options; `buttons: []` removes the buttons, undefined keeps them. */
export function toMessageOptions(content: Rendered): MessageOptions {
  const options: MessageOptions = { content: content.text, allowedMentions: noPings }
  if (content.buttons !== undefined) options.components = buttonRows(content.buttons)
  return options
}

const STYLES: Record<NonNullable<Button['style']>, ButtonStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
}

function buttonRows(buttons: readonly Button[]): ActionRowBuilder<ButtonBuilder>[] {
  const rows: ActionRowBuilder<ButtonBuilder>[] = []
  const usable = buttons.slice(0, discordLimits.buttonsPerRow * discordLimits.buttonRows)
  for (let i = 0; i < usable.length; i += discordLimits.buttonsPerRow) {
    const row = usable.slice(i, i + discordLimits.buttonsPerRow).map((button) =>
      new ButtonBuilder()
        .setCustomId(button.data)
        .setLabel(button.label.slice(0, discordLimits.buttonLabelChars))
        .setStyle(STYLES[button.style ?? 'secondary']),
    )
    rows.push(new ActionRowBuilder<ButtonBuilder>().addComponents(row))
  }
  return rows
}

export interface FileOptions {
  content?: string
  files: AttachmentBuilder[]
  allowedMentions: MessageMentionOptions
}

/** The name a spoken answer is attached under. */
export const VOICE_FILE_NAME = 'answer.ogg'

export function fileOptions(name: string, bytes: Uint8Array, caption: string | undefined): FileOptions {
  const options: FileOptions = {
    files: [new AttachmentBuilder(Buffer.from(bytes), { name })],
    allowedMentions: noPings,
  }
  if (caption !== undefined && caption !== '') options.content = caption
  return options
}

export interface PictureOptions {
  content: string
  files: AttachmentBuilder[]
  /** Empty: the attachments the message had are dropped, so the new picture replaces the old. */
  attachments: []
  allowedMentions: MessageMentionOptions
}

/** A picture as a message's only attachment, its caption as the content (clipped to the limit). */
export function pictureOptions(picture: Picture): PictureOptions {
  return {
    content: (picture.caption ?? '').slice(0, discordLimits.messageChars),
    files: [new AttachmentBuilder(Buffer.from(picture.bytes), { name: picture.name })],
    attachments: [],
    allowedMentions: noPings,
  }
}

/** A channel Herald can send to, from the cache (a DM channel may be partial) or fetched by id. */
export async function sendableChannel(client: Client, channelId: string): Promise<SendableChannels> {
  const channel = client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId))
  if (!channel?.isSendable())
    throw new SurfaceError(`discord channel ${channelId} does not take messages`, false)
  return channel
}

/** What every Discord surface is: a channel's lane, Discord's message limit and pace, its Markdown. */
export abstract class DiscordSurface {
  readonly chatKey: string
  readonly limit = discordLimits.messageChars
  readonly pace = discordPace
  readonly format = 'discord-markdown' as const

  constructor(channelId: string) {
    this.chatKey = chatKeyOf(channelId)
  }
}

/** Ordinary channel messages. The first message replies to `replyTo` (the user's message) when given. */
export class DiscordChannelSurface extends DiscordSurface implements Surface {
  readonly #client: Client
  readonly #channelId: string
  #replyTo: string | undefined

  constructor(client: Client, channelId: string, replyTo?: string) {
    super(channelId)
    this.#client = client
    this.#channelId = channelId
    this.#replyTo = replyTo
  }

  send(content: Rendered): Promise<MessageRef> {
    return this.#sendReply(toMessageOptions(content))
  }

  async edit(ref: MessageRef, content: Rendered): Promise<void> {
    await this.#in(ref.chatId, (channel) => {
      const options: MessageEditOptions = toMessageOptions(content)
      return channel.messages.edit(ref.id, options)
    })
  }

  sendFile(name: string, bytes: Uint8Array, caption?: string): Promise<MessageRef> {
    return this.#in(this.#channelId, async (channel) =>
      refOf(await channel.send(fileOptions(name, bytes, caption))),
    )
  }

  sendPicture(picture: Picture): Promise<MessageRef> {
    const { attachments: _, ...options } = pictureOptions(picture)
    return this.#sendReply(options)
  }

  /** Speech as an Ogg/Opus attachment, which Discord shows with a player; a reply to the question. */
  sendVoice(bytes: Uint8Array, caption?: string): Promise<MessageRef> {
    return this.#sendReply(fileOptions(VOICE_FILE_NAME, bytes, caption))
  }

  /** Sends in the channel; the first message of the answer replies to the question. */
  #sendReply(options: MessageCreateOptions): Promise<MessageRef> {
    return this.#in(this.#channelId, async (channel) => {
      const message = await channel.send(
        this.#replyTo === undefined
          ? options
          : { ...options, reply: { messageReference: this.#replyTo, failIfNotExists: false } },
      )
      this.#replyTo = undefined
      return refOf(message)
    })
  }

  async editPicture(ref: MessageRef, picture: Picture): Promise<void> {
    await this.#in(ref.chatId, (channel) => channel.messages.edit(ref.id, pictureOptions(picture)))
  }

  typing(): Promise<void> {
    return this.#in(this.#channelId, (channel) => channel.sendTyping())
  }

  /** Every call goes to a channel looked up by id, and every failure leaves as a surface error. */
  async #in<T>(channelId: string, call: (channel: SendableChannels) => Promise<T>): Promise<T> {
    try {
      return await call(await sendableChannel(this.#client, channelId))
    } catch (err) {
      throw toSurfaceError(err)
    }
  }
}

/** The ref of a message discord.js returns. */
export function refOf(message: { id: string; channelId: string }): MessageRef {
  return { id: message.id, chatId: message.channelId }
}
