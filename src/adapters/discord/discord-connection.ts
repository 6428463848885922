import { Client, Events, GatewayIntentBits, Partials, Status } from 'discord.js'
import { SurfaceError } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'
import type { PlatformReporter } from '../../core/contracts/platform.ts'
import { describeError } from './discord-errors.ts'
import { gatewayCloseError, guardPackets, loginError } from './discord-gateway.ts'
import { discordRequest } from './discord-request.ts'
import { noPings } from './discord-surface.ts'

/**
 * The adapter's discord.js client and its gateway connection: builds the client, logs it in and
 * waits until it is ready, reads its gateway trouble for the platform's supervisor, and on a restart
 * puts a fresh client in place of the old one. Only the current client reports: one replaced by a
 * rebuild says nothing more.
 *
 * @example
 *   const connection = new DiscordConnection({ token, apiRoot, log, reporter, rateLimitMarginMs: 50,
 *     listen: (client) => client.on(Events.MessageCreate, onMessage) })
 *   const client = await connection.connect()   // ready
 *   await connection.rebuild()                  // a new client, not yet connected
 *   await connection.close()
 */

/** What a connection is built from; `listen` attaches Herald's event handlers to each new client. */
export interface DiscordConnectionOptions {
  token: string
  apiRoot: string
  log: Logger
  reporter: PlatformReporter
  /** Added by discord.js to every retry-after it reports (clock skew margin). */
  rateLimitMarginMs: number
  /** Attaches the listeners of the events Herald serves; called for every client built. */
  listen(client: Client): void
}

export class DiscordConnection {
  private readonly options: DiscordConnectionOptions
  private current: Client
  private closed = false
  /** Rejects the connection under way (login until ready) when its client fails first. */
  private connecting: ((err: unknown) => void) | undefined

  constructor(options: DiscordConnectionOptions) {
    this.options = options
    this.current = this.build()
  }

  /** The current client: `rebuild()` replaces it. */
  get client(): Client {
    return this.current
  }

  /** Closed for good: events are no longer served. */
  get stopped(): boolean {
    return this.closed
  }

  healthy(): boolean {
    return !this.closed && this.current.ws.status === Status.Ready
  }

  /** Logs in with the current client and resolves with it once it is ready. */
  async connect(): Promise<Client> {
    const client = this.current
    const ready = new Promise<void>((resolve, reject) => {
      client.once(Events.ClientReady, () => resolve())
      this.connecting = reject
    })
    // A failure during login rejects both login() and this; login's rejection is the one thrown.
    ready.catch(() => {})
    try {
      await client.login(this.options.token)
      await ready
    } catch (err) {
      await client.destroy()
      throw loginError(err)
    } finally {
      this.connecting = undefined
    }
    return client
  }

  /** Puts a new client in place and closes the old one's gateway; `connect()` logs the new one in. */
  async rebuild(): Promise<void> {
    const old = this.current
    this.current = this.build()
    await this.disconnect(old)
  }

  async close(): Promise<void> {
    this.closed = true
    this.connecting?.(new Error('discord adapter stopped'))
    await this.disconnect(this.current)
  }

  private build(): Client {
    const { log, reporter } = this.options
    const built = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      // Discord sends no CHANNEL_CREATE for DMs: without this, DM messages never reach messageCreate.
      partials: [Partials.Channel],
      allowedMentions: noPings,
      // Rate limits come back to us as RateLimitError so the live engine paces, not the client's queue.
      rest: {
        api: this.options.apiRoot,
        rejectOnRateLimit: () => true,
        offset: this.options.rateLimitMarginMs,
        makeRequest: discordRequest,
      },
    })
    const current = () => built === this.current && !this.closed
    // Without an `error` listener, an error event (a throwing listener included) kills the process.
    built.on(Events.Error, (err) => log.error({ err }, 'discord client error'))
    built.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'))
    built.on(Events.ShardDisconnect, (event) => this.fail(built, gatewayCloseError(event.code)))
    built.on(Events.ShardReconnecting, () => {
      if (current()) reporter.trouble('discord: gateway connection lost; reconnecting')
    })
    built.on(Events.ShardResume, () => {
      if (current()) reporter.up()
    })
    built.on(Events.ShardReady, () => {
      if (current()) reporter.up()
    })
    this.options.listen(built)
    guardPackets(built, {
      log,
      onBroken: (event, err) =>
        this.fail(
          built,
          new SurfaceError(`discord: discord.js failed on ${event}: ${describeError(err)}`, true),
        ),
    })
    return built
  }

  /** A client that fails while connecting fails the connection; later, it reports to the supervisor. */
  private fail(from: Client, err: unknown): void {
    if (from !== this.current || this.closed) return
    if (this.connecting) this.connecting(err)
    else this.options.reporter.failed(err)
  }

  /**
   * Closes a client's gateway connection. destroy() also forgets the token of the REST client:
   * running answers still edit their messages through it (during a shutdown's grace period, or
   * across a rebuild), so it gets it back (REST keeps no timers).
   */
  private async disconnect(old: Client): Promise<void> {
    await old.destroy()
    old.rest.setToken(this.options.token)
  }
}
