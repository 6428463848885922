import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import type { DiscordConfig } from '../adapters/discord/discord-adapter.ts'
import type { TelegramConfig } from '../adapters/telegram/telegram-adapter.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import type { Language } from '../core/i18n/i18n.ts'
import type { ResearchMode } from '../core/research/research-jobs.ts'
import type { ConversationMode } from '../core/state/conversations.ts'
import type { CommandRule } from '../core/state/policy.ts'

export type { CommandRule, ConversationMode, Language, ResearchMode }

/**
 * The configuration contract (DESIGN.md), read and validated in one place at start-up. Nothing else
 * reads `process.env`. A missing or malformed value throws a ConfigError naming the variable.
 *
 * @example
 *   const config = loadConfig(readEnvironment())
 */
export type Env = Readonly<Record<string, string | undefined>>

export interface Config {
  openai: {
    apiKey: string
    baseUrl: string
    maxRetries: number
    connectTimeoutMs: number
    firstByteTimeoutMs: number
    idleTimeoutMs: number
  }
  defaultModel: string
  researchModel: string
  /** The image model the image tool draws with (and the images endpoint, where a relay has no tool). */
  imageModel: string
  /** The model voice notes are transcribed with (`POST /audio/transcriptions`). */
  transcribeModel: string
  /** The model answers are spoken with under `/voice on` (`POST /audio/speech`). */
  speechModel: string
  instructions: string
  /** The fallback language: for people and chats whose language is unknown or unsupported. */
  language: Language
  /** `LANGUAGE_FORCE=on`: the fallback for everyone, whatever their own language. */
  languageForce: boolean
  /** The console's person's locale (`LC_ALL`, `LC_MESSAGES` or `LANG`, as POSIX has it). */
  consoleLocale?: string
  modelsFile?: string
  telegram?: TelegramConfig
  discord?: DiscordConfig
  /**
   * DISCORD_SHARDS: this process runs discord.js's ShardingManager instead of a Discord client, one
   * child process per shard; each child starts with `env` (the variables this process was
   * configured from) and reads its own configuration.
   */
  discordShards?: { count: 'auto' | number; env: Env }
  /** This process is one shard's child (started by the ShardingManager): it runs Discord only. */
  shardProcess?: boolean
  httpPort?: number
  /** The operator's web console at /console/ on HTTP_PORT, when CONSOLE_TOKEN is set. */
  console?: { token: string }
  storeUrl: string
  logLevel: string
  conversation: { mode: ConversationMode; historyTokenBudget: number }
  limits: {
    maxPromptChars: number
    maxImageBytes: number
    /** Longest voice note or audio file transcribed. */
    maxAudioSeconds: number
    /** Largest document read with a prompt. */
    maxFileBytes: number
    maxConcurrentStreams: number
    userRequestsPerMinute: number
    maxToolRounds: number
  }
  budgets: {
    userDailyUsd: number
    chatDailyUsd: number
    globalDailyUsd: number
    adminsExempt: boolean
  }
  settingsInGroups: 'admins' | 'everyone'
  research: {
    maxConcurrent: number
    dailyBudgetUsd: number
    dailyPerAdmin: number
    maxToolCalls: number
    requestTtlMinutes: number
    confirmTtlMinutes: number
    /** `auto`: background mode, one foreground stream where the endpoint refuses it. */
    mode: ResearchMode | 'auto'
    /** Silence allowed between two events of a research stream. */
    idleTimeoutMs: number
  }
  access: {
    allowUsers: string[]
    blockUsers: string[]
    allowChats: string[]
    blockChats: string[]
    allowGuilds: string[]
    blockGuilds: string[]
    allowChannels: string[]
    blockChannels: string[]
    allowRoles: string[]
    blockRoles: string[]
    /** Per-command rules that replace the defaults, from COMMAND_PERMISSIONS. */
    commands: Record<string, CommandRule>
  }
  shutdownGraceMs: number
  /**
   * How long this process's heartbeat in the store lives without renewal (renewed every third of it).
   * Answers recorded by a process whose heartbeat lapsed are finalised as interrupted by any process.
   */
  processHeartbeatMs: number
}

const COMMAND_RULES: readonly CommandRule[] = ['everyone', 'admins_in_groups', 'admins', 'nobody']

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads `.env` (when present) under the real environment: variables already set win. */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  envFile = '.env',
): Record<string, string | undefined> {
  if (!existsSync(envFile)) return { ...env }
  const fromFile = parseEnv(readFileSync(envFile, 'utf8'))
  return { ...fromFile, ...env }
}

class Reader {
  readonly env: Env
  constructor(env: Env) {
    this.env = env
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim()
    return value === undefined || value === '' ? undefined : value
  }

  required(name: string, expected: string): string {
    const value = this.raw(name)
    if (value === undefined) throw new ConfigError(name, `required: ${expected}`)
    return value
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback
  }

  url(name: string, fallback: string | undefined, protocols: string[]): string | undefined {
    const value = this.raw(name) ?? fallback
    if (value === undefined) return undefined
    let parsed: URL
    try {
      parsed = new URL(value)
    } catch {
      throw new ConfigError(name, `expected a URL (${protocols.join(' or ')}), got "${value}"`)
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got "${value}"`)
    }
    return value.replace(/\/+$/, '')
  }

  number(
    name: string,
    fallback: number,
    opts: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const value = this.raw(name)
    if (value === undefined) return fallback
    const parsed = Number(value)
    const kind = opts.integer ? 'an integer' : 'a number'
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` from ${opts.min} to ${opts.max}`
        : opts.min !== undefined
          ? ` >= ${opts.min}`
          : ''
    if (
      !Number.isFinite(parsed) ||
      (opts.integer && !Number.isInteger(parsed)) ||
      (opts.min !== undefined && parsed < opts.min) ||
      (opts.max !== undefined && parsed > opts.max)
    ) {
      throw new ConfigError(name, `expected ${kind}${range}, got "${value}"`)
    }
    return parsed
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase()
    if (value === undefined) return fallback
    if (['1', 'true', 'yes', 'on'].includes(value)) return true
    if (['0', 'false', 'no', 'off'].includes(value)) return false
    throw new ConfigError(name, `expected true or false, got "${value}"`)
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name)
    if (value === undefined) return fallback
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${value}"`)
    }
    return value as T
  }

  /** `research=admins,model=everyone`: per-command rules. */
  commandRules(name: string): Record<string, CommandRule> {
    const value = this.raw(name)
    const rules: Record<string, CommandRule> = {}
    if (value === undefined) return rules
    for (const part of value.split(',')) {
      const [command, rule] = part.split('=').map((x) => x.trim())
      if (
        !command ||
        !/^[a-z0-9_]{1,32}$/.test(command) ||
        !rule ||
        !(COMMAND_RULES as readonly string[]).includes(rule)
      ) {
        throw new ConfigError(
          name,
          `expected command=rule pairs (rules: ${COMMAND_RULES.join(', ')}), got "${part.trim()}"`,
        )
      }
      rules[command] = rule as CommandRule
    }
    return rules
  }

  ids(name: string): string[] {
    const value = this.raw(name)
    if (value === undefined) return []
    const ids = value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
    for (const id of ids) {
      if (!/^-?\d+$/.test(id))
        throw new ConfigError(name, `expected comma-separated numeric ids, got "${id}"`)
    }
    return ids
  }
}

/** Telegram's secret_token allows 1-256 of A-Z a-z 0-9 _ -; derived from the bot token so every process agrees. */
export async function deriveWebhookSecret(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`herald-webhook:${token}`))
  return Buffer.from(digest).toString('base64url')
}

export async function loadConfig(env: Env): Promise<Config> {
  const r = new Reader(env)
  const apiKey = r.required('OPENAI_API_KEY', 'the API key (Bearer token) of OpenAI or your relay')
  // The key goes into an HTTP header: a space, a control or a non-ASCII character would fail every request.
  if (!/^[\x21-\x7e]+$/.test(apiKey) || /["']/.test(apiKey)) {
    throw new ConfigError(
      'OPENAI_API_KEY',
      'expected one word of printable ASCII characters (no spaces, line breaks or quotes around it)',
    )
  }
  const baseUrl = r.url('OPENAI_BASE_URL', 'https://api.openai.com/v1', ['https:', 'http:']) as string
  const storeUrl = r.string('STORE_URL', 'sqlite:./data/herald.sqlite')
  if (!/^sqlite:.+/.test(storeUrl) && !/^rediss?:\/\/.+/.test(storeUrl)) {
    throw new ConfigError('STORE_URL', `expected sqlite:<path> or redis://host:port, got "${storeUrl}"`)
  }
  const logLevel = r.string('LOG_LEVEL', 'info')
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`)
  }
  const httpPort =
    r.raw('HTTP_PORT') === undefined
      ? undefined
      : r.number('HTTP_PORT', 0, { min: 1, max: 65535, integer: true })

  const consoleToken = r.raw('CONSOLE_TOKEN')
  if (consoleToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(consoleToken)) {
    throw new ConfigError('CONSOLE_TOKEN', 'expected 16 to 256 printable ASCII characters without spaces')
  }
  if (consoleToken !== undefined && httpPort === undefined) {
    throw new ConfigError(
      'HTTP_PORT',
      'required for the console (CONSOLE_TOKEN is set): the port Herald listens on',
    )
  }

  const telegramToken = r.raw('TELEGRAM_BOT_TOKEN')
  if (telegramToken !== undefined && !/^\d+:[A-Za-z0-9_-]+$/.test(telegramToken)) {
    throw new ConfigError('TELEGRAM_BOT_TOKEN', 'expected a token like 123456:ABC-DEF… from @BotFather')
  }
  const webhookUrl = r.url('TELEGRAM_WEBHOOK_URL', undefined, ['https:', 'http:'])
  if (telegramToken !== undefined && webhookUrl !== undefined && httpPort === undefined) {
    throw new ConfigError(
      'HTTP_PORT',
      'required in webhook mode (TELEGRAM_WEBHOOK_URL is set): the port Herald listens on',
    )
  }
  const webhookSecret = r.raw('TELEGRAM_WEBHOOK_SECRET')
  if (webhookSecret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(webhookSecret)) {
    throw new ConfigError('TELEGRAM_WEBHOOK_SECRET', 'expected 1-256 characters of A-Z, a-z, 0-9, _ and -')
  }
  const discordToken = r.raw('DISCORD_TOKEN')
  // Validated even when their adapter is off, so a typo shows up before it matters.
  const telegramAdminIds = r.ids('TELEGRAM_ADMIN_IDS')
  const telegramDrafts = r.boolean('TELEGRAM_DRAFTS', false)
  const discordAdminIds = r.ids('DISCORD_ADMIN_IDS')
  const discordAdminRoleIds = r.ids('DISCORD_ADMIN_ROLE_IDS')
  const discordGuildIds = r.ids('DISCORD_GUILD_IDS')
  const telegramApiRoot = r.url('TELEGRAM_API_ROOT', 'https://api.telegram.org', [
    'https:',
    'http:',
  ]) as string
  const discordApiRoot = r.url('DISCORD_API_ROOT', 'https://discord.com/api', ['https:', 'http:']) as string

  const config: Config = {
    openai: {
      apiKey,
      baseUrl,
      maxRetries: r.number('OPENAI_MAX_RETRIES', 2, { min: 0, max: 10, integer: true }),
      connectTimeoutMs: r.number('OPENAI_CONNECT_TIMEOUT_MS', 10_000, { min: 1, integer: true }),
      firstByteTimeoutMs: r.number('OPENAI_FIRST_BYTE_TIMEOUT_MS', 120_000, { min: 1, integer: true }),
      idleTimeoutMs: r.number('OPENAI_IDLE_TIMEOUT_MS', 90_000, { min: 1, integer: true }),
    },
    defaultModel: r.string('DEFAULT_MODEL', 'gpt-5-mini'),
    researchModel: r.string('RESEARCH_MODEL', 'o3-deep-research'),
    imageModel: r.string('IMAGE_MODEL', 'gpt-image-1'),
    transcribeModel: r.string('TRANSCRIBE_MODEL', 'gpt-4o-mini-transcribe'),
    speechModel: r.string('TTS_MODEL', 'gpt-4o-mini-tts'),
    instructions: r.string(
      'INSTRUCTIONS',
      'You are Herald, a helpful assistant in a chat app. Answer concisely in the language of the question. Use Markdown sparingly.',
    ),
    language: r.oneOf('LANGUAGE', ['en', 'zh'] as const, 'en'),
    languageForce: r.boolean('LANGUAGE_FORCE', false),
    storeUrl,
    logLevel,
    conversation: {
      mode: r.oneOf('CONVERSATION_MODE', ['auto', 'server', 'local'] as const, 'auto'),
      historyTokenBudget: r.number('HISTORY_TOKEN_BUDGET', 8000, { min: 100, integer: true }),
    },
    limits: {
      maxPromptChars: r.number('MAX_PROMPT_CHARS', 8000, { min: 1, integer: true }),
      maxImageBytes: r.number('MAX_IMAGE_BYTES', 10 * 1024 * 1024, { min: 1, integer: true }),
      maxAudioSeconds: r.number('MAX_AUDIO_SECONDS', 300, { min: 1, max: 1500, integer: true }),
      maxFileBytes: r.number('MAX_FILE_BYTES', 10 * 1024 * 1024, { min: 1, integer: true }),
      maxConcurrentStreams: r.number('MAX_CONCURRENT_STREAMS', 200, { min: 1, integer: true }),
      userRequestsPerMinute: r.number('USER_REQUESTS_PER_MINUTE', 10, { min: 0, integer: true }),
      maxToolRounds: r.number('MAX_TOOL_ROUNDS', 5, { min: 0, max: 20, integer: true }),
    },
    budgets: {
      userDailyUsd: r.number('BUDGET_USER_DAILY_USD', 0, { min: 0 }),
      chatDailyUsd: r.number('BUDGET_CHAT_DAILY_USD', 0, { min: 0 }),
      globalDailyUsd: r.number('BUDGET_GLOBAL_DAILY_USD', 0, { min: 0 }),
      adminsExempt: r.boolean('BUDGET_ADMINS_EXEMPT', true),
    },
    settingsInGroups: r.oneOf('SETTINGS_IN_GROUPS', ['admins', 'everyone'] as const, 'admins'),
    research: {
      maxConcurrent: r.number('RESEARCH_MAX_CONCURRENT', 2, { min: 1, integer: true }),
      dailyBudgetUsd: r.number('RESEARCH_DAILY_BUDGET_USD', 50, { min: 0 }),
      dailyPerAdmin: r.number('RESEARCH_DAILY_PER_ADMIN', 5, { min: 0, integer: true }),
      maxToolCalls: r.number('RESEARCH_MAX_TOOL_CALLS', 40, { min: 1, integer: true }),
      requestTtlMinutes: r.number('RESEARCH_REQUEST_TTL_MINUTES', 60, { min: 1 }),
      confirmTtlMinutes: r.number('RESEARCH_CONFIRM_TTL_MINUTES', 10, { min: 1 }),
      mode: r.oneOf('RESEARCH_MODE', ['auto', 'background', 'foreground'] as const, 'auto'),
      idleTimeoutMs: r.number('RESEARCH_IDLE_TIMEOUT_MS', 900_000, { min: 1000, integer: true }),
    },
    access: {
      allowUsers: r.ids('ALLOW_USER_IDS'),
      blockUsers: r.ids('BLOCK_USER_IDS'),
      allowChats: r.ids('ALLOW_CHAT_IDS'),
      blockChats: r.ids('BLOCK_CHAT_IDS'),
      allowGuilds: r.ids('ALLOW_GUILD_IDS'),
      blockGuilds: r.ids('BLOCK_GUILD_IDS'),
      allowChannels: r.ids('ALLOW_CHANNEL_IDS'),
      blockChannels: r.ids('BLOCK_CHANNEL_IDS'),
      allowRoles: r.ids('ALLOW_ROLE_IDS'),
      blockRoles: r.ids('BLOCK_ROLE_IDS'),
      commands: r.commandRules('COMMAND_PERMISSIONS'),
    },
    shutdownGraceMs: r.number('SHUTDOWN_GRACE_MS', 10_000, { min: 0, integer: true }),
    processHeartbeatMs: r.number('PROCESS_HEARTBEAT_MS', 30_000, { min: 1000, integer: true }),
  }
  const modelsFile = r.raw('MODELS_FILE')
  if (modelsFile !== undefined) {
    if (!existsSync(modelsFile)) throw new ConfigError('MODELS_FILE', `no such file "${modelsFile}"`)
    config.modelsFile = modelsFile
  }
  if (httpPort !== undefined) config.httpPort = httpPort
  const consoleLocale = r.raw('LC_ALL') || r.raw('LC_MESSAGES') || r.raw('LANG')
  if (consoleLocale) config.consoleLocale = consoleLocale
  if (consoleToken !== undefined) config.console = { token: consoleToken }
  if (telegramToken !== undefined) {
    config.telegram = {
      token: telegramToken,
      apiRoot: telegramApiRoot,
      webhookSecret: webhookSecret ?? (await deriveWebhookSecret(telegramToken)),
      adminIds: telegramAdminIds,
      drafts: telegramDrafts,
    }
    if (webhookUrl !== undefined) config.telegram.webhookUrl = webhookUrl
  }
  if (discordToken !== undefined) {
    config.discord = {
      token: discordToken,
      apiRoot: discordApiRoot,
      guildIds: discordGuildIds,
      adminIds: discordAdminIds,
      adminRoleIds: discordAdminRoleIds,
    }
  }
  const shards = r.raw('DISCORD_SHARDS')
  const shardCount =
    shards === undefined || shards === 'auto'
      ? shards
      : r.number('DISCORD_SHARDS', 1, { min: 1, max: 4096, integer: true })
  // discord.js sets SHARDING_MANAGER (and SHARDS, SHARD_COUNT) in the processes its manager starts.
  if (r.raw('SHARDING_MANAGER') === 'true' && config.discord) {
    config.shardProcess = true
    delete config.telegram
    delete config.httpPort
  } else if (shardCount !== undefined && config.discord) {
    config.discordShards = { count: shardCount, env }
  }
  return config
}

/** Every secret the configuration holds, for log redaction and leak scans. */
export function secretsOf(config: Config): string[] {
  return [
    config.openai.apiKey,
    config.telegram?.token,
    config.telegram?.webhookSecret,
    config.discord?.token,
    config.console?.token,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 6)
}
