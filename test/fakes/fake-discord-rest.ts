import type { IncomingMessage, ServerResponse } from 'node:http'
import { listCommands, putCommands } from './fake-discord-commands.ts'
import {
  type BucketOptions,
  Buckets,
  decodePath,
  fail,
  matchRoute,
  ok,
  type Params,
  type Reply,
  type Route,
  rateLimitedReply,
  readBody,
} from './fake-discord-http.ts'
import {
  type ApiFailure,
  apiFailure,
  ChannelTypes,
  channelJson,
  type FakeChannel,
  type FakeInteraction,
  type FakeMessage,
  failures,
  type MessageBody,
  MessageFlags,
  messageJson,
  userJson,
} from './fake-discord-state.ts'
import type { FakeWorld, UploadedFile } from './fake-discord-world.ts'

/** What an unboosted server takes in one message's attachments (10 MiB). */
export const DISCORD_UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024

/**
 * The REST half of the fake Discord (`/api/v10/...`): gateway info, application commands, channel
 * messages, threads, typing, interaction callbacks (3 s deadline, one acknowledgement) and the
 * interaction webhook (token life), with per-channel rate limits and the upload limit. Every
 * request is recorded.
 */
export interface RestOptions {
  token: string
  /** Time to acknowledge an interaction (Discord: 3 s). */
  interactionDeadlineMs: number
  /** Life of an interaction token (Discord: 15 min). */
  interactionTokenLifeMs: number
  /** Message sends and edits per channel (and per interaction token). */
  messageBucket: BucketOptions
  /** What `GET /gateway/bot` recommends, and how many shards may identify at once. */
  shards: number
  maxConcurrency: number
}

export interface RecordedRequest {
  at: number
  method: string
  /** Decoded path after `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string
  /** The route pattern that answered, e.g. `/channels/:channel/messages`; `?` when none. */
  route: string
  params: Params
  query: Record<string, string>
  authorized: boolean
  body: unknown
  files: { name: string; type: string; size: number }[]
  status: number
  response: unknown
}

export interface ForcedReply {
  /** Which requests it applies to; every request when absent. */
  match?: (request: { method: string; path: string; route: string; params: Params }) => boolean
  times: number
  reply: (now: number, request: { method: string; path: string; route: string; params: Params }) => Reply
}

interface Ctx {
  query: URLSearchParams
  body: unknown
  files: UploadedFile[]
  now: number
}

const API_PREFIX = '/api/v10'
const CHANNEL_HASH = 'fake-channel-messages'
const WEBHOOK_HASH = 'fake-webhook-messages'

export class FakeDiscordRest {
  readonly requests: RecordedRequest[] = []
  /** Paths of attachment downloads (`/attachments/…`), in order, served or not. */
  readonly downloads: string[] = []
  readonly forced: ForcedReply[] = []
  readonly buckets: Buckets
  readonly #world: FakeWorld
  readonly #options: RestOptions
  readonly #onRequest: () => void
  readonly #routes: Route<Ctx>[]
  gatewayUrl = ''

  constructor(world: FakeWorld, options: RestOptions, onRequest: () => void) {
    this.#world = world
    this.#options = options
    this.#onRequest = onRequest
    this.buckets = new Buckets(options.messageBucket)
    this.#routes = this.#buildRoutes()
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const method = req.method ?? 'GET'
    if (url.pathname.startsWith('/attachments/')) return this.#serveFile(url.pathname, res)
    const path = decodePath(
      url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname,
    )
    const { json, files } = await readBody(req)
    const now = this.#world.clock.now()
    const found = matchRoute(this.#routes, method, path)
    const routeName = found?.route.pattern ?? '?'
    const params = found?.params ?? {}
    const authorized = req.headers.authorization === `Bot ${this.#options.token}`
    let reply: Reply
    const forced = this.forced.find(
      (f) => f.times > 0 && (!f.match || f.match({ method, path, route: routeName, params })),
    )
    if (forced) {
      forced.times--
      reply = forced.reply(now, { method, path, route: routeName, params })
    } else if (!found) reply = { status: 404, body: { message: '404: Not Found', code: 0 } }
    else if (!authorized && !isTokenRoute(path))
      reply = { status: 401, body: { message: '401: Unauthorized', code: 0 } }
    else if (files.reduce((sum, f) => sum + f.bytes.length, 0) > DISCORD_UPLOAD_LIMIT_BYTES)
      reply = { status: 413, body: { message: 'Request entity too large', code: 40005 } }
    else reply = found.route.handle({ query: url.searchParams, body: json, files, now }, params) as Reply
    this.requests.push({
      at: now,
      method,
      path,
      route: routeName,
      params,
      query: Object.fromEntries(url.searchParams),
      authorized,
      body: json,
      files: files.map((f) => ({ name: f.name, type: f.type, size: f.bytes.length })),
      status: reply.status,
      response: reply.body,
    })
    const headers: Record<string, string> = { ...reply.headers }
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json'
    res.writeHead(reply.status, headers)
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body))
    this.#onRequest()
  }

  /** Makes the next matching message send/edit (or any request) answer 429 for `retryAfterMs`. */
  rateLimitNext(options: { retryAfterMs: number; channelId?: string; global?: boolean }): void {
    this.forced.push({
      times: 1,
      match: (r) =>
        (r.method === 'POST' || r.method === 'PATCH') &&
        (r.route.startsWith('/channels/:channel/messages') || r.route.startsWith('/webhooks/')) &&
        (options.channelId === undefined || this.#channelOfRequest(r.params) === options.channelId),
      reply: (now, r) => {
        const [key, hash] = r.params.token
          ? [`webhook:${r.params.token}`, WEBHOOK_HASH]
          : [`channel:${r.params.channel}`, CHANNEL_HASH]
        const headers = this.buckets.exhaust(key, hash, now, options.retryAfterMs)
        return rateLimitedReply(options.retryAfterMs, headers, options.global ?? false)
      },
    })
  }

  #channelOfRequest(params: Params): string | undefined {
    if (params.channel) return params.channel
    return params.token ? this.#byToken(params.token)?.channelId : undefined
  }

  #serveFile(path: string, res: ServerResponse): void {
    this.downloads.push(path)
    const file = this.#world.files.get(path)
    if (!file) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': String(file.bytes.length) })
    res.end(file.bytes)
  }

  #byToken(token: string): FakeInteraction | undefined {
    for (const interaction of this.#world.interactions.values())
      if (interaction.token === token) return interaction
    return undefined
  }

  #buildRoutes(): Route<Ctx>[] {
    const w = this.#world
    const route = (method: string, pattern: string, handle: (ctx: Ctx, p: Params) => Reply): Route<Ctx> => ({
      method,
      pattern,
      handle,
    })
    return [
      route('GET', '/gateway/bot', () =>
        ok({
          url: this.gatewayUrl,
          shards: this.#options.shards,
          session_start_limit: {
            total: 1000,
            remaining: 999,
            reset_after: 14_400_000,
            max_concurrency: this.#options.maxConcurrency,
          },
        }),
      ),
      route('GET', '/gateway', () => ok({ url: this.gatewayUrl })),
      route('GET', '/users/@me', () => ok(userJson(w.bot))),
      route('GET', '/applications/:app/commands', (_c, p) => listCommands(this.#world, p.app!, undefined)),
      route('PUT', '/applications/:app/commands', (c, p) =>
        putCommands(this.#world, p.app!, undefined, c.body),
      ),
      route('GET', '/applications/:app/guilds/:guild/commands', (_c, p) =>
        listCommands(this.#world, p.app!, p.guild),
      ),
      route('PUT', '/applications/:app/guilds/:guild/commands', (c, p) =>
        putCommands(this.#world, p.app!, p.guild, c.body),
      ),
      route('GET', '/channels/:channel', (_c, p) => {
        const channel = w.channels.get(p.channel!)
        return channel ? ok(channelJson(channel)) : fail(failures.unknownChannel())
      }),
      route('POST', '/channels/:channel/typing', (_c, p) =>
        w.channels.has(p.channel!) ? { status: 204 } : fail(failures.unknownChannel()),
      ),
      route('POST', '/channels/:channel/messages', (c, p) => {
        const channel = w.channels.get(p.channel!)
        if (!channel) return fail(failures.unknownChannel())
        return this.#limited(`channel:${channel.id}`, CHANNEL_HASH, c.now, () =>
          messageReply(w.createMessage(channel, w.bot, asBody(c.body), { files: c.files }), w),
        )
      }),
      route('GET', '/channels/:channel/messages/:message', (_c, p) => {
        const message = this.#channelMessage(p)
        return 'status' in message ? fail(message) : ok(messageJson(message, (id) => w.users.get(id)))
      }),
      route('PATCH', '/channels/:channel/messages/:message', (c, p) => {
        const message = this.#channelMessage(p)
        if ('status' in message) return fail(message)
        if (message.author.id !== w.bot.id) return fail(failures.cannotEditOthers())
        return this.#limited(`channel:${message.channelId}`, CHANNEL_HASH, c.now, () =>
          messageReply(w.editMessage(message, asBody(c.body), c.files), w),
        )
      }),
      route('DELETE', '/channels/:channel/messages/:message', (_c, p) => {
        const message = this.#channelMessage(p)
        if ('status' in message) return fail(message)
        w.deleteMessage(message)
        return { status: 204 }
      }),
      route('POST', '/channels/:channel/messages/:message/threads', (c, p) => {
        const start = this.#channelMessage(p)
        return 'status' in start ? fail(start) : this.#createThread(p.channel!, c.body, start)
      }),
      route('POST', '/channels/:channel/threads', (c, p) =>
        this.#createThread(p.channel!, c.body, undefined),
      ),
      route('POST', '/interactions/:interaction/:token/callback', (c, p) => this.#callback(c, p)),
      route('POST', '/webhooks/:app/:token', (c, p) => this.#webhook(c, p, (ix) => this.#followUp(c, ix))),
      route('GET', '/webhooks/:app/:token/messages/:message', (c, p) =>
        this.#webhook(c, p, (ix) => {
          const message = this.#webhookMessage(ix, p.message!)
          return 'status' in message ? fail(message) : ok(messageJson(message, (id) => w.users.get(id)))
        }),
      ),
      route('PATCH', '/webhooks/:app/:token/messages/:message', (c, p) =>
        this.#webhook(c, p, (ix) => {
          const message = this.#webhookMessage(ix, p.message!)
          if ('status' in message) return fail(message)
          return this.#limited(`webhook:${ix.token}`, WEBHOOK_HASH, c.now, () =>
            messageReply(w.editMessage(message, asBody(c.body), c.files), w),
          )
        }),
      ),
      route('DELETE', '/webhooks/:app/:token/messages/:message', (c, p) =>
        this.#webhook(c, p, (ix) => {
          const message = this.#webhookMessage(ix, p.message!)
          if ('status' in message) return fail(message)
          w.deleteMessage(message)
          return { status: 204 }
        }),
      ),
    ]
  }

  #limited(key: string, hash: string, now: number, run: () => Reply): Reply {
    const verdict = this.buckets.take(key, hash, now)
    if (!verdict.ok) return rateLimitedReply(verdict.retryAfterMs, verdict.headers, false)
    const reply = run()
    return { ...reply, headers: { ...verdict.headers, ...reply.headers } }
  }

  #channelMessage(p: Params): FakeMessage | ApiFailure {
    const channel = this.#world.channels.get(p.channel!)
    if (!channel) return failures.unknownChannel()
    const message = this.#world.liveMessage(p.message!)
    if (!message || message.channelId !== channel.id || message.flags & MessageFlags.ephemeral) {
      return failures.unknownMessage()
    }
    return message
  }

  #createThread(parentId: string, raw: unknown, start: FakeMessage | undefined): Reply {
    const w = this.#world
    const parent = w.channels.get(parentId)
    if (!parent) return fail(failures.unknownChannel())
    if (parent.type !== ChannelTypes.guildText)
      return fail(apiFailure(400, 50024, 'Cannot execute action on this channel type'))
    const name = (raw as { name?: unknown } | undefined)?.name
    if (typeof name !== 'string' || name.length < 1 || name.length > 100) {
      return fail(
        failures.invalidForm('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.'),
      )
    }
    if (start && w.channels.has(start.id))
      return fail(apiFailure(400, 160004, 'A thread has already been created for this message'))
    const thread = w.createThread(parent, name, w.bot, start)
    w.dispatch({
      t: 'THREAD_CREATE',
      d: { ...channelJson(thread), newly_created: true },
      guildId: parent.guildId!,
    })
    return { status: 201, body: channelJson(thread) }
  }

  #callback(c: Ctx, p: Params): Reply {
    const w = this.#world
    const ix = w.interactions.get(p.interaction!)
    if (!ix || ix.token !== p.token) return fail(failures.unknownInteraction())
    if (c.now - ix.createdAt > this.#options.interactionDeadlineMs) return fail(failures.unknownInteraction())
    if (ix.ack !== undefined) return fail(failures.alreadyAcknowledged())
    const body = (c.body ?? {}) as { type?: unknown; data?: MessageBody }
    const channel = w.channels.get(ix.channelId) as FakeChannel
    let message: FakeMessage | undefined
    switch (body.type) {
      case 4:
      case 5: {
        const data = body.data ?? {}
        const extras = { webhookId: w.applicationId, interaction: interactionRef(ix), files: c.files }
        const created =
          body.type === 5
            ? w.createMessage(
                channel,
                w.bot,
                { flags: data.flags },
                { ...extras, flags: MessageFlags.loading, allowEmpty: true },
              )
            : w.createMessage(channel, w.bot, data, extras)
        if ('status' in created) return fail(created)
        message = created
        ix.originalId = created.id
        break
      }
      case 6:
        break
      case 7: {
        const original = ix.originalId ? w.liveMessage(ix.originalId) : undefined
        if (!original) return fail(failures.unknownMessage())
        const edited = w.editMessage(original, body.data ?? {}, c.files)
        if ('status' in edited) return fail(edited)
        message = edited
        break
      }
      default:
        return fail(failures.invalidForm('type', 'BASE_TYPE_CHOICES', 'Value must be one of {4, 5, 6, 7}.'))
    }
    ix.ack = body.type
    if (c.query.get('with_response') !== 'true') return { status: 204 }
    return ok({
      interaction: { id: ix.id, type: ix.type },
      resource: {
        type: body.type,
        ...(message ? { message: messageJson(message, (id) => w.users.get(id)) } : {}),
      },
    })
  }

  /** Resolves the interaction of a webhook route: unknown or expired token → 401 50027. */
  #webhook(c: Ctx, p: Params, run: (ix: FakeInteraction) => Reply): Reply {
    const ix = this.#byToken(p.token!)
    if (!ix || c.now - ix.createdAt > this.#options.interactionTokenLifeMs)
      return fail(failures.invalidWebhookToken())
    if (p.app !== this.#world.applicationId || ix.ack === undefined) return fail(failures.unknownWebhook())
    return run(ix)
  }

  #webhookMessage(ix: FakeInteraction, id: string): FakeMessage | ApiFailure {
    const target = id === '@original' ? ix.originalId : id
    if (target === undefined || (target !== ix.originalId && !ix.followups.has(target)))
      return failures.unknownMessage()
    return this.#world.liveMessage(target) ?? failures.unknownMessage()
  }

  #followUp(c: Ctx, ix: FakeInteraction): Reply {
    const w = this.#world
    const channel = w.channels.get(ix.channelId) as FakeChannel
    return this.#limited(`webhook:${ix.token}`, WEBHOOK_HASH, c.now, () => {
      const created = w.createMessage(channel, w.bot, asBody(c.body), {
        webhookId: w.applicationId,
        interaction: interactionRef(ix),
        files: c.files,
      })
      if ('status' in created) return fail(created)
      ix.followups.add(created.id)
      if (c.query.get('wait') !== 'true') return { status: 204 }
      return ok(messageJson(created, (id) => w.users.get(id)))
    })
  }
}

function interactionRef(ix: FakeInteraction): { id: string; type: number; user: FakeInteraction['user'] } {
  return { id: ix.id, type: ix.type, user: ix.user }
}

function isTokenRoute(path: string): boolean {
  return path.startsWith('/interactions/') || path.startsWith('/webhooks/')
}

function asBody(raw: unknown): MessageBody {
  return typeof raw === 'object' && raw !== null ? (raw as MessageBody) : {}
}

function messageReply(result: FakeMessage | ApiFailure, world: FakeWorld): Reply {
  return 'status' in result ? fail(result) : ok(messageJson(result, (id) => world.users.get(id)))
}
