import { Telegraf, type Telegram, TelegramError } from 'telegraf'
import type { CallbackQuery, Chat, Message, User } from 'telegraf/types'
import { type CommandDef, parseTextArgs } from '../../commands/define.ts'
import type {
  Adapter,
  ButtonPress,
  ChatRef,
  Herald,
  Invocation,
  NotifyOptions,
  Problem,
  UserRef,
} from '../../core/contracts/chat.ts'
import { ConfigError, SurfaceError } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { type PlatformReporter, type SupervisedClient, unsupervised } from '../../core/contracts/platform.ts'
import type { MessageRef } from '../../core/contracts/surface.ts'
import { postText } from '../../core/live/live-message.ts'
import { toTelegramHtml } from '../../core/live/render-telegram-html.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { audioOf } from './telegram-audio.ts'
import { registerCommands } from './telegram-commands.ts'
import { documentOf } from './telegram-document.ts'
import { toSurfaceError } from './telegram-errors.ts'
import { photoImage, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from './telegram-photo.ts'
import { createSurfaceShared, createTelegramSurface } from './telegram-surface.ts'
import { type BotIdentity, classifyMessage, isAnonymousAdmin } from './telegram-triggers.ts'
import { createWebhookHandler, type HttpHandler, type HttpRoutes } from './telegram-webhook.ts'

/**
 * Telegram for Herald, with telegraf: updates become Invocations and ButtonPresses handed to the
 * Herald without waiting for the answer (long polling awaits every handler of a batch, so one long
 * answer must never hold another chat), and each chat gets a Surface.
 * Long polling by default; webhook mode when `webhookUrl` is set, served on Herald's HTTP server.
 *
 * @example
 *   const telegram = createTelegramAdapter({ config: config.telegram, herald, commands, log, httpServer })
 *   await telegram.start()
 */
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

const ALLOWED_UPDATES = ['message', 'callback_query'] as const

export function telegramChatRef(chat: Pick<Chat, 'id' | 'type'>): ChatRef {
  const id = String(chat.id)
  return {
    platform: 'telegram',
    id,
    kind: chat.type === 'private' ? 'private' : 'group',
    key: `telegram:${id}`,
  }
}

/** Reports every getUpdates of the polling loop, so `start()` and the supervisor know the connection. */
function observePolling(
  telegram: Telegram,
  onPoll: (phase: 'sent' | 'ok' | 'failed', err?: unknown) => void,
): void {
  const callApi = telegram.callApi.bind(telegram)
  const observed = async (method: string, payload: unknown, options?: unknown) => {
    const call = callApi as unknown as (m: string, p: unknown, o?: unknown) => Promise<unknown>
    if (method !== 'getUpdates') return call(method, payload, options)
    onPoll('sent')
    try {
      const result = await call(method, payload, options)
      onPoll('ok')
      return result
    } catch (err) {
      onPoll('failed', err)
      throw err
    }
  }
  telegram.callApi = observed as typeof telegram.callApi
}

/** The getUpdates failures telegraf's polling loop sleeps on and retries (network, 429, 5xx). */
function retriedByTelegraf(err: unknown): boolean {
  if (err instanceof TelegramError) return err.code === 429 || err.code >= 500
  return err instanceof Error && err.name === 'FetchError'
}

/**
 * Why polling ended, as the supervisor acts on it: a refused token needs a person (ConfigError);
 * a conflict with another poller, like any other failure, is retried.
 */
export function pollingFailure(err: unknown): Error {
  if (err instanceof TelegramError && (err.code === 401 || err.code === 404)) {
    return new ConfigError(
      'TELEGRAM_BOT_TOKEN',
      `rejected by the Bot API (${err.code}): the token was revoked or reset; set the current one from @BotFather`,
    )
  }
  if (err instanceof TelegramError && err.code === 409) {
    const what = /webhook/i.test(err.description)
      ? 'a webhook is set for this bot token (409 Conflict): another process runs in webhook mode'
      : 'another process is polling with this bot token (409 Conflict)'
    return new SurfaceError(`telegram: ${what}`, true, { cause: err })
  }
  return toSurfaceError(err)
}

export function createTelegramAdapter(options: TelegramAdapterOptions): TelegramAdapter {
  const { config, herald, commands } = options
  const log = options.log.child({ adapter: 'telegram' })
  const apiRoot = config.apiRoot.endsWith('/') ? config.apiRoot : `${config.apiRoot}/`
  const bot = new Telegraf(config.token, { telegram: { apiRoot, webhookReply: false } })
  const telegram = bot.telegram
  const shared = createSurfaceShared()
  const admins = new Set(config.adminIds)
  const promptOption = commands.find((c) => c.name === 'ask')?.textOption ?? 'prompt'
  const maxImageBytes = options.maxImageBytes ?? TELEGRAM_DOWNLOAD_LIMIT_BYTES
  const fetchOption = options.fetch ? { fetch: options.fetch } : {}
  const reporter = options.reporter ?? unsupervised
  let me: BotIdentity | undefined
  let commandsRegistered = false
  let state: 'idle' | 'starting' | 'running' | 'stopped' | 'failed' = 'idle'
  let pollHealthy = false
  let launched: Promise<void> | undefined
  /** Resolves when the current polling loop sends its first getUpdates. */
  let firstPoll: (() => void) | undefined

  const userRef = (from: User): UserRef => {
    const ref: UserRef = {
      platform: 'telegram',
      id: String(from.id),
      name: [from.first_name, from.last_name].filter(Boolean).join(' ') || from.username || String(from.id),
      isAdmin: admins.has(String(from.id)),
    }
    if (from.language_code) ref.locale = from.language_code
    return ref
  }

  /** The person behind a message; an anonymous admin is the group itself, never an admin of Herald. */
  const senderOf = (message: Message): UserRef => {
    if (!isAnonymousAdmin(message) || !message.sender_chat) return userRef(message.from!)
    const group = message.sender_chat
    const signature = 'author_signature' in message ? message.author_signature : undefined
    return {
      platform: 'telegram',
      id: String(group.id),
      name: signature ?? ('title' in group ? group.title : String(group.id)),
      isAdmin: false,
    }
  }

  const surfaceOf = (chat: ChatRef, replyTo?: number, threadId?: number) =>
    createTelegramSurface({
      telegram,
      chat,
      shared,
      ...(replyTo !== undefined ? { replyToMessageId: replyTo } : {}),
      ...(threadId !== undefined ? { threadId } : {}),
    })

  /** Short lines (Markdown) outside an answer, through the chat's lane when there is one. */
  const notifier =
    (chat: ChatRef, replyTo?: number, threadId?: number) =>
    async (text: string, notifyOptions?: NotifyOptions): Promise<MessageRef | undefined> => {
      const surface = surfaceOf(chat, replyTo, threadId)
      const buttons = notifyOptions?.buttons
      if (!options.lanes) {
        return surface.send({
          text: toTelegramHtml(text),
          format: 'telegram-html',
          ...(buttons ? { buttons } : {}),
        })
      }
      const posted = await postText(surface, options.lanes, text, buttons ? { finalButtons: buttons } : {})
      if (posted.outcome !== 'delivered')
        throw posted.error ?? new Error(`telegram notify: ${posted.outcome}`)
      return posted.messages[0]?.ref
    }

  /** Runs Herald's part without holding the update handler; failures are logged, never thrown. */
  const detach = (what: string, context: Record<string, unknown>, run: () => Promise<unknown>) => {
    let promise: Promise<unknown>
    try {
      promise = run()
    } catch (err) {
      promise = Promise.reject(err)
    }
    promise.catch((err: unknown) => log.error({ err, ...context }, `telegram: ${what} failed`))
  }

  function onMessage(updateId: number, message: Message): void {
    if (state !== 'running' || !me || !message.from) return
    const trigger = classifyMessage(message, me, commands)
    if (!trigger) return
    const chat = telegramChatRef(message.chat)
    const threadId =
      'is_topic_message' in message && message.is_topic_message ? message.message_thread_id : undefined
    const notify = notifier(chat, message.message_id, threadId)
    const context = { updateId, chat: chat.key }
    let command = 'ask'
    let args: Record<string, string | boolean> = {
      [promptOption]: trigger.kind === 'prompt' ? trigger.text : '',
    }
    let problem: Problem | undefined
    if (trigger.kind === 'command') {
      // Unreadable arguments still go to Herald: it answers in the person's language, and runs nothing.
      const parsed = parseTextArgs(trigger.command, trigger.argsText)
      command = trigger.command.name
      args = parsed.ok ? parsed.args : {}
      if (!parsed.ok) problem = parsed.problem
    }
    const photo =
      'photo' in message
        ? photoImage({ telegram, sizes: message.photo, maxBytes: maxImageBytes, ...fetchOption })
        : undefined
    const audio = audioOf(message, telegram, fetchOption.fetch)
    const document = documentOf(message, telegram, fetchOption.fetch)
    const replied = 'reply_to_message' in message ? message.reply_to_message : undefined
    const invocation: Invocation = {
      eventId: `telegram:update:${updateId}`,
      command,
      args,
      user: senderOf(message),
      chat,
      images: photo ? [photo] : [],
      ...(audio ? { audio } : {}),
      ...(document ? { documents: [document] } : {}),
      surface: surfaceOf(chat, message.message_id, threadId),
      notify,
      ...(replied && replied.from?.id === me.id ? { replyTo: String(replied.message_id) } : {}),
      ...(problem ? { problem } : {}),
    }
    log.debug({ ...context, command }, 'telegram invocation')
    detach('handle', context, () => herald.handle(invocation))
  }

  function onCallbackQuery(updateId: number, query: CallbackQuery): void {
    if (state !== 'running') return
    const answerQuery = (text?: string) =>
      telegram
        .callApi('answerCallbackQuery', {
          callback_query_id: query.id,
          ...(text ? { text, show_alert: false } : {}),
        })
        .then(
          () => undefined,
          (err: unknown) => {
            // A press older than Telegram keeps queries for (a restart, a slow answer) can no longer be answered.
            if (err instanceof TelegramError && /query is too old/i.test(err.description)) {
              log.debug({ updateId }, 'telegram: callback query expired')
              return undefined
            }
            return Promise.reject(toSurfaceError(err))
          },
        )
    const message = query.message
    const context = { updateId }
    if (!('data' in query) || !message) {
      detach('answer', context, () => answerQuery())
      return
    }
    const chat = telegramChatRef(message.chat)
    let answered = false
    const press: ButtonPress = {
      eventId: `telegram:update:${updateId}`,
      data: query.data,
      user: userRef(query.from),
      chat,
      message: { id: String(message.message_id), chatId: chat.id },
      surface: surfaceOf(chat),
      answer: (text) => {
        answered = true
        return answerQuery(text)
      },
      notify: notifier(chat),
    }
    detach('press', { ...context, chat: chat.key }, async () => {
      try {
        await herald.press(press)
      } finally {
        // Telegram shows a spinner on the button until the query is answered.
        if (!answered) await answerQuery()
      }
    })
  }

  bot.catch((err, ctx) =>
    log.error({ err, updateId: ctx.update.update_id }, 'telegram: update handler failed'),
  )
  bot.on('message', (ctx) => onMessage(ctx.update.update_id, ctx.message))
  bot.on('callback_query', (ctx) => onCallbackQuery(ctx.update.update_id, ctx.callbackQuery))

  const webhook =
    config.webhookUrl === undefined
      ? undefined
      : {
          path: new URL(config.webhookUrl).pathname,
          handler: createWebhookHandler({
            secret: config.webhookSecret,
            handleUpdate: (update) => bot.handleUpdate(update),
            isOpen: () => state === 'running',
            log,
          }),
        }

  observePolling(telegram, (phase, err) => {
    if (phase === 'sent') {
      firstPoll?.()
      firstPoll = undefined
      return
    }
    if (state !== 'running') return
    pollHealthy = phase === 'ok'
    if (phase === 'ok') reporter.up()
    // What telegraf retries itself is trouble; anything else ends the loop and is reported as failed.
    else if (retriedByTelegraf(err)) reporter.trouble(`getUpdates failed: ${toSurfaceError(err).message}`)
  })

  async function connect(): Promise<void> {
    if (!me) {
      try {
        bot.botInfo = await telegram.getMe()
      } catch (err) {
        if (err instanceof TelegramError && (err.code === 401 || err.code === 404)) {
          throw new ConfigError(
            'TELEGRAM_BOT_TOKEN',
            `rejected by the Bot API (${err.code}): check the token from @BotFather`,
          )
        }
        throw toSurfaceError(err)
      }
      me = { id: bot.botInfo.id, username: bot.botInfo.username }
    }
    if (!commandsRegistered) {
      await registerCommands({ telegram, commands, adminIds: config.adminIds, log })
      commandsRegistered = true
    }
  }

  /** Starts a polling loop; resolves once its first getUpdates is sent. */
  async function startPolling(): Promise<void> {
    const polling = new Promise<void>((resolve) => {
      firstPoll = resolve
    })
    state = 'running'
    pollHealthy = true
    const run = bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] })
    const current: Promise<void> = run.then(
      () => {
        pollHealthy = false
        // The loop ends by itself only when stopped: ending otherwise is a failure to report.
        if (state === 'running' && launched === current) reporter.failed(new Error('telegram: polling ended'))
      },
      (err: unknown) => {
        pollHealthy = false
        if (state === 'running' && launched === current) reporter.failed(pollingFailure(err))
      },
    )
    launched = current
    await Promise.race([polling, run])
    log.info({ bot: me?.username }, 'telegram: long polling')
  }

  /** Ends the running polling loop, if any, and waits for it. */
  async function stopPolling(): Promise<void> {
    const running = launched
    if (!running) return
    launched = undefined
    try {
      bot.stop('herald stopping')
    } catch {
      // polling had already ended
    }
    await running
  }

  async function connectAndServe(): Promise<void> {
    await connect()
    if (!webhook) return startPolling()
    options.httpServer?.route(webhook.path, webhook.handler)
    await telegram.setWebhook(config.webhookUrl!, {
      secret_token: config.webhookSecret,
      allowed_updates: [...ALLOWED_UPDATES],
    })
    state = 'running'
    log.info({ bot: me?.username, path: webhook.path }, 'telegram: webhook set')
  }

  return {
    platform: 'telegram',
    mode: webhook ? 'webhook' : 'polling',
    webhook,
    async start() {
      if (state !== 'idle') throw new Error(`telegram adapter cannot start: it is ${state}`)
      state = 'starting'
      try {
        await connectAndServe()
      } catch (err) {
        state = 'failed'
        throw err instanceof ConfigError ? err : toSurfaceError(err)
      }
    },
    async restart() {
      if (state === 'stopped') return
      state = 'starting'
      await stopPolling()
      try {
        await connectAndServe()
      } catch (err) {
        state = 'failed'
        throw err instanceof ConfigError ? err : pollingFailure(err)
      }
    },
    async stop() {
      state = 'stopped'
      await stopPolling()
    },
    healthy: () => state === 'running' && (webhook !== undefined || pollHealthy),
    surfaceFor: (chat) => surfaceOf(chat),
  }
}
