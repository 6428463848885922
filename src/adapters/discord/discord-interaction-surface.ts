import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  MessageFlags,
} from 'discord.js'
import type { Clock } from '../../core/contracts/clock.ts'
import { Gone } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'
import type { MessageRef, Picture, Rendered, Surface } from '../../core/contracts/surface.ts'
import { isTokenGone, toSurfaceError, withRateLimitRetry } from './discord-errors.ts'
import {
  DiscordChannelSurface,
  DiscordSurface,
  fileOptions,
  type MessageOptions,
  noPings,
  type PictureOptions,
  pictureOptions,
  refOf,
  toMessageOptions,
  VOICE_FILE_NAME,
} from './discord-surface.ts'

/** What an interaction message is made of: text and buttons, or a picture and its caption. */
type MessagePayloadOptions = MessageOptions | Omit<PictureOptions, 'attachments'> | PictureOptions

/**
 * Answers to one interaction (a slash command or a button press). A command is deferred at once
 * ("Herald is thinking…"); the first send fills that deferred reply, further sends are follow-ups.
 * A button press is acknowledged with deferUpdate, so `@original` is the pressed message.
 *
 * The interaction token lives 15 minutes. From `handoverAfterMs` after the event (default 14 min), or
 * as soon as Discord refuses the token (50027, 10015), interaction messages move to ordinary channel
 * messages: the next edit of an interaction message posts its content as a new channel message, later
 * edits of the old ref go to the new message (the engine keeps its ref), and the old message is
 * replaced by one line saying where the answer continues (while the token still allows that edit:
 * with the handover a minute before expiry it does). An ephemeral message cannot move and is Gone.
 */
export type RepliableInteraction = ChatInputCommandInteraction | ButtonInteraction

export interface InteractionRepliesOptions {
  client: Client
  interaction: RepliableInteraction
  clock: Clock
  log: Logger
  /** Stop using the token this long after the event (Discord's token lives 15 min). */
  handoverAfterMs: number
  /** The line left in an interaction message whose content moved to a channel message. */
  handoverNotice: string
  /** Told when an interaction message's content moves to a new channel message. */
  onMoved?: (from: string, to: MessageRef) => void
}

interface OwnedMessage {
  /** How the interaction webhook names it: `@original` or the message id. */
  hook: string
  ephemeral: boolean
}

export class InteractionReplies {
  readonly receivedAt: number
  /** Ordinary channel messages, for the answer once the token is spent. */
  readonly channel: DiscordChannelSurface
  readonly #o: InteractionRepliesOptions
  readonly #owned = new Map<string, OwnedMessage>()
  readonly #moved = new Map<string, MessageRef>()
  #placeholder = false
  #spent = false

  constructor(options: InteractionRepliesOptions) {
    this.#o = options
    this.receivedAt = options.clock.now()
    this.channel = new DiscordChannelSurface(options.client, options.interaction.channelId as string)
  }

  get interaction(): RepliableInteraction {
    return this.#o.interaction
  }

  /** The deferred "thinking…" reply of a command, not yet filled. */
  get placeholderOpen(): boolean {
    return this.#placeholder
  }

  tokenUsable(): boolean {
    return !this.#spent && this.#o.clock.now() - this.receivedAt < this.#o.handoverAfterMs
  }

  /** Commands: deferReply; buttons: deferUpdate. Call at once: Discord allows 3 s. */
  async acknowledge(): Promise<void> {
    const interaction = this.#o.interaction
    if (interaction.isChatInputCommand()) {
      await withRateLimitRetry(() => interaction.deferReply(), this.#o.clock)
      this.#placeholder = true
      return
    }
    await withRateLimitRetry(() => interaction.deferUpdate(), this.#o.clock)
    this.#owned.set(interaction.message.id, {
      hook: '@original',
      ephemeral: interaction.message.flags.has(MessageFlags.Ephemeral),
    })
  }

  /** A new message: fills the deferred reply first, then follow-ups, then channel messages. */
  post(content: Rendered, ephemeral = false): Promise<MessageRef> {
    return this.#post(toMessageOptions(content), ephemeral, () => this.channel.send(content))
  }

  update(ref: MessageRef, content: Rendered): Promise<void> {
    return this.#update(ref, toMessageOptions(content), {
      edit: (to) => this.channel.edit(to, content),
      send: () => this.channel.send(content),
    })
  }

  /** A picture message, placed like `post` places text. */
  postPicture(picture: Picture): Promise<MessageRef> {
    const { attachments: _, ...options } = pictureOptions(picture)
    return this.#post(options, false, () => this.channel.sendPicture(picture))
  }

  /** Replaces the picture of a message `postPicture` sent (the old attachment is dropped). */
  updatePicture(ref: MessageRef, picture: Picture): Promise<void> {
    return this.#update(ref, pictureOptions(picture), {
      edit: (to) => this.channel.editPicture(to, picture),
      send: () => this.channel.sendPicture(picture),
    })
  }

  async #post(
    options: MessagePayloadOptions,
    ephemeral: boolean,
    inChannel: () => Promise<MessageRef>,
  ): Promise<MessageRef> {
    const sent = await this.#withToken(async () => {
      if (!ephemeral && this.#placeholder) {
        // Claimed before the call, so a notice and the answer never both fill the deferred reply.
        this.#placeholder = false
        const message = await this.#o.interaction.editReply(options).catch((err: unknown) => {
          this.#placeholder = true
          throw err
        })
        return this.#own(message, '@original', false)
      }
      const message = await this.#o.interaction.followUp(
        ephemeral ? { ...options, flags: MessageFlags.Ephemeral } : options,
      )
      return this.#own(message, message.id, ephemeral)
    })
    if (sent) return sent.value
    const posted = await inChannel()
    if (this.#placeholder) {
      this.#placeholder = false
      await this.#leaveNotice('@original')
    }
    return posted
  }

  async #update(
    ref: MessageRef,
    options: MessagePayloadOptions,
    inChannel: { edit(to: MessageRef): Promise<void>; send(): Promise<MessageRef> },
  ): Promise<void> {
    const moved = this.#moved.get(ref.id)
    if (moved) return inChannel.edit(moved)
    const owned = this.#owned.get(ref.id)
    if (!owned) return inChannel.edit(ref)
    const edited = await this.#withToken(() =>
      this.#o.interaction.editReply({ ...options, message: owned.hook }),
    )
    if (edited) return
    if (owned.ephemeral)
      throw new Gone('an ephemeral interaction message cannot be edited after its token expired')
    const fresh = await inChannel.send()
    this.#moved.set(ref.id, fresh)
    this.#o.onMoved?.(ref.id, fresh)
    this.#o.log.info(
      { from: ref.id, to: fresh.id, chat: this.channel.chatKey },
      'interaction answer moved to a channel message',
    )
    await this.#leaveNotice(owned.hook)
  }

  async postFile(name: string, bytes: Uint8Array, caption?: string): Promise<MessageRef> {
    const sent = await this.#withToken(async () => {
      const message = await this.#o.interaction.followUp(fileOptions(name, bytes, caption))
      return this.#own(message, message.id, false)
    })
    return sent ? sent.value : this.channel.sendFile(name, bytes, caption)
  }

  /** While the deferred reply shows "thinking…", typing is already visible: no call then. */
  async typing(): Promise<void> {
    if (this.#placeholder) return
    await this.channel.typing()
  }

  /** Removes a deferred reply nothing was written into (the command answered only privately, or not at all). */
  async closePlaceholder(): Promise<void> {
    if (!this.#placeholder || !this.tokenUsable()) return
    this.#placeholder = false
    try {
      await withRateLimitRetry(() => this.#o.interaction.deleteReply(), this.#o.clock)
    } catch (err) {
      this.#o.log.warn({ err: toSurfaceError(err).message }, 'could not remove the deferred reply')
    }
  }

  /**
   * A call through the interaction token while it is usable. Once Discord refuses the token, the
   * token is spent and the result is undefined: the caller goes on in the channel instead.
   */
  async #withToken<T>(call: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (!this.tokenUsable()) return undefined
    try {
      return { value: await call() }
    } catch (err) {
      if (!isTokenGone(err)) throw toSurfaceError(err)
      this.#spend(err)
      return undefined
    }
  }

  /** Remembers a message sent through the token, so later edits know how the webhook names it. */
  #own(message: { id: string; channelId: string }, hook: string, ephemeral: boolean): MessageRef {
    this.#owned.set(message.id, { hook, ephemeral })
    return refOf(message)
  }

  #spend(err: unknown): void {
    this.#spent = true
    this.#o.log.info(
      { chat: this.channel.chatKey, reason: toSurfaceError(err).message },
      'interaction token spent',
    )
  }

  /** Best effort: the token may already be gone, and then the old message simply stays as it was. */
  async #leaveNotice(hook: string): Promise<void> {
    // Discord refused the token already: another call would only be one more invalid request.
    if (this.#spent) return
    try {
      await this.#o.interaction.editReply({
        message: hook,
        content: this.#o.handoverNotice,
        components: [],
        allowedMentions: noPings,
      })
    } catch (err) {
      this.#o.log.info({ err: toSurfaceError(err).message }, 'could not leave the continued-below line')
    }
  }
}

/** The Surface of an interaction's answer: a thin face over InteractionReplies. */
export class DiscordInteractionSurface extends DiscordSurface implements Surface {
  readonly #replies: InteractionReplies

  constructor(replies: InteractionReplies) {
    super(replies.interaction.channelId as string)
    this.#replies = replies
  }

  send(content: Rendered): Promise<MessageRef> {
    return this.#replies.post(content)
  }

  edit(ref: MessageRef, content: Rendered): Promise<void> {
    return this.#replies.update(ref, content)
  }

  sendFile(name: string, bytes: Uint8Array, caption?: string): Promise<MessageRef> {
    return this.#replies.postFile(name, bytes, caption)
  }

  sendPicture(picture: Picture): Promise<MessageRef> {
    return this.#replies.postPicture(picture)
  }

  editPicture(ref: MessageRef, picture: Picture): Promise<void> {
    return this.#replies.updatePicture(ref, picture)
  }

  sendVoice(bytes: Uint8Array, caption?: string): Promise<MessageRef> {
    return this.#replies.postFile(VOICE_FILE_NAME, bytes, caption)
  }

  typing(): Promise<void> {
    return this.#replies.typing()
  }
}
