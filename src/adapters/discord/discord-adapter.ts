import { type Client, Events } from 'discord.js'
import type { CommandDef } from '../../commands/define.ts'
import type { Adapter, ChatRef, Herald } from '../../core/contracts/chat.ts'
import { type Clock, systemClock } from '../../core/contracts/clock.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { type PlatformReporter, type SupervisedClient, unsupervised } from '../../core/contracts/platform.ts'
import type { Surface } from '../../core/contracts/surface.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { CommandRegistration } from './discord-commands.ts'
import { DiscordConnection } from './discord-connection.ts'
import { AnswerMessageIds, deletedMessages } from './discord-deletions.ts'
import { InteractionIntake } from './discord-interaction-intake.ts'
import { MessageIntake } from './discord-message-intake.ts'
import { Notices } from './discord-notices.ts'
import { chatKeyOf, DiscordChannelSurface } from './discord-surface.ts'
import { Threads } from './discord-threads.ts'

/**
 * The Discord adapter: discord.js 14 events → Invocations and ButtonPresses for the Herald, a Surface
 * per answer, slash commands derived from the command definitions. Each job is one collaborator:
 *
 *   discord-connection.ts          the client: build, log in, gateway trouble, rebuild on restart
 *   discord-message-intake.ts      channel messages that ask → Invocations of the ask command
 *   discord-interaction-intake.ts  slash commands and button presses → Invocations and ButtonPresses
 *   discord-deletions.ts           deleted messages → the answers they stop
 *   discord-commands.ts            slash commands from the definitions, registered once
 *   discord-notices.ts, discord-threads.ts                how a handler reaches back beside its answer
 *   discord-surface.ts, discord-interaction-surface.ts    where answers are written
 *
 * @example
 *   const discord = createDiscordAdapter({ config: config.discord, herald, commands, log })
 *   await discord.start()          // login, wait for ready, register slash commands
 *   …
 *   await discord.stop()
 */

/** The Discord part of the configuration (DISCORD_* variables). */
export interface DiscordConfig {
  token: string
  apiRoot: string
  guildIds: string[]
  adminIds: string[]
  adminRoleIds: string[]
}

export interface DiscordAdapterOptions {
  config: DiscordConfig
  herald: Herald
  commands: readonly CommandDef<unknown>[]
  log: Logger
  clock?: Clock
  /** When interaction answers move to channel messages; Discord's token lives 15 min. */
  handoverAfterMs?: number
  /** The line left in an interaction message whose answer moved to a channel message, for the invoker's locale. */
  handoverNotice?: (locale: string) => string
  /**
   * The chats' lanes (Herald's LaneRegistry): short visible replies then wait their turn with the
   * answers' edits in that channel and honour a running retry_after, instead of spending the
   * channel's bucket behind the lane's back. Ephemeral replies are interaction webhook messages,
   * limited per interaction token rather than per channel: they go straight out.
   */
  lanes?: LaneRegistry
  /** Where gateway trouble and failures go (the platform's supervisor); the adapter keeps no retry loop. */
  reporter?: PlatformReporter
}

export interface DiscordAdapter extends Adapter, SupervisedClient {
  readonly platform: 'discord'
  /** The current discord.js client (for sharding, diagnostics and tests); `restart()` builds a new one. */
  readonly client: Client
}

export const discordDefaults = {
  /** One minute before Discord's 15-minute token expiry, so the old message can still be edited. */
  handoverAfterMs: 14 * 60_000,
  handoverNotice:
    '-# ⤵ Continued in a new message below: Discord allows editing an interaction reply for 15 minutes.',
  /** Added by discord.js to every retry-after it reports (clock skew margin). */
  rateLimitMarginMs: 50,
} as const

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  return new DiscordBot(options)
}

/**
 * One connection whose every client feeds the intakes (messages, interactions, deletions), and the
 * commands registered once it is first ready. The collaborators each do one job; this class wires
 * them and answers the supervisor.
 */
class DiscordBot implements DiscordAdapter {
  readonly platform = 'discord'
  private readonly herald: Herald
  private readonly log: Logger
  /** Which answer a deleted message belongs to, across interaction answers that moved. */
  private readonly answerIds = new AnswerMessageIds()
  private readonly messages: MessageIntake
  private readonly interactions: InteractionIntake
  private readonly registration: CommandRegistration
  private readonly connection: DiscordConnection

  constructor(options: DiscordAdapterOptions) {
    const { config, herald, log } = options
    const clock = options.clock ?? systemClock
    this.herald = herald
    this.log = log
    // What both intakes need: whom to hand events to, and how their handlers reach back.
    const intake = {
      herald,
      commands: options.commands,
      client: () => this.connection.client,
      admins: { adminIds: config.adminIds, adminRoleIds: config.adminRoleIds },
      notices: new Notices({ lanes: options.lanes, clock }),
      threads: new Threads(() => this.connection.client, clock),
    }
    this.messages = new MessageIntake(intake)
    this.interactions = new InteractionIntake({
      ...intake,
      clock,
      log,
      handoverAfterMs: options.handoverAfterMs ?? discordDefaults.handoverAfterMs,
      handoverNotice: (locale) => options.handoverNotice?.(locale) ?? discordDefaults.handoverNotice,
      onMoved: (from, to) => this.answerIds.moved(from, to.id),
    })
    this.registration = new CommandRegistration({
      guildIds: config.guildIds,
      commands: options.commands,
      clock,
      log,
    })
    this.connection = new DiscordConnection({
      token: config.token,
      apiRoot: config.apiRoot,
      log,
      reporter: options.reporter ?? unsupervised,
      rateLimitMarginMs: discordDefaults.rateLimitMarginMs,
      listen: (client) => this.listen(client),
    })
  }

  get client(): Client {
    return this.connection.client
  }

  start(): Promise<void> {
    return this.connect()
  }

  async restart(): Promise<void> {
    if (this.connection.stopped) return
    await this.connection.rebuild()
    await this.connect()
  }

  stop(): Promise<void> {
    return this.connection.close()
  }

  healthy(): boolean {
    return this.connection.healthy()
  }

  surfaceFor(chat: ChatRef): Surface {
    return new DiscordChannelSurface(this.connection.client, chat.id)
  }

  /** Logs in with the current client and waits for it to be ready; registers the commands once. */
  private async connect(): Promise<void> {
    const client = await this.connection.connect()
    const registered = await this.registration.ensure(client)
    this.log.info(
      { user: client.user?.tag, guilds: client.guilds.cache.size, commands: registered },
      'discord adapter ready',
    )
  }

  /** The events Herald serves, on every client the connection builds. */
  private listen(client: Client): void {
    client.on(Events.InteractionCreate, (interaction) =>
      this.serve(() => this.interactions.take(interaction), 'interaction'),
    )
    client.on(Events.MessageCreate, (message) => this.serve(() => this.messages.take(message), 'message'))
    // Raw dispatches: discord.js emits messageDelete only for messages in its cache (or as partials).
    client.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => this.onDeletions(packet))
  }

  /** Runs an event's work outside the listener, once stopped not at all; nothing it throws reaches discord.js. */
  private serve(work: () => Promise<void>, what: string): void {
    if (this.connection.stopped) return
    try {
      work().catch((err: unknown) => this.log.error({ err, what }, 'discord event handling failed'))
    } catch (err) {
      this.log.error({ err, what }, 'discord event handling failed')
    }
  }

  /** Tells the Herald about each deleted message an answer streams into, so it stops that answer. */
  private onDeletions(packet: { t?: unknown; d?: unknown }): void {
    try {
      for (const { channelId, messageId } of deletedMessages(packet)) {
        const answerId = this.answerIds.answerIdOf(messageId)
        if (answerId !== undefined) this.herald.onMessageDeleted?.(chatKeyOf(channelId), answerId)
      }
    } catch (err) {
      this.log.error({ err }, 'discord message deletion handling failed')
    }
  }
}
