import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'
import {
  ChannelTypes,
  channelJson,
  type FakeGuild,
  type FakeMessage,
  memberJson,
  messageJson,
  shardOf,
  userJson,
} from './fake-discord-state.ts'
import type { Dispatch, FakeWorld } from './fake-discord-world.ts'

/**
 * The gateway half of the fake Discord: HELLO, IDENTIFY → READY + one GUILD_CREATE per guild,
 * heartbeats, RESUME with replay of missed dispatches, op 7 RECONNECT on demand, intents (privileged
 * MessageContent → close 4014; content stripped without it) and plain JSON text frames. A session
 * identifies as shard `[id, count]`: it is told only of the guilds that shard owns
 * (`(guild_id >> 22) % count`) and gets only their events; DMs go to shard 0.
 */
export const Intents = {
  guilds: 1 << 0,
  guildMessages: 1 << 9,
  directMessages: 1 << 12,
  messageContent: 1 << 15,
} as const

export interface GatewayOptions {
  token: string
  heartbeatIntervalMs: number
  /** Whether the application may use the privileged MessageContent intent. */
  messageContentAllowed: boolean
}

interface Session {
  id: string
  intents: number
  shard: [id: number, count: number]
  seq: number
  socket: WebSocket | undefined
  /** Every dispatch sent in this session, for RESUME. */
  log: { s: number; t: string; d: unknown }[]
}

export interface GatewayStats {
  identifies: number
  resumes: number
  heartbeats: number
}

/**
 * Recorded handshake payloads to send as HELLO and READY (replays of real frames): their fields go
 * out as recorded, under the fake's own identity (heartbeat interval, bot user, session, guilds,
 * application id), so the client still talks to this fake.
 */
export interface Handshake {
  hello?: Record<string, unknown>
  ready?: Record<string, unknown>
}

export class FakeGateway {
  readonly stats: GatewayStats = { identifies: 0, resumes: 0, heartbeats: 0 }
  /** Used by every connection from now on. */
  handshake: Handshake = {}
  readonly #world: FakeWorld
  readonly #options: GatewayOptions
  readonly #server = new WebSocketServer({ noServer: true, perMessageDeflate: false })
  readonly #sessions = new Map<string, Session>()
  readonly #onEvent: () => void
  url = ''

  constructor(world: FakeWorld, options: GatewayOptions, onEvent: () => void) {
    this.#world = world
    this.#options = options
    this.#onEvent = onEvent
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#server.handleUpgrade(req, socket, head, (ws) => this.#connected(ws))
  }

  /** Sessions with an open socket. */
  get connectedSessions(): number {
    return [...this.#sessions.values()].filter((s) => s.socket !== undefined).length
  }

  /** The shard ids of sessions with an open socket, in order (a shard that reconnected counts once). */
  get connectedShards(): Array<[id: number, count: number]> {
    return [...this.#sessions.values()]
      .filter((s) => s.socket !== undefined)
      .map((s) => s.shard)
      .sort((a, b) => a[0] - b[0])
  }

  dispatch(event: Dispatch): void {
    const guildId = event.guildId ?? (typeof event.d.guild_id === 'string' ? event.d.guild_id : undefined)
    for (const session of this.#sessions.values()) {
      if (!this.#owns(session, guildId)) continue
      const d = this.#payloadFor(session, event)
      if (d !== undefined) this.#send(session, event.t, d)
    }
  }

  /** Sends op 7 RECONNECT on every open session; the client should come back with RESUME. */
  reconnect(): void {
    for (const session of this.#sessions.values()) session.socket?.send(JSON.stringify({ op: 7, d: null }))
  }

  /**
   * Cuts every open connection without a close frame, as a network failure does; the sessions stay,
   * so a client that comes back with RESUME gets what was dispatched meanwhile.
   */
  drop(): void {
    for (const session of this.#sessions.values()) session.socket?.terminate()
  }

  /** Closes every open connection with a close code, as Discord does on a reset token (4004) or a refused intent (4014). */
  closeWith(code: number, reason: string): void {
    for (const session of this.#sessions.values()) session.socket?.close(code, reason)
  }

  /** Sends one dispatch as given, on every open session, whatever its shape (a frame recorded elsewhere). */
  sendRaw(t: string, d: unknown): void {
    for (const session of this.#sessions.values()) this.#send(session, t, d)
  }

  close(): void {
    for (const client of this.#server.clients) client.terminate()
    this.#server.close()
  }

  #connected(ws: WebSocket): void {
    let session: Session | undefined
    const hello = { ...this.handshake.hello, heartbeat_interval: this.#options.heartbeatIntervalMs }
    ws.send(JSON.stringify({ op: 10, d: hello }))
    ws.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> | number | null }
      switch (packet.op) {
        case 1:
          this.stats.heartbeats++
          ws.send(JSON.stringify({ op: 11 }))
          return
        case 2:
          session = this.#identify(ws, packet.d as Record<string, unknown>)
          return
        case 6:
          session = this.#resume(ws, packet.d as Record<string, unknown>)
          return
        default:
          return
      }
    })
    ws.on('close', () => {
      if (session && session.socket === ws) session.socket = undefined
    })
  }

  #identify(ws: WebSocket, d: Record<string, unknown>): Session | undefined {
    if (d.token !== `Bot ${this.#options.token}` && d.token !== this.#options.token) {
      ws.close(4004, 'Authentication failed.')
      return undefined
    }
    const intents = Number(d.intents ?? 0)
    if (intents & Intents.messageContent && !this.#options.messageContentAllowed) {
      ws.close(4014, 'Disallowed intent(s).')
      return undefined
    }
    const [shardId, shardCount] = Array.isArray(d.shard) ? (d.shard as number[]) : [0, 1]
    if (
      !(Number.isInteger(shardId) && Number.isInteger(shardCount) && shardId! >= 0 && shardId! < shardCount!)
    ) {
      ws.close(4010, 'Invalid shard.')
      return undefined
    }
    this.stats.identifies++
    const session: Session = {
      id: this.#world.ids.next(),
      intents,
      shard: [shardId!, shardCount!],
      seq: 0,
      socket: ws,
      log: [],
    }
    this.#sessions.set(session.id, session)
    const w = this.#world
    const guilds = [...w.guilds.values()].filter((g) => this.#owns(session, g.id))
    const recorded = this.handshake.ready ?? {}
    this.#send(session, 'READY', {
      ...recorded,
      v: 10,
      user: { ...userJson(w.bot), verified: true, mfa_enabled: false, flags: 0 },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url,
      shard: session.shard,
      application: { flags: 0, ...(recorded.application as object | undefined), id: w.applicationId },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      user_settings: {},
    })
    if (intents & Intents.guilds) {
      for (const guild of guilds) this.#send(session, 'GUILD_CREATE', this.#guildCreate(guild))
    }
    return session
  }

  /** Whether the session's shard receives the events of `guildId` (DMs and other events: shard 0). */
  #owns(session: Session, guildId: string | undefined): boolean {
    const [id, count] = session.shard
    return guildId === undefined ? id === 0 : shardOf(guildId, count) === id
  }

  #resume(ws: WebSocket, d: Record<string, unknown>): Session | undefined {
    const session = this.#sessions.get(String(d.session_id))
    if (!session || (d.token !== `Bot ${this.#options.token}` && d.token !== this.#options.token)) {
      ws.send(JSON.stringify({ op: 9, d: false }))
      return undefined
    }
    this.stats.resumes++
    session.socket = ws
    const after = Number(d.seq ?? 0)
    for (const entry of session.log) {
      if (entry.s > after) ws.send(JSON.stringify({ op: 0, s: entry.s, t: entry.t, d: entry.d }))
    }
    this.#send(session, 'RESUMED', {})
    return session
  }

  #send(session: Session, t: string, d: unknown): void {
    session.seq++
    session.log.push({ s: session.seq, t, d })
    session.socket?.send(JSON.stringify({ op: 0, s: session.seq, t, d }))
    this.#onEvent()
  }

  /** The dispatch as this session sees it, or undefined when its intents exclude it. */
  #payloadFor(session: Session, event: Dispatch): Record<string, unknown> | undefined {
    if (event.t.startsWith('MESSAGE_')) {
      const needed = event.guildId ? Intents.guildMessages : Intents.directMessages
      if (!(session.intents & needed)) return undefined
      return event.message ? this.#messagePayload(session, event.message, event.t, event.referenced) : event.d
    }
    if (event.t.startsWith('THREAD_') || event.t.startsWith('GUILD_')) {
      return session.intents & Intents.guilds ? event.d : undefined
    }
    return event.d
  }

  #messagePayload(
    session: Session,
    message: FakeMessage,
    t: string,
    referenced: FakeMessage | undefined,
  ): Record<string, unknown> {
    const w = this.#world
    const user = (id: string) => w.users.get(id)
    const d = messageJson(message, user)
    const channel = w.channels.get(message.channelId)
    d.channel_type = channel?.type ?? ChannelTypes.guildText
    if (message.guildId) {
      const member = w.guilds.get(message.guildId)?.members.get(message.author.id)
      if (member && !message.webhookId) d.member = memberJson(member)
    }
    if (t === 'MESSAGE_CREATE' && referenced) d.referenced_message = messageJson(referenced, user)
    const contentVisible =
      session.intents & Intents.messageContent ||
      !message.guildId ||
      message.author.id === w.bot.id ||
      message.pings.users.includes(w.bot.id)
    if (!contentVisible) Object.assign(d, { content: '', embeds: [], attachments: [], components: [] })
    return d
  }

  #guildCreate(guild: FakeGuild): Record<string, unknown> {
    const w = this.#world
    const channels = [...w.channels.values()].filter((c) => c.guildId === guild.id)
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      owner_id: guild.ownerId,
      unavailable: false,
      large: false,
      member_count: guild.members.size,
      joined_at: new Date(0).toISOString(),
      features: [],
      premium_tier: 0,
      preferred_locale: 'en-US',
      system_channel_flags: 0,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      roles: [{ id: guild.id, name: '@everyone' }, ...guild.roles].map((role, position) => ({
        ...role,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        permissions: role.id === guild.id ? '2248473465835073' : '0',
        position,
        flags: 0,
      })),
      channels: channels.filter((c) => c.type === ChannelTypes.guildText).map(withoutGuildId),
      threads: channels.filter((c) => c.type === ChannelTypes.publicThread).map(channelJson),
      members: [...guild.members.values()].map((m) => memberJson(m, w.users.get(m.userId))),
      presences: [],
      voice_states: [],
      emojis: [],
      stickers: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    }
  }
}

function withoutGuildId(channel: Parameters<typeof channelJson>[0]): Record<string, unknown> {
  const { guild_id: _omit, ...rest } = channelJson(channel)
  return rest
}
