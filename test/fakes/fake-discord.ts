import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Clock } from '../../src/core/contracts/clock.ts'
import { FakeGateway } from './fake-discord-gateway.ts'
import type { BucketOptions } from './fake-discord-http.ts'
import { FakeDiscordRest, type RecordedRequest } from './fake-discord-rest.ts'
import {
  ChannelTypes,
  channelJson,
  type FakeAttachment,
  type FakeChannel,
  type FakeCommand,
  type FakeGuild,
  type FakeInteraction,
  type FakeMessage,
  type FakeRole,
  type FakeUser,
  memberJson,
  messageJson,
  userJson,
} from './fake-discord-state.ts'
import { FakeWorld } from './fake-discord-world.ts'

export type { RecordedRequest } from './fake-discord-rest.ts'
export type { FakeChannel, FakeInteraction, FakeMessage, FakeUser } from './fake-discord-state.ts'

/**
 * A fake Discord on 127.0.0.1 (port 0): REST under `/api/v10` and a WebSocket gateway, enough for the
 * real discord.js client. One guild ("Herald Test") with a #general channel, an "Admins" role, and
 * users alice (admin role) and bob. Tests drive it with `slash`, `userMessage`, `pressButton`,
 * `deleteMessage`, `reconnect`, and read what the bot did from `requests` and `messages`.
 *
 * @example
 *   const fake = await startFakeDiscord({ interactionTokenLifeMs: 2000 })
 *   const client = new Client({ intents, rest: { api: fake.apiRoot } })
 *   await client.login(fake.token)
 *   fake.slash({ name: 'ask', options: { prompt: 'hi' } })
 *   await fake.waitFor(() => fake.requests.find((r) => r.route.endsWith('/callback')))
 */
export interface FakeDiscordOptions {
  token?: string
  botName?: string
  /** Gateway heartbeat interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number
  /** Time to acknowledge an interaction (Discord: 3000 ms). */
  interactionDeadlineMs?: number
  /** Life of an interaction token (Discord: 15 min). */
  interactionTokenLifeMs?: number
  /** Message sends and edits per channel (Discord: about 5 per 5 s). */
  messageBucket?: BucketOptions
  /** Characters per message (Discord: 2000). */
  contentChars?: number
  messageContentAllowed?: boolean
  /** Shards `GET /gateway/bot` recommends (default 1). */
  shards?: number
  /** Shards that may identify at once (`session_start_limit.max_concurrency`, default 1). */
  maxConcurrency?: number
  /**
   * Discord's time: interaction deadlines and token lives, rate-limit windows, ids and message times.
   * Default the real clock; a fake one (reading a time after 2015, as ids carry it) makes them exact.
   * The gateway's heartbeats stay on real timers, as discord.js's do.
   */
  clock?: Clock
}

/** A file given to an attachment option (type 11). */
export interface SlashAttachment {
  filename: string
  contentType: string
  bytes: Uint8Array
  /** A voice message: its length in seconds. */
  durationSecs?: number
}

export interface SlashOptions {
  name: string
  /** Attachments go out as Discord sends them: the id as the value, the file in `data.resolved`. */
  options?: Record<string, string | boolean | SlashAttachment>
  user?: FakeUser
  channel?: FakeChannel
}

export interface UserMessageOptions {
  content: string
  author?: FakeUser
  channel?: FakeChannel
  replyTo?: FakeMessage
  attachments?: SlashAttachment[]
}

export interface FakeDiscord {
  /** For `new Client({ rest: { api } })`: no version, the client appends `/v10`. */
  readonly apiRoot: string
  readonly token: string
  readonly world: FakeWorld
  readonly bot: FakeUser
  readonly applicationId: string
  readonly guild: FakeGuild
  readonly general: FakeChannel
  readonly adminRole: FakeRole
  readonly alice: FakeUser
  readonly bob: FakeUser
  readonly requests: RecordedRequest[]
  /** Paths of attachment downloads (`/attachments/<channel>/<id>/<name>`), in order. */
  readonly downloads: string[]
  readonly gateway: FakeGateway
  /** `locale`: the person's Discord language (default `en-US`), sent on their interactions. */
  addUser(name: string, options?: { roles?: string[]; bot?: boolean; locale?: string }): FakeUser
  addChannel(name: string): FakeChannel
  /**
   * Another guild with a #general channel and the first guild's members (without their roles); with `onShard`
   * (`[shard, count]`), its id puts it on that shard.
   */
  addGuild(name: string, onShard?: [shard: number, count: number]): { guild: FakeGuild; general: FakeChannel }
  dmChannel(user: FakeUser): FakeChannel
  slash(options: SlashOptions): FakeInteraction
  pressButton(options: { message: FakeMessage; customId: string; user?: FakeUser }): FakeInteraction
  userMessage(options: UserMessageOptions): FakeMessage
  deleteMessage(message: FakeMessage): void
  /** Visible messages of a channel, oldest first (ephemeral ones only with `ephemeral: true`). */
  messages(channel: FakeChannel, options?: { ephemeral?: boolean }): FakeMessage[]
  message(id: string): FakeMessage | undefined
  commands(guildId?: string): FakeCommand[]
  rateLimitNext(options: { retryAfterMs: number; channelId?: string; global?: boolean }): void
  /** The next request matching `route` (a pattern such as `/channels/:channel/messages`) fails. */
  failNext(options: { status: number; code?: number; message?: string; route?: string; times?: number }): void
  /** Resolves with the first truthy value of `probe`, re-checked as requests and events happen. */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>
  /** Sends op 7 RECONNECT to every connected session. */
  reconnect(): void
  close(): Promise<void>
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const token = options.token ?? 'fake-discord-bot-token.0123456789'
  const world = new FakeWorld({
    botName: options.botName ?? 'Herald',
    limits: { contentChars: options.contentChars ?? 2000 },
    ...(options.clock ? { clock: options.clock } : {}),
  })
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const waiter of [...waiters]) waiter()
  }
  const rest = new FakeDiscordRest(
    world,
    {
      token,
      interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
      interactionTokenLifeMs: options.interactionTokenLifeMs ?? 15 * 60_000,
      messageBucket: options.messageBucket ?? { limit: 5, windowMs: 5000 },
      shards: options.shards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 1,
    },
    notify,
  )
  const gateway = new FakeGateway(
    world,
    {
      token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      messageContentAllowed: options.messageContentAllowed ?? true,
    },
    notify,
  )
  world.dispatch = (event) => gateway.dispatch(event)

  const guild: FakeGuild = {
    id: world.ids.next(),
    name: 'Herald Test',
    ownerId: '',
    roles: [],
    members: new Map(),
  }
  const adminRole: FakeRole = { id: world.ids.next(), name: 'Admins' }
  guild.roles.push(adminRole)
  world.guilds.set(guild.id, guild)
  const join = (user: FakeUser, roles: string[] = []) =>
    guild.members.set(user.id, { userId: user.id, roles, nick: null })
  join(world.bot)
  const addChannel = (name: string): FakeChannel => {
    const channel: FakeChannel = {
      id: world.ids.next(),
      type: ChannelTypes.guildText,
      name,
      guildId: guild.id,
    }
    world.channels.set(channel.id, channel)
    // As Discord does, connected clients learn of the new channel (none are connected yet for #general).
    world.dispatch({ t: 'CHANNEL_CREATE', d: channelJson(channel) })
    return channel
  }
  const general = addChannel('general')
  const addUser = (name: string, opts: { roles?: string[]; bot?: boolean; locale?: string } = {}) => {
    const user = world.addUser(name, {
      ...(opts.bot ? { bot: true } : {}),
      ...(opts.locale ? { locale: opts.locale } : {}),
    })
    join(user, opts.roles ?? [])
    return user
  }
  const alice = addUser('alice', { roles: [adminRole.id] })
  const bob = addUser('bob')
  guild.ownerId = alice.id

  const addGuild = (name: string, onShard?: [number, number]) => {
    const other: FakeGuild = {
      id: onShard ? world.ids.onShard(...onShard) : world.ids.next(),
      name,
      ownerId: alice.id,
      roles: [],
      members: new Map(),
    }
    for (const member of guild.members.values()) other.members.set(member.userId, { ...member, roles: [] })
    world.guilds.set(other.id, other)
    const channel: FakeChannel = {
      id: world.ids.next(),
      type: ChannelTypes.guildText,
      name: 'general',
      guildId: other.id,
    }
    world.channels.set(channel.id, channel)
    return { guild: other, general: channel }
  }

  const server = createServer((req, res) => {
    rest.handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ message: String(error), code: 0 }))
    })
  })
  server.on('upgrade', (req, socket, head) => gateway.upgrade(req, socket, head))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  world.baseUrl = `http://127.0.0.1:${port}`
  gateway.url = `ws://127.0.0.1:${port}`
  rest.gatewayUrl = gateway.url

  const interactionFor = (type: 2 | 3, user: FakeUser, channel: FakeChannel): FakeInteraction => {
    const interaction: FakeInteraction = {
      id: world.ids.next(),
      token: `itok_${randomBytes(24).toString('hex')}`,
      type,
      channelId: channel.id,
      user,
      createdAt: world.clock.now(),
      followups: new Set(),
    }
    if (channel.guildId) interaction.guildId = channel.guildId
    world.interactions.set(interaction.id, interaction)
    return interaction
  }

  const interactionPayload = (
    interaction: FakeInteraction,
    channel: FakeChannel,
  ): Record<string, unknown> => {
    const base: Record<string, unknown> = {
      id: interaction.id,
      application_id: world.applicationId,
      type: interaction.type,
      token: interaction.token,
      version: 1,
      channel_id: channel.id,
      channel: channelJson(channel),
      locale: interaction.user.locale ?? 'en-US',
      app_permissions: '2248473465835073',
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
    }
    if (channel.guildId) {
      const member = world.guilds.get(channel.guildId)?.members.get(interaction.user.id) ?? {
        userId: interaction.user.id,
        roles: [],
        nick: null,
      }
      Object.assign(base, {
        guild_id: channel.guildId,
        guild_locale: 'en-US',
        member: { ...memberJson(member, interaction.user), permissions: '2248473465835073' },
        authorizing_integration_owners: { '0': channel.guildId },
        context: 0,
      })
    } else {
      Object.assign(base, {
        user: userJson(interaction.user),
        authorizing_integration_owners: { '0': channel.guildId ?? '0' },
        context: 1,
      })
    }
    return base
  }

  const fake: FakeDiscord = {
    apiRoot: `http://127.0.0.1:${port}/api`,
    token,
    world,
    bot: world.bot,
    applicationId: world.applicationId,
    guild,
    general,
    adminRole,
    alice,
    bob,
    requests: rest.requests,
    downloads: rest.downloads,
    gateway,
    addUser,
    addChannel,
    addGuild,
    dmChannel: (user) => world.dmChannel(user),

    slash({ name, options: values = {}, user = alice, channel = general }) {
      const interaction = interactionFor(2, user, channel)
      const registered = [...(world.guildCommands.get(channel.guildId ?? '') ?? []), ...world.globalCommands]
      const command = registered.find((c) => c.name === name)
      const attachments: Record<string, FakeAttachment> = {}
      const data: Record<string, unknown> = {
        id: command?.id ?? world.ids.next(),
        name,
        type: 1,
        options: Object.entries(values).map(([key, value]) => {
          if (typeof value !== 'object') return { name: key, type: typeof value === 'boolean' ? 5 : 3, value }
          const file = { name: value.filename, type: value.contentType, bytes: value.bytes }
          const [attachment] = world.upload(channel.id, [file]) as [FakeAttachment]
          attachments[attachment.id] = attachment
          return { name: key, type: 11, value: attachment.id }
        }),
      }
      if (Object.keys(attachments).length > 0) data.resolved = { attachments }
      if (command?.guild_id) data.guild_id = command.guild_id
      world.dispatch({ t: 'INTERACTION_CREATE', d: { ...interactionPayload(interaction, channel), data } })
      return interaction
    },

    pressButton({ message, customId, user = alice }) {
      const rows = message.components as Array<{ components: Array<{ custom_id?: string }> }>
      if (!rows.some((row) => row.components.some((button) => button.custom_id === customId))) {
        throw new Error(`message ${message.id} has no button ${customId}`)
      }
      const channel = world.channels.get(message.channelId) as FakeChannel
      const interaction = interactionFor(3, user, channel)
      interaction.originalId = message.id
      world.dispatch({
        t: 'INTERACTION_CREATE',
        d: {
          ...interactionPayload(interaction, channel),
          message: messageJson(message, (id) => world.users.get(id)),
          data: { custom_id: customId, component_type: 2 },
        },
      })
      return interaction
    },

    userMessage({ content, author = alice, channel = general, replyTo, attachments = [] }) {
      const body = replyTo ? { content, message_reference: { message_id: replyTo.id } } : { content }
      const files = attachments.map((a) => ({
        name: a.filename,
        type: a.contentType,
        bytes: a.bytes,
        ...(a.durationSecs !== undefined ? { durationSecs: a.durationSecs } : {}),
      }))
      const result = world.createMessage(channel, author, body, { files })
      if ('status' in result) throw new Error(`user message refused: ${JSON.stringify(result.body)}`)
      return result
    },

    deleteMessage: (message) => world.deleteMessage(message),

    messages(channel, opts = {}) {
      return [...world.messages.values()].filter(
        (m) => m.channelId === channel.id && !m.deleted && (opts.ephemeral || !(m.flags & 64)),
      )
    },
    message: (id) => world.messages.get(id),
    commands: (guildId) => (guildId ? (world.guildCommands.get(guildId) ?? []) : world.globalCommands),
    rateLimitNext: (opts) => rest.rateLimitNext(opts),

    failNext({ status, code = 0, message = `fake failure ${status}`, route, times = 1 }) {
      rest.forced.push({
        times,
        ...(route ? { match: (r: { route: string }) => r.route === route } : {}),
        reply: () => ({ status, body: { message, code } }),
      })
    },

    waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const value = probe()
          if (value === undefined || value === null || value === false) return
          done()
          resolve(value)
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`fake Discord: condition not met within ${timeoutMs} ms`))
        }, timeoutMs)
        const poll = setInterval(check, 10)
        const done = () => {
          clearTimeout(timer)
          clearInterval(poll)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
    },

    reconnect: () => gateway.reconnect(),

    async close() {
      gateway.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return fake
}
