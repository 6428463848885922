import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { type Shard, ShardingManager } from 'discord.js'
import type { DiscordConfig } from '../adapters/discord/discord-adapter.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import type { Logger } from '../core/contracts/log.ts'
import type { Env } from './config.ts'
import type { HealthCheck } from './http-server.ts'
import type { Metrics, MetricsSnapshot } from './metrics.ts'

/**
 * Discord sharding (DISCORD_SHARDS): discord.js's own ShardingManager starts one child process per
 * shard, each a Herald that runs Discord only for its shard (discord.js hands it SHARDS and
 * SHARD_COUNT) on the shared store. The child of shard 0 registers the slash commands; buttons and
 * Stop work in whichever process receives them, through the store. A child that dies is started
 * again; `/healthz` reports every shard, and `/metrics` adds up every shard's series with this
 * process's (each shard's process answers a request for them on its IPC channel).
 *
 * @example
 *   const shards = await startDiscordShards({ discord: config.discord, count: 'auto', env, log })
 *   shards.checks()   // [{ name: 'discord-shard-0', check }, …]
 *   await shards.stop()
 */
export interface DiscordShards {
  readonly count: number
  /** One health check per shard: its process runs and its client is ready. */
  checks(): HealthCheck[]
  /** SIGTERM to every shard process (each drains its answers) and waits for them to exit. */
  stop(): Promise<void>
  /** The series of every shard's process that answers within `timeoutMs` (default 2 s). */
  snapshots(timeoutMs?: number): Promise<MetricsSnapshot[]>
}

export interface DiscordShardsOptions {
  discord: DiscordConfig
  count: 'auto' | number
  /** The variables every shard process starts with (it reads its own configuration from them). */
  env: Env
  log: Logger
  /** How long one shard may take to become ready. Default 60 s. */
  readyTimeoutMs?: number
  /** How long stop() waits for the shard processes to drain and exit. Default 30 s. */
  stopTimeoutMs?: number
  /** Receives every line the shard processes print (their logs); without it they share this process's output. */
  output?: (line: string, shard: number) => void
}

/** Discord's rule: `max_concurrency` shards may identify every 5 s; discord.js waits 5.5 s between shards. */
const IDENTIFY_SPACING_MS = 5500

/** The shards run what this process runs: src/main.ts, or dist/src/main.js as `npm start` builds it. */
const ENTRY = fileURLToPath(
  new URL(import.meta.url.endsWith('.js') ? '../main.js' : '../main.ts', import.meta.url),
)

export async function startDiscordShards(options: DiscordShardsOptions): Promise<DiscordShards> {
  const { discord, log } = options
  const gateway = await gatewayInfo(discord)
  const count = options.count === 'auto' ? gateway.shards : options.count
  const manager = new ShardingManager(ENTRY, {
    totalShards: count,
    token: discord.token,
    mode: 'process',
    respawn: true,
    execArgv: [],
    silent: options.output !== undefined,
  })
  manager.on('shardCreate', (shard: Shard) => {
    // The manager's own variables (SHARDING_MANAGER, SHARDS, SHARD_COUNT, DISCORD_TOKEN) win.
    shard.env = { ...options.env, ...(shard.env as Record<string, string | undefined>) }
    shard.on('spawn', (child) => {
      if (options.output) forwardOutput(child, shard.id, options.output)
    })
    shard.on('ready', () => log.info({ shard: shard.id, shards: count }, 'discord shard ready'))
    shard.on('death', () => {
      if (manager.respawn) log.warn({ shard: shard.id }, 'discord shard process exited: starting it again')
    })
  })
  // All at once when Discord lets that many identify together; otherwise spaced as it asks.
  const delay = count <= gateway.maxConcurrency ? 0 : IDENTIFY_SPACING_MS
  try {
    await manager.spawn({ amount: count, delay, timeout: options.readyTimeoutMs ?? 60_000 })
  } catch (err) {
    await stopShards(manager, options.stopTimeoutMs ?? 30_000)
    throw err
  }

  let stopping: Promise<void> | undefined
  return {
    count,
    checks: () =>
      Array.from({ length: count }, (_, id) => ({
        name: `discord-shard-${id}`,
        check: () => manager.shards.get(id)?.ready === true,
      })),
    stop: () => {
      stopping ??= stopShards(manager, options.stopTimeoutMs ?? 30_000)
      return stopping
    },
    snapshots: async (timeoutMs = SNAPSHOT_TIMEOUT_MS) => {
      const asked = [...manager.shards.values()].map((shard) => askForMetrics(shard, timeoutMs))
      return (await Promise.all(asked)).filter((snapshot) => snapshot !== undefined)
    },
  }
}

const SNAPSHOT_TIMEOUT_MS = 2000

/** The request and the reply on a shard's IPC channel: `{ heraldMetrics: id }`, `{ heraldMetrics: id, snapshot }`. */
interface MetricsMessage {
  heraldMetrics: string
  snapshot?: MetricsSnapshot
}

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && 'heraldMetrics' in message
}

/** One shard's series, or undefined when its process is gone or does not answer in time. */
function askForMetrics(shard: Shard, timeoutMs: number): Promise<MetricsSnapshot | undefined> {
  if (!shard.process) return Promise.resolve(undefined)
  const id = randomUUID()
  return new Promise((resolve) => {
    const done = (snapshot: MetricsSnapshot | undefined) => {
      clearTimeout(timer)
      shard.off('message', onMessage)
      resolve(snapshot)
    }
    const onMessage = (message: unknown) => {
      if (isMetricsMessage(message) && message.heraldMetrics === id) done(message.snapshot)
    }
    const timer = setTimeout(() => done(undefined), timeoutMs)
    shard.on('message', onMessage)
    shard.send({ heraldMetrics: id } satisfies MetricsMessage).catch(() => done(undefined))
  })
}

/** In a shard's process: answers the manager's requests for this process's series; returns the stop. */
export function answerMetricsRequests(metrics: Pick<Metrics, 'snapshot'>): () => void {
  const onMessage = (message: unknown) => {
    if (!isMetricsMessage(message) || message.snapshot !== undefined) return
    void metrics.snapshot().then(
      (snapshot) =>
        process.send?.({ heraldMetrics: message.heraldMetrics, snapshot } satisfies MetricsMessage),
      () => process.send?.({ heraldMetrics: message.heraldMetrics } satisfies MetricsMessage),
    )
  }
  process.on('message', onMessage)
  return () => void process.off('message', onMessage)
}

async function stopShards(manager: ShardingManager, timeoutMs: number): Promise<void> {
  manager.respawn = false
  const exits = [...manager.shards.values()].map((shard) => {
    const child = shard.process
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill('SIGTERM')
    return exited
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs)
  })
  await Promise.race([Promise.all(exits), late])
  clearTimeout(timer)
  for (const shard of manager.shards.values()) {
    if (shard.process && shard.process.exitCode === null) shard.process.kill('SIGKILL')
  }
}

function forwardOutput(
  child: { stdout?: Readable | null; stderr?: Readable | null },
  shard: number,
  output: (line: string, shard: number) => void,
): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => output(line, shard))
  }
}

interface GatewayInfo {
  shards: number
  maxConcurrency: number
}

/** `GET /gateway/bot` at DISCORD_API_ROOT: the recommended shard count and how many may identify at once. */
async function gatewayInfo(discord: DiscordConfig): Promise<GatewayInfo> {
  const response = await fetch(`${discord.apiRoot}/v10/gateway/bot`, {
    headers: { Authorization: `Bot ${discord.token}` },
  })
  if (response.status === 401) {
    throw new ConfigError(
      'DISCORD_TOKEN',
      'rejected by Discord (401): reset it in the Developer Portal (Bot → Reset Token)',
    )
  }
  if (!response.ok) throw new Error(`discord: GET /gateway/bot answered ${response.status}`)
  const body = (await response.json()) as {
    shards?: number
    session_start_limit?: { max_concurrency?: number }
  }
  return {
    shards: Math.max(1, Number(body.shards ?? 1)),
    maxConcurrency: Math.max(1, Number(body.session_start_limit?.max_concurrency ?? 1)),
  }
}
