import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vi } from 'vitest'
import { type Config, type Env, loadConfig, secretsOf } from '../../src/app/config.ts'
import { type Running, type StartOptions, startHerald } from '../../src/app/lifecycle.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import type { Store } from '../../src/core/store/store.ts'
import type { FakeDiscord, FakeDiscordOptions } from '../fakes/fake-discord.ts'
import {
  type FakeResponsesApi,
  type FakeResponsesApiOptions,
  startFakeResponsesApi,
} from '../fakes/fake-responses-api.ts'
import type { FakeTelegram, FakeTelegramOptions } from '../fakes/fake-telegram.ts'

/**
 * The whole bot under test: the fakes it talks to (the Responses API, Telegram and/or Discord), a
 * fresh SQLite store, and Herald itself started as `npm start` starts it (`loadConfig` from
 * environment variables, then `startHerald`: services, dispatcher, adapters, HTTP server), with
 * every log line and start-up line captured. More bots can join the same fakes and store (a second
 * replica, a restart). The e2e and reliability harnesses are views of this one stack.
 *
 * @example
 *   const stack = await startBotStack({ telegram: true })
 *   stack.responses.route = answerBy((prompt) => `You said ${prompt}`)
 *   stack.telegram!.userSays({ chat: { id: 42, type: 'private' }, text: 'hi' })
 *   await stack.answersFinished(1)
 *   await stack.close()
 */
export const BOT_STACK_OPENAI_KEY = 'sk-stack-SECRET-0123456789abcdef'

export interface BotStackOptions {
  /** The fake Telegram: its options, or `true` for its defaults. Off unless given. */
  telegram?: FakeTelegramOptions | boolean
  /** The fake Discord: its options (heartbeat every 5 s unless set), or `true`. Off unless given. */
  discord?: FakeDiscordOptions | boolean
  responses?: FakeResponsesApiOptions
  /** More variables (or overrides) for every bot of the stack. */
  env?: Env
  /** Put an UpstreamTap between the bots and the fake Responses API (to see aborted streams). */
  tap?: boolean
  /** Give each bot an HTTP port of its own (/healthz, /metrics, webhooks) unless `HTTP_PORT` is set. */
  http?: boolean
  /** An existing SQLite file (to share across stacks); default a fresh one, removed on close. */
  storeFile?: string
  /** Opens the store of each bot (e.g. Redis under a test's own prefix); default `STORE_URL`. */
  store?: () => Promise<Store>
  /** The platforms' retry delays for every bot (default: 1 s doubling to 60 s). */
  platformBackoff?: StartOptions['platformBackoff']
  /** When a Discord interaction answer moves to a channel message (default 14 min). */
  discordHandoverAfterMs?: number
}

export interface LogCapture {
  /** Raw JSON lines as pino wrote them (after Herald's own secret scrubbing). */
  readonly lines: string[]
  /** The same lines parsed, kept in step with `lines`. */
  readonly entries: Record<string, unknown>[]
  records(): Record<string, unknown>[]
  /** Records whose `msg` is `message`. */
  find(message: string): Record<string, unknown>[]
}

export function captureLogs(): LogCapture & { write(line: string): void } {
  const lines: string[] = []
  const entries: Record<string, unknown>[] = []
  return {
    lines,
    entries,
    write(line) {
      lines.push(line)
      entries.push(JSON.parse(line) as Record<string, unknown>)
    },
    records: () => [...entries],
    find: (message) => entries.filter((r) => r.msg === message),
  }
}

/** One running Herald of a stack. */
export interface Bot {
  running: Running
  config: Config
  logs: LogCapture
  /** The start-up lines it printed (`herald: telegram ready`). */
  said: string[]
  /** http://127.0.0.1:<port> of its /healthz, /metrics and webhook (empty without an HTTP port). */
  url: string
  stop(): Promise<void>
}

export interface BotOptions extends StartOptions {
  /** An HTTP port of its own unless `HTTP_PORT` is set. */
  http?: boolean
  /** Where its log lines and start-up lines go as well (a stack's own capture). */
  also?: { write(line: string): void; say(line: string): void }
}

/** Starts one Herald from environment variables, as `npm start` does, with logs captured at `LOG_LEVEL` (default debug). */
export async function startBot(env: Env, options: BotOptions = {}): Promise<Bot> {
  const { http, also, ...start } = options
  const port = http && env.HTTP_PORT === undefined ? String(await freePort()) : env.HTTP_PORT
  const config = await loadConfig({ LOG_LEVEL: 'debug', ...env, ...(port ? { HTTP_PORT: port } : {}) })
  const logs = captureLogs()
  const log = createLogger({
    level: config.logLevel,
    secrets: secretsOf(config),
    destination: {
      write(line: string) {
        logs.write(line)
        also?.write(line)
      },
    },
  })
  const said: string[] = []
  const say = (line: string) => {
    said.push(line)
    also?.say(line)
  }
  const running = await startHerald(config, log, say, start)
  let stopped: Promise<void> | undefined
  return {
    running,
    config,
    logs,
    said,
    url: running.httpPort === undefined ? '' : `http://127.0.0.1:${running.httpPort}`,
    stop: () => (stopped ??= running.stop()),
  }
}

export interface BotStack {
  readonly telegram: FakeTelegram | undefined
  readonly discord: FakeDiscord | undefined
  readonly responses: FakeResponsesApi
  readonly tap: UpstreamTap | undefined
  /** The environment every bot starts from. */
  readonly env: Env
  readonly storeFile: string
  /** The bot a test talks about: the first one, replaced by `restart`. */
  readonly bot: Bot
  /** Every bot the stack started, oldest first (restarted ones and those started alongside). */
  readonly bots: readonly Bot[]
  /** Every log line of every bot, in the order they were written. */
  readonly logs: LogCapture
  /** Every start-up line of every bot, in order. */
  readonly said: readonly string[]
  /** Every secret the configuration holds. */
  readonly secrets: string[]
  /** Another bot alongside on the same fakes and store (its own HTTP port), with `env` on top. */
  start(env?: Env, options?: StartOptions): Promise<Bot>
  /** Stops `bot` and starts its successor on the same fakes, store and environment (with `env` on top). */
  restart(env?: Env): Promise<Bot>
  /** `answer finished` log records of every bot. */
  finished(): Record<string, unknown>[]
  /** Resolves with `finished()` once `n` answers in all have finished. */
  answersFinished(n: number, timeoutMs?: number): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

export async function startBotStack(options: BotStackOptions = {}): Promise<BotStack> {
  const dir = options.storeFile === undefined ? mkdtempSync(join(tmpdir(), 'herald-stack-')) : undefined
  const storeFile = options.storeFile ?? join(dir!, 'herald.sqlite')
  const responses = await startFakeResponsesApi(options.responses)
  const tap = options.tap ? await startUpstreamTap(responses.url) : undefined
  // Each fake is loaded only when asked for, as app/lifecycle.ts loads each platform's library.
  const telegram = options.telegram
    ? await (await import('../fakes/fake-telegram.ts')).startFakeTelegram(
        options.telegram === true ? {} : options.telegram,
      )
    : undefined
  const discord = options.discord
    ? await (await import('../fakes/fake-discord.ts')).startFakeDiscord({
        heartbeatIntervalMs: 5000,
        ...(options.discord === true ? {} : options.discord),
      })
    : undefined
  const closeFakes = async () => {
    await telegram?.close()
    await discord?.close()
    await tap?.close()
    await responses.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
  const env: Env = {
    OPENAI_API_KEY: BOT_STACK_OPENAI_KEY,
    OPENAI_BASE_URL: tap?.url ?? responses.url,
    STORE_URL: `sqlite:${storeFile}`,
    SHUTDOWN_GRACE_MS: '500',
    ...(telegram ? { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url } : {}),
    ...(discord
      ? {
          DISCORD_TOKEN: discord.token,
          DISCORD_API_ROOT: discord.apiRoot,
          DISCORD_GUILD_IDS: discord.guild.id,
          DISCORD_ADMIN_ROLE_IDS: discord.adminRole.id,
        }
      : {}),
    ...options.env,
  }
  const logs = captureLogs()
  const said: string[] = []
  const also = { write: logs.write, say: (line: string) => void said.push(line) }
  const bots: Bot[] = []
  const launch = async (more: Env, startOptions: StartOptions = {}): Promise<Bot> => {
    const bot = await startBot(
      { ...env, ...more },
      {
        also,
        ...(options.http ? { http: true } : {}),
        ...(options.platformBackoff ? { platformBackoff: options.platformBackoff } : {}),
        ...(options.discordHandoverAfterMs === undefined
          ? {}
          : { discordHandoverAfterMs: options.discordHandoverAfterMs }),
        ...(options.store && !startOptions.store ? { store: await options.store() } : {}),
        ...startOptions,
      },
    )
    bots.push(bot)
    return bot
  }
  let bot: Bot
  try {
    bot = await launch({})
  } catch (err) {
    await closeFakes()
    throw err
  }
  const finished = () => bots.flatMap((b) => b.logs.find('answer finished'))
  return {
    telegram,
    discord,
    responses,
    tap,
    env,
    storeFile,
    get bot() {
      return bot
    },
    bots,
    logs,
    said,
    get secrets() {
      return secretsOf(bots[0]!.config)
    },
    start: launch,
    async restart(more = {}) {
      await bot.stop()
      bot = await launch(more)
      return bot
    },
    finished,
    answersFinished: (n, timeoutMs = 15_000) =>
      vi.waitFor(
        () => {
          const done = finished()
          if (done.length < n) throw new Error(`${done.length} of ${n} answers finished`)
          return done
        },
        { timeout: timeoutMs, interval: 10 },
      ),
    async close() {
      try {
        await Promise.all(bots.map((b) => b.stop()))
      } finally {
        await closeFakes()
      }
    },
  }
}

/**
 * A proxy in front of the fake Responses API that sees each exchange end: `ended` when the answer
 * was sent to the end, `closed` when Herald closed the connection first (an aborted stream).
 */
export interface UpstreamTap {
  readonly url: string
  readonly exchanges: { path: string; outcome: 'open' | 'ended' | 'closed' }[]
  close(): Promise<void>
}

export async function startUpstreamTap(targetUrl: string): Promise<UpstreamTap> {
  const target = new URL(targetUrl)
  const exchanges: UpstreamTap['exchanges'] = []
  const server: Server = createServer((req, res) => {
    const exchange: UpstreamTap['exchanges'][number] = { path: req.url ?? '/', outcome: 'open' }
    exchanges.push(exchange)
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: `${target.pathname.replace(/\/v1$/, '')}${req.url ?? '/'}`,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        res.flushHeaders()
        answer.pipe(res)
        answer.on('end', () => {
          if (exchange.outcome === 'open') exchange.outcome = 'ended'
        })
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => {
      if (exchange.outcome === 'open') exchange.outcome = res.writableFinished ? 'ended' : 'closed'
      upstream.destroy()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A free TCP port on this machine (for HTTP_PORT, which must be a real port number). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
