/**
 * The world of the fake Discord: users, guilds, channels, messages, interactions and application
 * commands, with Discord's validation of message bodies and its mention rules. Pure data; the REST
 * routes (fake-discord-rest.ts) and the gateway (fake-discord-gateway.ts) read and change it.
 */

const DISCORD_EPOCH_MS = 1_420_070_400_000n

export const ChannelTypes = { guildText: 0, dm: 1, publicThread: 11 } as const
export const MessageFlags = { ephemeral: 64, loading: 128 } as const

export interface FakeUser {
  id: string
  username: string
  global_name: string | null
  discriminator: '0'
  avatar: null
  bot?: boolean
  /** The person's Discord language, sent as `locale` on their interactions (never in user objects). */
  locale?: string
}

export interface FakeRole {
  id: string
  name: string
}

export interface FakeMember {
  userId: string
  roles: string[]
  nick: string | null
}

export interface FakeGuild {
  id: string
  name: string
  ownerId: string
  roles: FakeRole[]
  members: Map<string, FakeMember>
}

export interface FakeChannel {
  id: string
  type: number
  name?: string
  guildId?: string
  parentId?: string
  ownerId?: string
  /** DM channels: the user on the other side. */
  recipient?: FakeUser
}

export interface FakeAttachment {
  id: string
  filename: string
  size: number
  url: string
  content_type?: string
  duration_secs?: number
}

/** Who a message would ping, after Discord applies `allowed_mentions`. */
export interface Pings {
  users: string[]
  roles: string[]
  everyone: boolean
  repliedUser: boolean
}

export interface FakeMessage {
  id: string
  channelId: string
  guildId?: string
  author: FakeUser
  content: string
  components: unknown[]
  attachments: FakeAttachment[]
  flags: number
  type: number
  reference?: { message_id: string; channel_id: string }
  webhookId?: string
  /** For interaction responses and follow-ups: the interaction they answer. */
  interaction?: { id: string; type: number; user: FakeUser }
  /** The `allowed_mentions` of the latest send or edit, as received (undefined when absent). */
  allowedMentions: unknown
  pings: Pings
  /** Every content the message has had, oldest first. */
  history: string[]
  createdAt: number
  editedAt?: number
  deleted: boolean
}

export interface FakeInteraction {
  id: string
  token: string
  /** 2 application command, 3 message component. */
  type: 2 | 3
  channelId: string
  guildId?: string
  user: FakeUser
  createdAt: number
  /** The callback type it was acknowledged with (4, 5, 6, 7). */
  ack?: number
  /** The message `@original` refers to. */
  originalId?: string
  followups: Set<string>
}

export interface FakeCommand {
  id: string
  application_id: string
  version: string
  guild_id?: string
  [field: string]: unknown
}

/** A Discord API error body, with the HTTP status it comes with. */
export interface ApiFailure {
  status: number
  body: { code: number; message: string; errors?: unknown }
}

export function apiFailure(status: number, code: number, message: string, errors?: unknown): ApiFailure {
  return { status, body: errors === undefined ? { code, message } : { code, message, errors } }
}

export const failures = {
  unknownChannel: () => apiFailure(404, 10003, 'Unknown Channel'),
  unknownMessage: () => apiFailure(404, 10008, 'Unknown Message'),
  unknownWebhook: () => apiFailure(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => apiFailure(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => apiFailure(400, 40060, 'Interaction has already been acknowledged.'),
  invalidWebhookToken: () => apiFailure(401, 50027, 'Invalid Webhook Token'),
  emptyMessage: () => apiFailure(400, 50006, 'Cannot send an empty message'),
  cannotEditOthers: () => apiFailure(403, 50005, 'Cannot edit a message authored by another user'),
  invalidForm: (field: string, code: string, message: string) =>
    apiFailure(400, 50035, 'Invalid Form Body', { [field]: { _errors: [{ code, message }] } }),
}

/**
 * Discord ids: the creation time (ms since 2015) above a per-millisecond increment. Ids only grow:
 * a clock standing still (a fake one) or going back moves the time part on by one when the increment
 * runs out, so every id is new.
 */
export class Snowflakes {
  #lastMs = -1n
  #increment = 0n
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  next(): string {
    const ms = this.#sinceEpoch()
    if (ms > this.#lastMs) {
      this.#lastMs = ms
      this.#increment = 0n
    } else if (++this.#increment > 0xfffn) {
      this.#lastMs++
      this.#increment = 0n
    }
    return ((this.#lastMs << 22n) | this.#increment).toString()
  }

  /** A new id of a guild that shard `shard` of `count` owns: `(id >> 22) % count === shard`. */
  onShard(shard: number, count: number): string {
    const now = this.#sinceEpoch()
    const ms = now - ((now - BigInt(shard)) % BigInt(count))
    this.#increment++
    return ((ms << 22n) | (this.#increment & 0xfffn)).toString()
  }

  #sinceEpoch(): bigint {
    const ms = BigInt(Math.floor(this.#now())) - DISCORD_EPOCH_MS
    if (ms < 0n) throw new Error('fake Discord: its clock reads before 2015 (Discord epoch): start it later')
    return ms
  }
}

/** The shard of `count` that receives a guild's events (Discord: `(guild_id >> 22) % count`). */
export function shardOf(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count))
}

export interface MessageLimits {
  contentChars: number
}

/** The fields of a message body Herald sends (create or edit), as JSON. */
export interface MessageBody {
  content?: unknown
  components?: unknown
  flags?: unknown
  allowed_mentions?: unknown
  message_reference?: unknown
  attachments?: unknown
  embeds?: unknown
}

/** Checks a create/edit body as Discord does; undefined when it is acceptable. */
export function validateMessageBody(body: MessageBody, limits: MessageLimits): ApiFailure | undefined {
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== 'string')
      return failures.invalidForm('content', 'STRING_TYPE_CONVERT', 'Not a string.')
    if ([...body.content].length > limits.contentChars) {
      return failures.invalidForm(
        'content',
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${limits.contentChars} or fewer in length.`,
      )
    }
  }
  if (body.components !== undefined) {
    const problem = validateComponents(body.components)
    if (problem) return failures.invalidForm('components', 'COMPONENT_INVALID', problem)
  }
  return undefined
}

function validateComponents(components: unknown): string | undefined {
  if (!Array.isArray(components)) return 'components must be an array'
  if (components.length > 5) return 'at most 5 action rows'
  for (const row of components as Array<{ type?: unknown; components?: unknown }>) {
    if (row.type !== 1 || !Array.isArray(row.components)) return 'a top-level component must be an action row'
    if (row.components.length < 1 || row.components.length > 5) return 'an action row holds 1 to 5 buttons'
    for (const button of row.components as Array<Record<string, unknown>>) {
      if (button.type !== 2) return 'only buttons are supported'
      if (
        typeof button.custom_id !== 'string' ||
        button.custom_id.length < 1 ||
        button.custom_id.length > 100
      ) {
        return 'custom_id must be 1-100 characters'
      }
      if (typeof button.label !== 'string' || button.label.length > 80)
        return 'label must be at most 80 characters'
      if (![1, 2, 3, 4].includes(button.style as number)) return 'invalid button style'
    }
  }
  return undefined
}

interface AllowedMentions {
  parse?: string[]
  users?: string[]
  roles?: string[]
  replied_user?: boolean
}

/**
 * Who the content pings. Without `allowed_mentions` everything mentioned pings (and a reply pings
 * the replied user); with it, only the kinds in `parse` and the listed ids do.
 */
export function computePings(content: string, allowed: unknown, repliedUserId: string | undefined): Pings {
  const mentionedUsers = [...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!)
  const mentionedRoles = [...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]!)
  const mentionsEveryone = /@(everyone|here)\b/.test(content)
  if (allowed === undefined || allowed === null) {
    return {
      users: unique(mentionedUsers),
      roles: unique(mentionedRoles),
      everyone: mentionsEveryone,
      repliedUser: repliedUserId !== undefined,
    }
  }
  const a = allowed as AllowedMentions
  const parse = a.parse ?? []
  return {
    users: unique(mentionedUsers.filter((id) => parse.includes('users') || (a.users ?? []).includes(id))),
    roles: unique(mentionedRoles.filter((id) => parse.includes('roles') || (a.roles ?? []).includes(id))),
    everyone: mentionsEveryone && parse.includes('everyone'),
    repliedUser: repliedUserId !== undefined && a.replied_user === true,
  }
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)]
}

export function userJson(user: FakeUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    global_name: user.global_name,
    discriminator: '0',
    avatar: null,
    bot: user.bot ?? false,
    public_flags: 0,
  }
}

export function channelJson(channel: FakeChannel): Record<string, unknown> {
  if (channel.type === ChannelTypes.dm) {
    return {
      id: channel.id,
      type: 1,
      last_message_id: null,
      recipients: channel.recipient ? [userJson(channel.recipient)] : [],
    }
  }
  const json: Record<string, unknown> = {
    id: channel.id,
    type: channel.type,
    name: channel.name ?? 'channel',
    guild_id: channel.guildId,
    position: 0,
    permission_overwrites: [],
    parent_id: channel.parentId ?? null,
    nsfw: false,
    rate_limit_per_user: 0,
    last_message_id: null,
  }
  if (channel.type === ChannelTypes.publicThread) {
    json.owner_id = channel.ownerId
    json.message_count = 0
    json.member_count = 1
    json.thread_metadata = {
      archived: false,
      auto_archive_duration: 1440,
      // Not archived yet: the time of its last change, its creation (which its id carries).
      archive_timestamp: new Date(Number((BigInt(channel.id) >> 22n) + DISCORD_EPOCH_MS)).toISOString(),
      locked: false,
    }
  } else json.topic = null
  return json
}

export function memberJson(member: FakeMember, user?: FakeUser): Record<string, unknown> {
  return {
    ...(user ? { user: userJson(user) } : {}),
    roles: member.roles,
    nick: member.nick,
    avatar: null,
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
  }
}

export function messageJson(
  message: FakeMessage,
  userById: (id: string) => FakeUser | undefined,
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: message.id,
    channel_id: message.channelId,
    author: userJson(message.author),
    content: message.content,
    timestamp: new Date(message.createdAt).toISOString(),
    edited_timestamp: message.editedAt === undefined ? null : new Date(message.editedAt).toISOString(),
    tts: false,
    mention_everyone: message.pings.everyone,
    mentions: message.pings.users.flatMap((id) => {
      const user = userById(id)
      return user ? [userJson(user)] : []
    }),
    mention_roles: message.pings.roles,
    attachments: message.attachments,
    embeds: [],
    pinned: false,
    type: message.type,
    flags: message.flags,
    components: message.components,
  }
  if (message.guildId) json.guild_id = message.guildId
  if (message.webhookId) json.webhook_id = message.webhookId
  if (message.interaction) {
    json.interaction_metadata = {
      id: message.interaction.id,
      type: message.interaction.type,
      user: userJson(message.interaction.user),
      authorizing_integration_owners: message.guildId
        ? { '0': message.guildId }
        : { '1': message.interaction.user.id },
    }
  }
  if (message.reference) json.message_reference = { type: 0, ...message.reference }
  return json
}
