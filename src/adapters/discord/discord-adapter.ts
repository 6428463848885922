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
 * per answer, slash commands derived from the command definitions.
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
  const { config, herald, log } = options
  const clock = options.clock ?? systemClock
  const answerIds = new AnswerMessageIds()
  /** What both intakes need: whom to hand events to, and how their handlers reach back. */
  const intake = {
    herald,
    commands: options.commands,
    client: () => connection.client,
    admins: { adminIds: config.adminIds, adminRoleIds: config.adminRoleIds },
    notices: new Notices({ lanes: options.lanes, clock }),
    threads: new Threads(() => connection.client, clock),
  }
  const messages = new MessageIntake(intake)
  const interactions = new InteractionIntake({
    ...intake,
    clock,
    log,
    handoverAfterMs: options.handoverAfterMs ?? discordDefaults.handoverAfterMs,
    handoverNotice: (locale) => options.handoverNotice?.(locale) ?? discordDefaults.handoverNotice,
    onMoved: (from, to) => answerIds.moved(from, to.id),
  })
  const registration = new CommandRegistration({
    guildIds: config.guildIds,
    commands: options.commands,
    clock,
    log,
  })
  const connection = new DiscordConnection({
    token: config.token,
    apiRoot: config.apiRoot,
    log,
    reporter: options.reporter ?? unsupervised,
    rateLimitMarginMs: discordDefaults.rateLimitMarginMs,
    listen(client) {
      client.on(Events.InteractionCreate, (interaction) => {
        if (!connection.stopped) detached(() => interactions.take(interaction), 'interaction')
      })
      client.on(Events.MessageCreate, (message) => {
        if (!connection.stopped) detached(() => messages.take(message), 'message')
      })
      // Raw dispatches: discord.js emits messageDelete only for messages in its cache (or as partials).
      client.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => {
        try {
          for (const { channelId, messageId } of deletedMessages(packet)) {
            const answerId = answerIds.answerIdOf(messageId)
            if (answerId !== undefined) herald.onMessageDeleted?.(chatKeyOf(channelId), answerId)
          }
        } catch (err) {
          log.error({ err }, 'discord message deletion handling failed')
        }
      })
    },
  })

  /** Runs work outside the event listener; nothing it throws reaches discord.js. */
  function detached(work: () => Promise<void>, what: string): void {
    try {
      work().catch((err: unknown) => log.error({ err, what }, 'discord event handling failed'))
    } catch (err) {
      log.error({ err, what }, 'discord event handling failed')
    }
  }

  /** Logs in with the current client and waits for it to be ready; registers the commands once. */
  async function connect(): Promise<void> {
    const current = await connection.connect()
    const registered = await registration.ensure(current)
    log.info(
      { user: current.user?.tag, guilds: current.guilds.cache.size, commands: registered },
      'discord adapter ready',
    )
  }

  return {
    platform: 'discord',
    get client() {
      return connection.client
    },

    start: connect,

    async restart() {
      if (connection.stopped) return
      await connection.rebuild()
      await connect()
    },

    stop: () => connection.close(),

    healthy: () => connection.healthy(),

    surfaceFor(chat: ChatRef): Surface {
      return new DiscordChannelSurface(connection.client, chat.id)
    },
  }
}
