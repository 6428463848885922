import { Telegraf } from 'telegraf'
import type { CommandDef } from '../../commands/define.ts'
import type { Adapter, ChatRef, Herald } from '../../core/contracts/chat.ts'
import { ConfigError } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { type PlatformReporter, type SupervisedClient, unsupervised } from '../../core/contracts/platform.ts'
import type { Surface } from '../../core/contracts/surface.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { CallbackIntake } from './telegram-callbacks.ts'
import { TelegramChats } from './telegram-chats.ts'
import { registerCommands } from './telegram-commands.ts'
import { pollingFailure, tokenRejected, toSurfaceError } from './telegram-errors.ts'
import { TELEGRAM_DOWNLOAD_LIMIT_BYTES } from './telegram-files.ts'
import { MessageIntake } from './telegram-messages.ts'
import { PollingLoop } from './telegram-polling.ts'
import { routeUpdates } from './telegram-routing.ts'
import type { BotIdentity } from './telegram-triggers.ts'
import { type HttpHandler, type HttpRoutes, WebhookMode } from './telegram-webhook.ts'

/**
 * Telegram for Herald, with telegraf: updates become Invocations and ButtonPresses handed to the
 * Herald without waiting for the answer (telegram-routing.ts), and each chat gets a Surface.
 * Long polling by default (telegram-polling.ts); webhook mode when `webhookUrl` is set, served on
 * Herald's HTTP server (telegram-webhook.ts).
 *
 * @example
 *   const telegram = createTelegramAdapter({ config: config.telegram, herald, commands, log, httpServer })
 *   await telegram.start()
 */

export { pollingFailure } from './telegram-errors.ts'
export { telegramChatRef } from './telegram-refs.ts'

/** The Telegram part of the configuration (TELEGRAM_* variables). */
export interface TelegramConfig {
  token: string
  apiRoot: string
  webhookUrl?: string
  webhookSecret: string
  adminIds: string[]
  /** Stream private-chat answers as sendMessageDraft previews (no Stop button while streaming). */
  drafts: boolean
}

export interface TelegramAdapterOptions {
  config: TelegramConfig
  herald: Herald
  commands: readonly CommandDef<unknown>[]
  log: Logger
  /** Where the webhook path is served in webhook mode (registered in `start()`, before `setWebhook`). */
  httpServer?: HttpRoutes
  /** Photos larger than this are refused before downloading. Default: Telegram's 20 MB getFile limit. */
  maxImageBytes?: number
  fetch?: typeof globalThis.fetch
  /**
   * The chats' lanes (Herald's LaneRegistry): short replies then wait their turn with the answers'
   * edits and honour a running retry_after, instead of being refused by Telegram's flood control.
   */
  lanes?: LaneRegistry
  /** Where polling trouble and failures go (the platform's supervisor); the adapter keeps no retry loop. */
  reporter?: PlatformReporter
}

export interface TelegramAdapter extends Adapter, SupervisedClient {
  readonly mode: 'polling' | 'webhook'
  /** Webhook mode: the path of `webhookUrl` and the handler for it (401 on a wrong secret). */
  readonly webhook: { path: string; handler: HttpHandler } | undefined
}

export function createTelegramAdapter(options: TelegramAdapterOptions): TelegramAdapter {
  return new TelegramBot(options)
}

type State = 'idle' | 'starting' | 'running' | 'stopped' | 'failed'

/** One telegraf client and its lifecycle; the collaborators do the rest. */
class TelegramBot implements TelegramAdapter {
  readonly platform = 'telegram'
  readonly mode: 'polling' | 'webhook'
  readonly webhook: WebhookMode | undefined
  private readonly bot: Telegraf
  private readonly config: TelegramConfig
  private readonly commands: readonly CommandDef<unknown>[]
  private readonly log: Logger
  private readonly httpServer: HttpRoutes | undefined
  private readonly chats: TelegramChats
  private readonly polling: PollingLoop
  private state: State = 'idle'
  private me: BotIdentity | undefined
  private commandsRegistered = false

  /** Updates are taken, and webhook posts accepted, only while the adapter runs. */
  private readonly isOpen = () => this.state === 'running'

  constructor(options: TelegramAdapterOptions) {
    const { config } = options
    this.config = config
    this.commands = options.commands
    this.log = options.log.child({ adapter: 'telegram' })
    this.httpServer = options.httpServer
    const apiRoot = config.apiRoot.endsWith('/') ? config.apiRoot : `${config.apiRoot}/`
    this.bot = new Telegraf(config.token, { telegram: { apiRoot, webhookReply: false } })
    this.chats = new TelegramChats(this.bot.telegram, options.lanes)
    this.takeUpdates(options)
    this.webhook =
      config.webhookUrl === undefined
        ? undefined
        : new WebhookMode({
            url: config.webhookUrl,
            secret: config.webhookSecret,
            handleUpdate: (update) => this.bot.handleUpdate(update),
            isOpen: this.isOpen,
            log: this.log,
          })
    this.mode = this.webhook ? 'webhook' : 'polling'
    this.polling = new PollingLoop(this.bot, {
      reporter: options.reporter ?? unsupervised,
      isRunning: this.isOpen,
      log: this.log,
    })
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`telegram adapter cannot start: it is ${this.state}`)
    this.state = 'starting'
    await this.serveOrFail(toSurfaceError)
  }

  async restart(): Promise<void> {
    if (this.state === 'stopped') return
    this.state = 'starting'
    await this.polling.stop()
    await this.serveOrFail(pollingFailure)
  }

  async stop(): Promise<void> {
    this.state = 'stopped'
    await this.polling.stop()
  }

  healthy(): boolean {
    return this.state === 'running' && (this.webhook !== undefined || this.polling.healthy)
  }

  surfaceFor(chat: ChatRef): Surface {
    return this.chats.surface(chat)
  }

  /** Messages and button presses become Herald's events, each through its intake. */
  private takeUpdates(options: TelegramAdapterOptions): void {
    const { telegram } = this.bot
    const { herald, commands } = options
    const { chats, log } = this
    const admins = new Set(this.config.adminIds)
    const messages = new MessageIntake({
      telegram,
      herald,
      commands,
      chats,
      admins,
      maxImageBytes: options.maxImageBytes ?? TELEGRAM_DOWNLOAD_LIMIT_BYTES,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      me: () => this.me,
      log,
    })
    const callbacks = new CallbackIntake({ telegram, herald, chats, admins, log })
    routeUpdates(this.bot, {
      message: (updateId, message) => messages.take(updateId, message),
      callbackQuery: (updateId, query) => callbacks.take(updateId, query),
      isOpen: this.isOpen,
      log,
    })
  }

  /** Connects and serves; a failure leaves the adapter failed, as a ConfigError or as `failure` maps it. */
  private async serveOrFail(failure: (err: unknown) => Error): Promise<void> {
    try {
      await this.connect()
      await this.serve()
    } catch (err) {
      this.state = 'failed'
      throw err instanceof ConfigError ? err : failure(err)
    }
  }

  /** Learns who the bot is and sets its command menus, once each: a restart only serves again. */
  private async connect(): Promise<void> {
    if (!this.me) {
      try {
        this.bot.botInfo = await this.bot.telegram.getMe()
      } catch (err) {
        throw tokenRejected(err, 'check the token from @BotFather') ?? toSurfaceError(err)
      }
      this.me = { id: this.bot.botInfo.id, username: this.bot.botInfo.username }
    }
    if (!this.commandsRegistered) {
      const { telegram } = this.bot
      await registerCommands({
        telegram,
        commands: this.commands,
        adminIds: this.config.adminIds,
        log: this.log,
      })
      this.commandsRegistered = true
    }
  }

  private async serve(): Promise<void> {
    if (!this.webhook) {
      this.state = 'running'
      return this.polling.start()
    }
    await this.webhook.serve(this.bot.telegram, this.httpServer)
    this.state = 'running'
    this.log.info({ bot: this.me?.username, path: this.webhook.path }, 'telegram: webhook set')
  }
}
