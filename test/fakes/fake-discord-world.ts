import { type Clock, systemClock } from '../../src/core/contracts/clock.ts'
import {
  type ApiFailure,
  ChannelTypes,
  computePings,
  type FakeAttachment,
  type FakeChannel,
  type FakeCommand,
  type FakeGuild,
  type FakeInteraction,
  type FakeMessage,
  type FakeUser,
  failures,
  type MessageBody,
  MessageFlags,
  type MessageLimits,
  Snowflakes,
  validateMessageBody,
} from './fake-discord-state.ts'

/**
 * The mutable world of the fake Discord, and the operations both the REST routes and the test
 * helpers perform on it. Every change that Discord would announce on the gateway is passed to
 * `dispatch` (set by the gateway).
 */
export interface Dispatch {
  t: string
  d: Record<string, unknown>
  /** Guild events go to sessions with the guild intent; DM events to those with the DM intent. */
  guildId?: string
  /** MESSAGE_CREATE/UPDATE: the message, so the gateway can apply the MessageContent rules. */
  message?: FakeMessage
  /** MESSAGE_CREATE of a reply: the message it replies to (sent as `referenced_message`). */
  referenced?: FakeMessage
}

export interface UploadedFile {
  name: string
  type: string
  bytes: Uint8Array
  /** A voice message's length, which Discord announces as `duration_secs`. */
  durationSecs?: number
}

export interface MessageExtras {
  webhookId?: string
  interaction?: { id: string; type: number; user: FakeUser }
  flags?: number
  files?: UploadedFile[]
  /** The deferred "is thinking…" placeholder may be created empty. */
  allowEmpty?: boolean
}

export class FakeWorld {
  readonly ids: Snowflakes
  readonly users = new Map<string, FakeUser>()
  readonly guilds = new Map<string, FakeGuild>()
  readonly channels = new Map<string, FakeChannel>()
  readonly messages = new Map<string, FakeMessage>()
  readonly interactions = new Map<string, FakeInteraction>()
  /** Attachment bytes by URL path (`/attachments/<channel>/<id>/<name>`). */
  readonly files = new Map<string, { bytes: Uint8Array; type: string }>()
  readonly globalCommands: FakeCommand[] = []
  readonly guildCommands = new Map<string, FakeCommand[]>()
  readonly bot: FakeUser
  readonly applicationId: string
  readonly limits: MessageLimits
  /** Origin of the fake's HTTP server, set once it listens. */
  baseUrl = ''
  dispatch: (event: Dispatch) => void = () => {}
  /** Discord's time: ids, message and interaction times, token lives and rate-limit windows. */
  readonly clock: Clock

  constructor(options: { botName: string; limits: MessageLimits; clock?: Clock }) {
    this.limits = options.limits
    this.clock = options.clock ?? systemClock
    this.ids = new Snowflakes(() => this.clock.now())
    this.bot = {
      id: this.ids.next(),
      username: options.botName,
      global_name: null,
      discriminator: '0',
      avatar: null,
      bot: true,
    }
    this.users.set(this.bot.id, this.bot)
    this.applicationId = this.bot.id
  }

  addUser(username: string, options: { bot?: boolean; locale?: string } = {}): FakeUser {
    const user: FakeUser = {
      id: this.ids.next(),
      username,
      global_name: username,
      discriminator: '0',
      avatar: null,
    }
    if (options.bot) user.bot = true
    if (options.locale) user.locale = options.locale
    this.users.set(user.id, user)
    return user
  }

  dmChannel(user: FakeUser): FakeChannel {
    for (const channel of this.channels.values()) {
      if (channel.type === ChannelTypes.dm && channel.recipient?.id === user.id) return channel
    }
    const channel: FakeChannel = { id: this.ids.next(), type: ChannelTypes.dm, recipient: user }
    this.channels.set(channel.id, channel)
    return channel
  }

  createMessage(
    channel: FakeChannel,
    author: FakeUser,
    body: MessageBody,
    extras: MessageExtras = {},
  ): FakeMessage | ApiFailure {
    const invalid = validateMessageBody(body, this.limits)
    if (invalid) return invalid
    const reference = this.#reference(channel, body.message_reference)
    if (reference && 'status' in reference) return reference
    const message: FakeMessage = {
      id: this.ids.next(),
      channelId: channel.id,
      author,
      content: typeof body.content === 'string' ? body.content : '',
      components: Array.isArray(body.components) ? body.components : [],
      attachments: [],
      flags: (extras.flags ?? 0) | (typeof body.flags === 'number' ? body.flags & MessageFlags.ephemeral : 0),
      type: reference ? 19 : 0,
      allowedMentions: body.allowed_mentions,
      pings: { users: [], roles: [], everyone: false, repliedUser: false },
      history: [],
      createdAt: this.clock.now(),
      deleted: false,
    }
    const guildId = this.guildOf(channel)
    if (guildId) message.guildId = guildId
    if (reference) message.reference = { message_id: reference.id, channel_id: channel.id }
    if (extras.webhookId) message.webhookId = extras.webhookId
    if (extras.interaction) message.interaction = extras.interaction
    message.attachments = this.#store(channel.id, extras.files ?? [])
    if (!extras.allowEmpty && isEmpty(message)) return failures.emptyMessage()
    message.pings = computePings(message.content, body.allowed_mentions, reference?.author.id)
    message.history.push(message.content)
    this.messages.set(message.id, message)
    if (!(message.flags & MessageFlags.ephemeral)) this.#announce('MESSAGE_CREATE', message, reference)
    return message
  }

  editMessage(message: FakeMessage, body: MessageBody, files: UploadedFile[] = []): FakeMessage | ApiFailure {
    const invalid = validateMessageBody(body, this.limits)
    if (invalid) return invalid
    const next: FakeMessage = { ...message, history: [...message.history] }
    if (body.content !== undefined) next.content = typeof body.content === 'string' ? body.content : ''
    if (body.components !== undefined) next.components = Array.isArray(body.components) ? body.components : []
    if (Array.isArray(body.attachments)) {
      const keep = new Set((body.attachments as Array<{ id?: unknown }>).map((a) => String(a.id)))
      next.attachments = next.attachments.filter((a) => keep.has(a.id))
    }
    next.attachments = [...next.attachments, ...this.#store(message.channelId, files)]
    next.flags &= ~MessageFlags.loading
    if (isEmpty(next)) return failures.emptyMessage()
    next.allowedMentions = body.allowed_mentions
    const replied = next.reference ? this.messages.get(next.reference.message_id)?.author.id : undefined
    next.pings = computePings(next.content, body.allowed_mentions, replied)
    next.editedAt = this.clock.now()
    next.history.push(next.content)
    Object.assign(message, next)
    if (!(message.flags & MessageFlags.ephemeral)) this.#announce('MESSAGE_UPDATE', message)
    return message
  }

  deleteMessage(message: FakeMessage): void {
    message.deleted = true
    const d: Record<string, unknown> = { id: message.id, channel_id: message.channelId }
    if (message.guildId) d.guild_id = message.guildId
    if (!(message.flags & MessageFlags.ephemeral))
      this.dispatch(withGuild({ t: 'MESSAGE_DELETE', d }, message.guildId))
  }

  /** A public thread in `parent`, started from `startMessage` (then it has the message's id) or standalone. */
  createThread(parent: FakeChannel, name: string, owner: FakeUser, startMessage?: FakeMessage): FakeChannel {
    const thread: FakeChannel = {
      id: startMessage ? startMessage.id : this.ids.next(),
      type: ChannelTypes.publicThread,
      name,
      parentId: parent.id,
      ownerId: owner.id,
    }
    if (parent.guildId) thread.guildId = parent.guildId
    this.channels.set(thread.id, thread)
    return thread
  }

  guildOf(channel: FakeChannel): string | undefined {
    return channel.guildId
  }

  liveMessage(id: string): FakeMessage | undefined {
    const message = this.messages.get(id)
    return message && !message.deleted ? message : undefined
  }

  #reference(channel: FakeChannel, raw: unknown): FakeMessage | ApiFailure | undefined {
    if (raw === undefined || raw === null) return undefined
    const ref = raw as { message_id?: unknown; fail_if_not_exists?: unknown }
    const target = typeof ref.message_id === 'string' ? this.liveMessage(ref.message_id) : undefined
    if (target && target.channelId === channel.id) return target
    if (ref.fail_if_not_exists === false) return undefined
    return failures.invalidForm('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message')
  }

  /** Files uploaded outside a message (a slash command's attachment option), served like the others. */
  upload(channelId: string, files: UploadedFile[]): FakeAttachment[] {
    return this.#store(channelId, files)
  }

  #store(channelId: string, files: UploadedFile[]): FakeAttachment[] {
    return files.map((file) => {
      const id = this.ids.next()
      const path = `/attachments/${channelId}/${id}/${encodeURIComponent(file.name)}`
      this.files.set(path, { bytes: file.bytes, type: file.type })
      return {
        id,
        filename: file.name,
        size: file.bytes.length,
        url: this.baseUrl + path,
        content_type: file.type,
        ...(file.durationSecs !== undefined ? { duration_secs: file.durationSecs } : {}),
      }
    })
  }

  #announce(t: string, message: FakeMessage, referenced?: FakeMessage): void {
    this.dispatch(withGuild({ t, d: {}, message, ...(referenced ? { referenced } : {}) }, message.guildId))
  }
}

function withGuild(event: Dispatch, guildId: string | undefined): Dispatch {
  return guildId ? { ...event, guildId } : event
}

function isEmpty(message: FakeMessage): boolean {
  return message.content.trim() === '' && message.components.length === 0 && message.attachments.length === 0
}
