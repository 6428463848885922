import {
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  DiscordjsErrorCodes,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  Partials,
  Status,
  ThreadAutoArchiveDuration,
} from 'discord.js'
import type { CommandDef } from '../../commands/define.ts'
import type {
  Adapter,
  ButtonPress,
  ChatRef,
  Herald,
  Invocation,
  NotifyOptions,
} from '../../core/contracts/chat.ts'
import { type Clock, systemClock } from '../../core/contracts/clock.ts'
import { ConfigError, SurfaceError } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { type PlatformReporter, type SupervisedClient, unsupervised } from '../../core/contracts/platform.ts'
import type { MessageRef, Rendered, Surface } from '../../core/contracts/surface.ts'
import { postText } from '../../core/live/live-message.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { registerCommands } from './discord-commands.ts'
import { AnswerMessageIds, deletedMessages } from './discord-deletions.ts'
import { describeError, toSurfaceError, withRateLimitRetry } from './discord-errors.ts'
import {
  type AdminPolicy,
  argsOf,
  audioOf,
  canOpenThread,
  chatRefOf,
  documentsOf,
  imagesOf,
  promptOf,
  slashImagesOf,
  userRefOf,
} from './discord-events.ts'
import { gatewayCloseError, guardPackets } from './discord-gateway.ts'
import { DiscordInteractionSurface, InteractionReplies } from './discord-interaction-surface.ts'
import { discordRequest } from './discord-request.ts'
import { chatKeyOf, DiscordChannelSurface, discordLimits, noPings } from './discord-surface.ts'

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

const MARKDOWN = 'discord-markdown' as const

export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const { config, herald, log } = options
  const clock = options.clock ?? systemClock
  const reporter = options.reporter ?? unsupervised
  const admins: AdminPolicy = { adminIds: config.adminIds, adminRoleIds: config.adminRoleIds }
  const askOption = options.commands.find((c) => c.name === 'ask')?.textOption ?? 'prompt'
  const answerIds = new AnswerMessageIds()
  let stopped = false
  let registration: Awaited<ReturnType<typeof registerCommands>> | 'left to shard 0' | undefined
  /** Rejects the connection under way (login until ready) when its client fails first. */
  let connecting: ((err: unknown) => void) | undefined
  let client = buildClient()

  /** A client that fails reports to the supervisor; one replaced by a rebuild says nothing more. */
  function fail(from: Client, err: unknown): void {
    if (from !== client || stopped) return
    if (connecting) connecting(err)
    else reporter.failed(err)
  }

  function buildClient(): Client {
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
        api: config.apiRoot,
        rejectOnRateLimit: () => true,
        offset: discordDefaults.rateLimitMarginMs,
        makeRequest: discordRequest,
      },
    })
    const current = () => built === client && !stopped
    // Without an `error` listener, an error event (a throwing listener included) kills the process.
    built.on(Events.Error, (err) => log.error({ err }, 'discord client error'))
    built.on(Events.Warn, (message) => log.warn({ message }, 'discord client warning'))
    built.on(Events.ShardDisconnect, (event) => fail(built, gatewayCloseError(event.code)))
    built.on(Events.ShardReconnecting, () => {
      if (current()) reporter.trouble('discord: gateway connection lost; reconnecting')
    })
    built.on(Events.ShardResume, () => {
      if (current()) reporter.up()
    })
    built.on(Events.ShardReady, () => {
      if (current()) reporter.up()
    })
    built.on(Events.InteractionCreate, (interaction) =>
      detached(() => onInteraction(interaction), 'interaction'),
    )
    built.on(Events.MessageCreate, (message) => detached(() => onMessage(message), 'message'))
    // Raw dispatches: discord.js emits messageDelete only for messages in its cache (or as partials).
    built.on(Events.Raw, (packet: { t?: unknown; d?: unknown }) => {
      try {
        for (const { channelId, messageId } of deletedMessages(packet)) {
          const answerId = answerIds.answerIdOf(messageId)
          if (answerId !== undefined) herald.onMessageDeleted?.(chatKeyOf(channelId), answerId)
        }
      } catch (err) {
        log.error({ err }, 'discord message deletion handling failed')
      }
    })
    guardPackets(built, {
      log,
      onBroken: (event, err) =>
        fail(built, new SurfaceError(`discord: discord.js failed on ${event}: ${describeError(err)}`, true)),
    })
    return built
  }

  /** Runs work outside the event listener; nothing it throws reaches discord.js. */
  function detached(work: () => Promise<void>, what: string): void {
    try {
      work().catch((err: unknown) => log.error({ err, what }, 'discord event handling failed'))
    } catch (err) {
      log.error({ err, what }, 'discord event handling failed')
    }
  }

  function rendered(text: string, notify: NotifyOptions = {}): Rendered {
    return notify.buttons ? { text, format: MARKDOWN, buttons: notify.buttons } : { text, format: MARKDOWN }
  }

  /** A short visible line in a chat: through the chat's lane when there is one. */
  async function postNotice(surface: Surface, text: string, notify: NotifyOptions): Promise<MessageRef> {
    if (!options.lanes) return withRateLimitRetry(() => surface.send(rendered(text, notify)), clock)
    const buttons = notify.buttons
    const posted = await postText(surface, options.lanes, text, buttons ? { finalButtons: buttons } : {})
    const first = posted.messages[0]?.ref
    if (posted.outcome !== 'delivered' || !first)
      throw posted.error ?? new Error(`discord notify: ${posted.outcome}`)
    return first
  }

  function threadOpener(channelId: string, startMessage?: Message): (name: string) => Promise<Surface> {
    return async (name) => {
      const threadName = name.trim().slice(0, discordLimits.threadNameChars) || 'Herald'
      try {
        const thread = await withRateLimitRetry(async () => {
          if (startMessage) {
            return startMessage.startThread({
              name: threadName,
              autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
            })
          }
          const channel = await client.channels.fetch(channelId)
          if (channel?.type !== ChannelType.GuildText)
            throw new Error(`channel ${channelId} cannot hold threads`)
          return channel.threads.create({
            name: threadName,
            autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
          })
        }, clock)
        return new DiscordChannelSurface(client, thread.id)
      } catch (err) {
        throw toSurfaceError(err)
      }
    }
  }

  async function onInteraction(interaction: Interaction): Promise<void> {
    if (stopped || (!interaction.isChatInputCommand() && !interaction.isButton())) return
    const replies = new InteractionReplies({
      client,
      interaction,
      clock,
      log,
      handoverAfterMs: options.handoverAfterMs ?? discordDefaults.handoverAfterMs,
      handoverNotice: options.handoverNotice?.(interaction.locale) ?? discordDefaults.handoverNotice,
      onMoved: (from, to) => answerIds.moved(from, to.id),
    })
    try {
      await replies.acknowledge()
    } catch (err) {
      log.warn(
        { interaction: interaction.id, err: toSurfaceError(err).message },
        'discord interaction not acknowledged',
      )
      return
    }
    if (interaction.isChatInputCommand()) await handleCommand(interaction, replies)
    else await handlePress(interaction as ButtonInteraction, replies)
  }

  function interactionParts(
    interaction: ChatInputCommandInteraction | ButtonInteraction,
    replies: InteractionReplies,
  ) {
    const channelId = interaction.channelId as string
    const parts = {
      user: userRefOf(interaction.user, interaction.member, interaction.guildId, admins, interaction.locale),
      chat: chatRefOf(interaction.channel, channelId, interaction.guildId, interaction.guildLocale),
      surface: new DiscordInteractionSurface(replies),
      notify: (text: string, notify: NotifyOptions = {}): Promise<MessageRef | undefined> =>
        notify.ephemeral === true
          ? withRateLimitRetry(() => replies.post(rendered(text, notify), true), clock)
          : postNotice(new DiscordInteractionSurface(replies), text, notify),
    }
    return canOpenThread(interaction.channel) ? { ...parts, openThread: threadOpener(channelId) } : parts
  }

  async function handleCommand(
    interaction: ChatInputCommandInteraction,
    replies: InteractionReplies,
  ): Promise<void> {
    const invocation: Invocation = {
      eventId: `discord:interaction:${interaction.id}`,
      command: interaction.commandName,
      args: argsOf(interaction),
      images: slashImagesOf(interaction, commandOptions(interaction.commandName)),
      ...interactionParts(interaction, replies),
    }
    try {
      await herald.handle(invocation)
    } finally {
      await replies.closePlaceholder()
    }
  }

  function commandOptions(name: string): CommandDef<unknown>['options'] {
    return options.commands.find((c) => c.name === name)?.options ?? []
  }

  async function handlePress(interaction: ButtonInteraction, replies: InteractionReplies): Promise<void> {
    const press: ButtonPress = {
      eventId: `discord:interaction:${interaction.id}`,
      data: interaction.customId,
      message: { id: interaction.message.id, chatId: interaction.channelId },
      // The press is already acknowledged (deferUpdate); a text answer is an ephemeral follow-up.
      answer: async (text) => {
        if (text === undefined || text === '') return
        await withRateLimitRetry(() => replies.post(rendered(text), true), clock)
      },
      ...interactionParts(interaction, replies),
    }
    await herald.press(press)
  }

  async function onMessage(message: Message): Promise<void> {
    if (stopped || !client.user) return
    const prompt = promptOf(message, client.user.id)
    if (!prompt) return
    const invocation: Invocation = {
      eventId: `discord:message:${message.id}`,
      command: 'ask',
      args: { [askOption]: prompt.text },
      user: userRefOf(message.author, message.member, message.guildId, admins),
      chat: chatRefOf(message.channel, message.channelId, message.guildId, message.guild?.preferredLocale),
      images: imagesOf(message),
      surface: new DiscordChannelSurface(client, message.channelId, message.id),
      // Notices reply to the user's message; Discord has no ephemeral messages outside interactions.
      notify: (text, notify = {}) =>
        postNotice(new DiscordChannelSurface(client, message.channelId, message.id), text, notify),
    }
    if (prompt.replyTo !== undefined) invocation.replyTo = prompt.replyTo
    const audio = audioOf(message)
    if (audio) invocation.audio = audio
    const documents = documentsOf(message)
    if (documents.length > 0) invocation.documents = documents
    if (canOpenThread(message.channel)) invocation.openThread = threadOpener(message.channelId, message)
    await herald.handle(invocation)
  }

  /** Logs in with the current client and waits for it to be ready; registers the commands once. */
  async function connect(): Promise<void> {
    const current = client
    const ready = new Promise<void>((resolve, reject) => {
      current.once(Events.ClientReady, () => resolve())
      connecting = reject
    })
    // A failure during login rejects both login() and this; login's rejection is the one thrown.
    ready.catch(() => {})
    try {
      await current.login(config.token)
      await ready
    } catch (err) {
      await current.destroy()
      throw loginError(err)
    } finally {
      connecting = undefined
    }
    // Under discord.js sharding every shard process starts an adapter; the one with shard 0 registers.
    const registers = current.shard === null || current.shard.ids.includes(0)
    registration ??= registers
      ? await registerCommands({
          rest: current.rest,
          applicationId: current.application?.id ?? (current.user?.id as string),
          guildIds: config.guildIds,
          commands: options.commands,
          clock,
          log,
        })
      : 'left to shard 0'
    log.info(
      { user: current.user?.tag, guilds: current.guilds.cache.size, commands: registration },
      'discord adapter ready',
    )
  }

  /**
   * Closes a client's gateway connection. destroy() also forgets the token of the REST client:
   * running answers still edit their messages through it (during a shutdown's grace period, or
   * across a rebuild), so it gets it back (REST keeps no timers).
   */
  async function disconnect(old: Client): Promise<void> {
    await old.destroy()
    old.rest.setToken(config.token)
  }

  return {
    platform: 'discord',
    get client() {
      return client
    },

    start: connect,

    async restart() {
      if (stopped) return
      const old = client
      client = buildClient()
      await disconnect(old)
      await connect()
    },

    async stop() {
      stopped = true
      connecting?.(new Error('discord adapter stopped'))
      await disconnect(client)
    },

    healthy() {
      return !stopped && client.ws.status === Status.Ready
    },

    surfaceFor(chat: ChatRef): Surface {
      return new DiscordChannelSurface(client, chat.id)
    },
  }
}

/** Operator errors at login, in words that say what to do. */
function loginError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (code === DiscordjsErrorCodes.TokenInvalid) {
    return new ConfigError(
      'DISCORD_TOKEN',
      'rejected by Discord (401): reset it in the Developer Portal (Bot → Reset Token)',
    )
  }
  if (code === DiscordjsErrorCodes.DisallowedIntents || /disallowed intent/i.test(message)) {
    return new ConfigError(
      'DISCORD_TOKEN',
      'the bot may not use the Message Content intent: enable it in the Developer Portal (Bot → Privileged Gateway Intents)',
    )
  }
  return err
}
