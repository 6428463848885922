import { existsSync, readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import * as v from 'valibot'
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
  /** The voice answers are spoken in (TTS_VOICE). */
  speechVoice: string
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const MB = 1024 * 1024

// The kinds of value a variable holds. Each message states what is expected and the value given
// (never for tokens and keys, whose values are secret).

/** One of a few words. */
function oneOf<const T extends string>(options: readonly T[]) {
  return v.picklist(options, (issue) => `expected one of ${options.join(', ')}, got "${issue.input}"`)
}

interface Range {
  min?: number
  max?: number
  integer?: boolean
}

function expectedNumber({ min, max, integer }: Range) {
  const kind = integer ? 'an integer' : 'a number'
  const range =
    min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` >= ${min}` : ''
  return (issue: v.BaseIssue<unknown>) => `expected ${kind}${range}, got "${issue.input}"`
}

/** A number in a range; `integer` refuses fractions. */
function number(range: Range) {
  const { min = -Infinity, max = Infinity, integer } = range
  const fits = (n: number) => Number.isFinite(n) && (!integer || Number.isInteger(n)) && n >= min && n <= max
  return v.pipe(
    v.string(),
    v.check((value) => fits(Number(value)), expectedNumber(range)),
    v.transform(Number),
  )
}

const integer = (range: Omit<Range, 'integer'>) => number({ ...range, integer: true })

const YES = ['1', 'true', 'yes', 'on']
const NO = ['0', 'false', 'no', 'off']

/** A switch: 1, true, yes, on or 0, false, no, off, in any case. */
const flag = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.check(
    (value) => YES.includes(value) || NO.includes(value),
    (issue) => `expected true or false, got "${issue.input}"`,
  ),
  v.transform((value) => YES.includes(value)),
)

/** A voice's name as `/audio/speech` takes it: `alloy`, `coral`, `marin`… (relays may offer others). */
const voiceName = v.pipe(
  v.string(),
  v.regex(
    /^[a-z][a-z0-9_-]{0,31}$/,
    (issue) => `expected a voice name such as alloy or coral, got "${issue.input}"`,
  ),
)

/** An http: or https: URL, kept without trailing slashes. */
const httpUrl = v.pipe(
  v.string(),
  v.check(
    (value) => URL.canParse(value),
    (issue) => `expected a URL (https: or http:), got "${issue.input}"`,
  ),
  v.check(
    (value) => ['https:', 'http:'].includes(new URL(value).protocol),
    (issue) => `expected a https: or http: URL, got "${issue.input}"`,
  ),
  v.transform((value) => value.replace(/\/+$/, '')),
)

/** A value of a fixed shape, such as a token, named without its (secret) value. */
const shaped = (pattern: RegExp, expected: string) => v.pipe(v.string(), v.regex(pattern, expected))

const isId = (id: string) => /^-?\d+$/.test(id)

/** Comma-separated numeric ids (Telegram's chats are negative); empty parts are skipped. */
const ids = v.pipe(
  v.string(),
  v.transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ),
  v.check(
    (list) => list.every(isId),
    (issue) => `expected comma-separated numeric ids, got "${issue.input.find((id) => !isId(id))}"`,
  ),
)

/** `model=everyone` as [command, rule]; undefined when the part is not a command and a known rule. */
function commandRule(part: string): [string, CommandRule] | undefined {
  const [command = '', rule] = part.split('=').map((x) => x.trim())
  const known = COMMAND_RULES.find((candidate) => candidate === rule)
  return /^[a-z0-9_]{1,32}$/.test(command) && known ? [command, known] : undefined
}

/** `research=admins,model=everyone`: per-command rules. */
const commandRules = v.pipe(
  v.string(),
  v.transform((value) => value.split(',')),
  v.check(
    (parts) => parts.every((part) => commandRule(part) !== undefined),
    (issue) =>
      `expected command=rule pairs (rules: ${COMMAND_RULES.join(', ')}), got "${issue.input
        .find((part) => commandRule(part) === undefined)
        ?.trim()}"`,
  ),
  v.transform((parts) => Object.fromEntries(parts.map(commandRule).filter((pair) => pair !== undefined))),
)

/** An API key goes into an HTTP header: a space, a control or a non-ASCII character would fail every request. */
const headerWord = v.pipe(
  v.string(),
  v.check(
    (key) => /^[\x21-\x7e]+$/.test(key) && !/["']/.test(key),
    'expected one word of printable ASCII characters (no spaces, line breaks or quotes around it)',
  ),
)

const storeLocation = v.pipe(
  v.string(),
  v.regex(
    /^(sqlite:.+|rediss?:\/\/.+)/,
    (issue) => `expected sqlite:<path> or redis://host:port, got "${issue.input}"`,
  ),
)

const existingFile = v.pipe(
  v.string(),
  v.check(
    (file) => existsSync(file),
    (issue) => `no such file "${issue.input}"`,
  ),
)

const SHARDS: Range = { min: 1, max: 4096, integer: true }

/** DISCORD_SHARDS: `auto`, or how many. */
const shards = v.union([v.literal('auto'), number(SHARDS)], expectedNumber(SHARDS))

/**
 * Reads one variable with `schema`, trimmed; unset or empty, it is `fallback`. A value the schema
 * refuses stops start-up with a ConfigError naming the variable.
 */
function reader(env: Env) {
  function read<T>(name: string, schema: v.GenericSchema<string, T>): T | undefined
  function read<T>(name: string, schema: v.GenericSchema<string, T>, fallback: T): T
  function read<T>(name: string, schema: v.GenericSchema<string, T>, fallback?: T): T | undefined {
    const value = env[name]?.trim()
    if (!value) return fallback
    const result = v.safeParse(schema, value, { abortEarly: true })
    if (!result.success) throw new ConfigError(name, result.issues[0].message)
    return result.output
  }
  return read
}

/** Reads `.env` (when present) under the real environment: variables already set win. */
export function readEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  envFile = '.env',
): Record<string, string | undefined> {
  if (!existsSync(envFile)) return { ...env }
  const fromFile = parseEnv(readFileSync(envFile, 'utf8'))
  return { ...fromFile, ...env }
}

/** Telegram's secret_token allows 1-256 of A-Z a-z 0-9 _ -; derived from the bot token so every process agrees. */
export async function deriveWebhookSecret(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`herald-webhook:${token}`))
  return Buffer.from(digest).toString('base64url')
}

export async function loadConfig(env: Env): Promise<Config> {
  const r = reader(env)
  const apiKey = r('OPENAI_API_KEY', headerWord)
  if (apiKey === undefined) {
    throw new ConfigError('OPENAI_API_KEY', 'required: the API key (Bearer token) of OpenAI or your relay')
  }
  const baseUrl = r('OPENAI_BASE_URL', httpUrl, 'https://api.openai.com/v1')
  const storeUrl = r('STORE_URL', storeLocation, 'sqlite:./data/herald.sqlite')
  const logLevel = r('LOG_LEVEL', oneOf(LOG_LEVELS), 'info')
  const httpPort = r('HTTP_PORT', integer({ min: 1, max: 65535 }))
  const consoleToken = r(
    'CONSOLE_TOKEN',
    shaped(/^[\x21-\x7e]{16,256}$/, 'expected 16 to 256 printable ASCII characters without spaces'),
  )
  if (consoleToken !== undefined && httpPort === undefined) {
    throw new ConfigError(
      'HTTP_PORT',
      'required for the console (CONSOLE_TOKEN is set): the port Herald listens on',
    )
  }
  const telegramToken = r(
    'TELEGRAM_BOT_TOKEN',
    shaped(/^\d+:[A-Za-z0-9_-]+$/, 'expected a token like 123456:ABC-DEF… from @BotFather'),
  )
  const webhookUrl = r('TELEGRAM_WEBHOOK_URL', httpUrl)
  if (telegramToken !== undefined && webhookUrl !== undefined && httpPort === undefined) {
    throw new ConfigError(
      'HTTP_PORT',
      'required in webhook mode (TELEGRAM_WEBHOOK_URL is set): the port Herald listens on',
    )
  }
  const webhookSecret = r(
    'TELEGRAM_WEBHOOK_SECRET',
    shaped(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 characters of A-Z, a-z, 0-9, _ and -'),
  )
  const discordToken = r('DISCORD_TOKEN', v.string())
  // Validated even when their adapter is off, so a typo shows up before it matters.
  const telegramAdminIds = r('TELEGRAM_ADMIN_IDS', ids, [])
  const telegramDrafts = r('TELEGRAM_DRAFTS', flag, false)
  const discordAdminIds = r('DISCORD_ADMIN_IDS', ids, [])
  const discordAdminRoleIds = r('DISCORD_ADMIN_ROLE_IDS', ids, [])
  const discordGuildIds = r('DISCORD_GUILD_IDS', ids, [])
  const telegramApiRoot = r('TELEGRAM_API_ROOT', httpUrl, 'https://api.telegram.org')
  const discordApiRoot = r('DISCORD_API_ROOT', httpUrl, 'https://discord.com/api')

  const config: Config = {
    openai: {
      apiKey,
      baseUrl,
      maxRetries: r('OPENAI_MAX_RETRIES', integer({ min: 0, max: 10 }), 2),
      connectTimeoutMs: r('OPENAI_CONNECT_TIMEOUT_MS', integer({ min: 1 }), 10_000),
      firstByteTimeoutMs: r('OPENAI_FIRST_BYTE_TIMEOUT_MS', integer({ min: 1 }), 120_000),
      idleTimeoutMs: r('OPENAI_IDLE_TIMEOUT_MS', integer({ min: 1 }), 90_000),
    },
    defaultModel: r('DEFAULT_MODEL', v.string(), 'gpt-5-mini'),
    researchModel: r('RESEARCH_MODEL', v.string(), 'o3-deep-research'),
    imageModel: r('IMAGE_MODEL', v.string(), 'gpt-image-1'),
    transcribeModel: r('TRANSCRIBE_MODEL', v.string(), 'gpt-4o-mini-transcribe'),
    speechModel: r('TTS_MODEL', v.string(), 'gpt-4o-mini-tts'),
    speechVoice: r('TTS_VOICE', voiceName, 'alloy'),
    instructions: r(
      'INSTRUCTIONS',
      v.string(),
      'You are Herald, a helpful assistant in a chat app. Answer concisely in the language of the question. Use Markdown sparingly.',
    ),
    language: r('LANGUAGE', oneOf(['en', 'zh']), 'en'),
    languageForce: r('LANGUAGE_FORCE', flag, false),
    storeUrl,
    logLevel,
    conversation: {
      mode: r('CONVERSATION_MODE', oneOf(['auto', 'server', 'local']), 'auto'),
      historyTokenBudget: r('HISTORY_TOKEN_BUDGET', integer({ min: 100 }), 8000),
    },
    limits: {
      maxPromptChars: r('MAX_PROMPT_CHARS', integer({ min: 1 }), 8000),
      maxImageBytes: r('MAX_IMAGE_BYTES', integer({ min: 1 }), 10 * MB),
      maxAudioSeconds: r('MAX_AUDIO_SECONDS', integer({ min: 1, max: 1500 }), 300),
      maxFileBytes: r('MAX_FILE_BYTES', integer({ min: 1 }), 10 * MB),
      maxConcurrentStreams: r('MAX_CONCURRENT_STREAMS', integer({ min: 1 }), 200),
      userRequestsPerMinute: r('USER_REQUESTS_PER_MINUTE', integer({ min: 0 }), 10),
      maxToolRounds: r('MAX_TOOL_ROUNDS', integer({ min: 0, max: 20 }), 5),
    },
    budgets: {
      userDailyUsd: r('BUDGET_USER_DAILY_USD', number({ min: 0 }), 0),
      chatDailyUsd: r('BUDGET_CHAT_DAILY_USD', number({ min: 0 }), 0),
      globalDailyUsd: r('BUDGET_GLOBAL_DAILY_USD', number({ min: 0 }), 0),
      adminsExempt: r('BUDGET_ADMINS_EXEMPT', flag, true),
    },
    settingsInGroups: r('SETTINGS_IN_GROUPS', oneOf(['admins', 'everyone']), 'admins'),
    research: {
      maxConcurrent: r('RESEARCH_MAX_CONCURRENT', integer({ min: 1 }), 2),
      dailyBudgetUsd: r('RESEARCH_DAILY_BUDGET_USD', number({ min: 0 }), 50),
      dailyPerAdmin: r('RESEARCH_DAILY_PER_ADMIN', integer({ min: 0 }), 5),
      maxToolCalls: r('RESEARCH_MAX_TOOL_CALLS', integer({ min: 1 }), 40),
      requestTtlMinutes: r('RESEARCH_REQUEST_TTL_MINUTES', number({ min: 1 }), 60),
      confirmTtlMinutes: r('RESEARCH_CONFIRM_TTL_MINUTES', number({ min: 1 }), 10),
      mode: r('RESEARCH_MODE', oneOf(['auto', 'background', 'foreground']), 'auto'),
      idleTimeoutMs: r('RESEARCH_IDLE_TIMEOUT_MS', integer({ min: 1000 }), 900_000),
    },
    access: {
      allowUsers: r('ALLOW_USER_IDS', ids, []),
      blockUsers: r('BLOCK_USER_IDS', ids, []),
      allowChats: r('ALLOW_CHAT_IDS', ids, []),
      blockChats: r('BLOCK_CHAT_IDS', ids, []),
      allowGuilds: r('ALLOW_GUILD_IDS', ids, []),
      blockGuilds: r('BLOCK_GUILD_IDS', ids, []),
      allowChannels: r('ALLOW_CHANNEL_IDS', ids, []),
      blockChannels: r('BLOCK_CHANNEL_IDS', ids, []),
      allowRoles: r('ALLOW_ROLE_IDS', ids, []),
      blockRoles: r('BLOCK_ROLE_IDS', ids, []),
      commands: r('COMMAND_PERMISSIONS', commandRules, {}),
    },
    shutdownGraceMs: r('SHUTDOWN_GRACE_MS', integer({ min: 0 }), 10_000),
    processHeartbeatMs: r('PROCESS_HEARTBEAT_MS', integer({ min: 1000 }), 30_000),
  }
  const modelsFile = r('MODELS_FILE', existingFile)
  if (modelsFile !== undefined) config.modelsFile = modelsFile
  if (httpPort !== undefined) config.httpPort = httpPort
  // The console's person's locale, as POSIX has it.
  const consoleLocale = r('LC_ALL', v.string()) ?? r('LC_MESSAGES', v.string()) ?? r('LANG', v.string())
  if (consoleLocale !== undefined) config.consoleLocale = consoleLocale
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
  const shardCount = r('DISCORD_SHARDS', shards)
  // discord.js sets SHARDING_MANAGER (and SHARDS, SHARD_COUNT) in the processes its manager starts.
  if (r('SHARDING_MANAGER', v.string()) === 'true' && config.discord) {
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
