import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig, readEnvironment, secretsOf } from '../../src/app/config.ts'
import { ConfigError } from '../../src/core/contracts/errors.ts'

const base = { OPENAI_API_KEY: 'sk-test-config-0000000000' }

async function failure(env: Record<string, string>): Promise<string> {
  try {
    await loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('loadConfig accepted the environment')
}

describe('loadConfig', () => {
  test('applies the documented defaults', async () => {
    const config = await loadConfig(base)
    expect(config.openai.baseUrl).toBe('https://api.openai.com/v1')
    expect(config.defaultModel).toBe('gpt-5-mini')
    expect(config.researchModel).toBe('o3-deep-research')
    expect(config.storeUrl).toBe('sqlite:./data/herald.sqlite')
    expect(config.logLevel).toBe('info')
    expect(config.telegram).toBeUndefined()
    expect(config.discord).toBeUndefined()
    expect(config.httpPort).toBeUndefined()
    expect([config.research.mode, config.research.idleTimeoutMs]).toEqual(['auto', 900_000])
    expect([config.speechModel, config.speechVoice]).toEqual(['gpt-4o-mini-tts', 'alloy'])
  })

  test('a missing API key names the variable', async () => {
    expect(await failure({})).toBe(
      'OPENAI_API_KEY: required: the API key (Bearer token) of OpenAI or your relay',
    )
  })

  test('malformed values name the variable and what is expected', async () => {
    expect(await failure({ ...base, OPENAI_BASE_URL: 'api.example.com' })).toBe(
      'OPENAI_BASE_URL: expected a URL (https: or http:), got "api.example.com"',
    )
    expect(await failure({ ...base, HTTP_PORT: '99999' })).toBe(
      'HTTP_PORT: expected an integer from 1 to 65535, got "99999"',
    )
    expect(await failure({ ...base, STORE_URL: 'postgres://x' })).toBe(
      'STORE_URL: expected sqlite:<path> or redis://host:port, got "postgres://x"',
    )
    expect(await failure({ ...base, LOG_LEVEL: 'loud' })).toMatch(/^LOG_LEVEL: expected one of/)
    expect(await failure({ ...base, TELEGRAM_BOT_TOKEN: 'nope' })).toMatch(
      /^TELEGRAM_BOT_TOKEN: expected a token/,
    )
    expect(await failure({ ...base, RESEARCH_MODE: 'polling' })).toMatch(/^RESEARCH_MODE: expected one of/)
    expect(await failure({ ...base, RESEARCH_IDLE_TIMEOUT_MS: 'soon' })).toMatch(
      /^RESEARCH_IDLE_TIMEOUT_MS: /,
    )
    expect(await failure({ ...base, TELEGRAM_ADMIN_IDS: '12,abc' })).toBe(
      'TELEGRAM_ADMIN_IDS: expected comma-separated numeric ids, got "abc"',
    )
    expect(await failure({ ...base, LANGUAGE: 'fr' })).toMatch(/^LANGUAGE: expected one of/)
    expect(await failure({ ...base, LANGUAGE_FORCE: 'always' })).toBe(
      'LANGUAGE_FORCE: expected true or false, got "always"',
    )
    expect(await failure({ ...base, TTS_VOICE: 'Alloy Voice' })).toBe(
      'TTS_VOICE: expected a voice name such as alloy or coral, got "Alloy Voice"',
    )
    expect((await loadConfig({ ...base, TTS_VOICE: 'coral' })).speechVoice).toBe('coral')
  })

  test('values are trimmed, an empty one is unset, and switches take any case', async () => {
    const config = await loadConfig({
      ...base,
      DEFAULT_MODEL: '  gpt-5  ',
      LOG_LEVEL: '',
      HTTP_PORT: ' 8080 ',
      TELEGRAM_DRAFTS: 'YES',
      BUDGET_ADMINS_EXEMPT: 'Off',
      ALLOW_USER_IDS: ' 1, ,-2 ',
    })
    expect([config.defaultModel, config.logLevel, config.httpPort]).toEqual(['gpt-5', 'info', 8080])
    expect([config.budgets.adminsExempt, config.access.allowUsers]).toEqual([false, ['1', '-2']])
    expect(await failure({ ...base, OPENAI_API_KEY: '   ' })).toMatch(/^OPENAI_API_KEY: required/)
  })

  test('of several problems, the first in reading order is the one named', async () => {
    const console = { ...base, CONSOLE_TOKEN: 'console-token-0123456789' }
    expect(await failure({ ...console, TELEGRAM_BOT_TOKEN: 'nope' })).toMatch(
      /^HTTP_PORT: required for the console/,
    )
    expect(await failure({ ...console, OPENAI_BASE_URL: 'ftp://x', HTTP_PORT: 'x' })).toBe(
      'OPENAI_BASE_URL: expected a https: or http: URL, got "ftp://x"',
    )
  })

  test('the language: LANGUAGE is the fallback, LANGUAGE_FORCE keeps it for all, LANG is the console’s', async () => {
    const defaults = await loadConfig(base)
    expect([defaults.language, defaults.languageForce]).toEqual(['en', false])
    const set = await loadConfig({ ...base, LANGUAGE: 'zh', LANGUAGE_FORCE: 'on', LANG: 'zh_CN.UTF-8' })
    expect([set.language, set.languageForce, set.consoleLocale]).toEqual(['zh', true, 'zh_CN.UTF-8'])
    expect((await loadConfig({ ...base, LC_ALL: 'en_GB.UTF-8', LANG: 'zh_CN.UTF-8' })).consoleLocale).toBe(
      'en_GB.UTF-8',
    )
  })

  test('COMMAND_PERMISSIONS sets per-command rules and rejects unknown rules', async () => {
    const config = await loadConfig({ ...base, COMMAND_PERMISSIONS: 'model=everyone, usage=admins' })
    expect(config.access.commands).toEqual({ model: 'everyone', usage: 'admins' })
    expect(await failure({ ...base, COMMAND_PERMISSIONS: 'model=root' })).toBe(
      'COMMAND_PERMISSIONS: expected command=rule pairs (rules: everyone, admins_in_groups, admins, nobody), got "model=root"',
    )
  })

  test('webhook mode requires HTTP_PORT', async () => {
    expect(
      await failure({
        ...base,
        TELEGRAM_BOT_TOKEN: '123:abc',
        TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/tg',
      }),
    ).toMatch(/^HTTP_PORT: required in webhook mode/)
  })

  test('the console needs HTTP_PORT and a token of 16 or more characters, which counts as a secret', async () => {
    const token = 'console-token-0123456789'
    expect(await failure({ ...base, CONSOLE_TOKEN: token })).toMatch(/^HTTP_PORT: required for the console/)
    expect(await failure({ ...base, HTTP_PORT: '8080', CONSOLE_TOKEN: 'short' })).toBe(
      'CONSOLE_TOKEN: expected 16 to 256 printable ASCII characters without spaces',
    )
    const config = await loadConfig({ ...base, HTTP_PORT: '8080', CONSOLE_TOKEN: token })
    expect(config.console).toEqual({ token })
    expect(secretsOf(config)).toContain(token)
    expect((await loadConfig({ ...base, HTTP_PORT: '8080' })).console).toBeUndefined()
  })

  test('reads the platform sections, ids and absolute sqlite paths', async () => {
    const config = await loadConfig({
      ...base,
      OPENAI_BASE_URL: 'https://relay.example.com/v1/',
      TELEGRAM_BOT_TOKEN: '123456:ABC-def_ghi',
      TELEGRAM_ADMIN_IDS: '1, 2',
      DISCORD_TOKEN: 'discord-token-value',
      DISCORD_GUILD_IDS: '10',
      DISCORD_ADMIN_ROLE_IDS: '77,88',
      STORE_URL: 'sqlite:/var/lib/herald/herald.sqlite',
      HTTP_PORT: '8080',
    })
    expect(config.openai.baseUrl).toBe('https://relay.example.com/v1')
    expect(config.telegram?.adminIds).toEqual(['1', '2'])
    expect(config.telegram?.apiRoot).toBe('https://api.telegram.org')
    expect(config.telegram?.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(config.discord?.apiRoot).toBe('https://discord.com/api')
    expect(config.discord?.guildIds).toEqual(['10'])
    expect(config.discord?.adminRoleIds).toEqual(['77', '88'])
    expect(config.storeUrl).toBe('sqlite:/var/lib/herald/herald.sqlite')
    expect(config.httpPort).toBe(8080)
  })

  test('DISCORD_SHARDS: auto or a count; a shard process runs Discord only', async () => {
    const discord = { ...base, DISCORD_TOKEN: 'discord-token.0123456789', TELEGRAM_BOT_TOKEN: '1:abc' }
    expect((await loadConfig({ ...discord, DISCORD_SHARDS: 'auto' })).discordShards?.count).toBe('auto')
    expect((await loadConfig({ ...discord, DISCORD_SHARDS: '3' })).discordShards?.count).toBe(3)
    expect((await loadConfig(discord)).discordShards).toBeUndefined()
    expect(await failure({ ...discord, DISCORD_SHARDS: '0' })).toBe(
      'DISCORD_SHARDS: expected an integer from 1 to 4096, got "0"',
    )
    // What discord.js's ShardingManager sets in the processes it starts.
    const child = await loadConfig({
      ...discord,
      DISCORD_SHARDS: '3',
      HTTP_PORT: '8080',
      SHARDING_MANAGER: 'true',
      SHARDS: '1',
      SHARD_COUNT: '3',
    })
    expect([child.shardProcess, child.discordShards, child.telegram, child.httpPort]).toEqual([
      true,
      undefined,
      undefined,
      undefined,
    ])
    expect(child.discord?.token).toBe('discord-token.0123456789')
  })

  test('the derived webhook secret is the same in every process', async () => {
    const env = { ...base, TELEGRAM_BOT_TOKEN: '123456:ABC' }
    const a = await loadConfig(env)
    const b = await loadConfig(env)
    expect(a.telegram?.webhookSecret).toBe(b.telegram?.webhookSecret)
    expect(secretsOf(a)).toEqual([base.OPENAI_API_KEY, '123456:ABC', a.telegram?.webhookSecret])
  })

  test('.env fills what the environment does not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-env-'))
    const file = join(dir, '.env')
    writeFileSync(file, 'OPENAI_API_KEY=from-file\nLOG_LEVEL=debug\n')
    const env = readEnvironment({ LOG_LEVEL: 'warn' }, file)
    expect(env.OPENAI_API_KEY).toBe('from-file')
    expect(env.LOG_LEVEL).toBe('warn')
  })
})
