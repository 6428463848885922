import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Env } from '../../src/app/config.ts'
import { startFakeDiscord } from '../fakes/fake-discord.ts'
import { type FakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import { spawnHerald } from './child.ts'
import { DISCORD_TOKEN, KEY, TELEGRAM_TOKEN } from './stack.ts'

/**
 * Start-up as operators see it, with `node src/main.ts` in a child process: one `herald: …` line per
 * part that is ready; a missing or malformed variable stops it with one line naming the variable
 * (and never its secret value) and a non-zero exit.
 */
let dir: string
let telegram: FakeTelegram

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-start-up-'))
  telegram = await startFakeTelegram({ token: TELEGRAM_TOKEN })
})

afterEach(async () => {
  await telegram.close()
  rmSync(dir, { recursive: true, force: true })
})

function base(): Env {
  return {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
    LOG_LEVEL: 'info',
  }
}

/** Runs Herald until it exits; its exit code, stderr lines and stdout lines. */
async function failedStart(env: Env): Promise<{ code: number | null; stderr: string[]; stdout: string[] }> {
  const child = spawnHerald(env, dir)
  const code = await child.exited
  return { code, stderr: child.stderr.filter((l) => l !== ''), stdout: child.stdout.filter((l) => l !== '') }
}

describe('a bad configuration', () => {
  test('a missing OPENAI_API_KEY is one line naming it, and exit 1', async () => {
    const { OPENAI_API_KEY: _, ...env } = base()
    expect(await failedStart(env)).toEqual({
      code: 1,
      stderr: ['herald: OPENAI_API_KEY: required: the API key (Bearer token) of OpenAI or your relay'],
      stdout: [],
    })
  })

  test('a malformed OPENAI_API_KEY is one line naming it, without its value', async () => {
    expect(await failedStart({ ...base(), OPENAI_API_KEY: 'sk-pasted twice-HIDDEN0VALUE' })).toEqual({
      code: 1,
      stderr: [
        'herald: OPENAI_API_KEY: expected one word of printable ASCII characters (no spaces, line breaks or quotes around it)',
      ],
      stdout: [],
    })
  })

  test('a malformed HTTP_PORT is one line naming it', async () => {
    expect(await failedStart({ ...base(), HTTP_PORT: 'eighty' })).toEqual({
      code: 1,
      stderr: ['herald: HTTP_PORT: expected an integer from 1 to 65535, got "eighty"'],
      stdout: [],
    })
  })

  test('an IMAGE_MODEL that is not an image model of the registry is one line naming it', async () => {
    expect(await failedStart({ ...base(), IMAGE_MODEL: 'gpt-5' })).toEqual({
      code: 1,
      stderr: [
        'herald: IMAGE_MODEL: "gpt-5" is not an image model of the registry; expected one of gpt-image-1, gpt-image-1.5',
      ],
      stdout: [],
    })
  })

  test('a refused Telegram token is one line naming it, and exit 1', async () => {
    const { code, stderr } = await failedStart({
      ...base(),
      TELEGRAM_BOT_TOKEN: '5550001:AARefusedToken_0123456789abcdef',
    })
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: ['herald: TELEGRAM_BOT_TOKEN: rejected by the Bot API (401): check the token from @BotFather'],
    })
  })
})

describe('a platform that cannot be reached at start-up', () => {
  test('is one line saying it retries, /healthz names it, the rest runs, and the token is in no output', async () => {
    const closed = await freePort()
    const port = await freePort()
    const child = spawnHerald(
      { ...base(), TELEGRAM_API_ROOT: `http://127.0.0.1:${closed}`, HTTP_PORT: String(port) },
      dir,
    )
    try {
      const line = await child.waitForLine(
        (l) => l.startsWith('herald: telegram retrying:'),
        'the retry line',
      )
      expect(line).toMatch(/^herald: telegram retrying: telegram: .*getMe failed.*ECONNREFUSED/)
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect([health.status, await health.json()]).toMatchObject([
        503,
        {
          ok: false,
          down: ['telegram'],
          states: { store: { state: 'up' }, telegram: { state: 'retrying' } },
        },
      ])
    } finally {
      child.process.kill('SIGINT')
    }
    expect(await child.exited).toBe(0)
    // The Bot API's URLs carry the token: its secret half is in no line.
    const everything = [...child.stderr, ...child.stdout].join('\n')
    expect(everything).not.toContain(TELEGRAM_TOKEN.split(':')[1])
    expect(child.stderr.filter((l) => l !== '')).toEqual([])
  })
})

describe('a good configuration', () => {
  test('prints one line per part when it is ready, and SIGINT (Ctrl-C) exits 0', async () => {
    const discord = await startFakeDiscord({ token: DISCORD_TOKEN })
    try {
      const port = await freePort()
      const child = spawnHerald(
        {
          ...base(),
          HTTP_PORT: String(port),
          DISCORD_TOKEN: discord.token,
          DISCORD_API_ROOT: discord.apiRoot,
          DISCORD_GUILD_IDS: discord.guild.id,
        },
        dir,
      )
      await child.waitForLine((line) => line === 'herald: discord ready', 'the Discord line')
      expect(child.said()).toEqual([
        `herald: http listening on :${port} (/healthz, /metrics)`,
        'herald: telegram ready',
        'herald: discord ready',
      ])
      const health = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect(await health.json()).toMatchObject({
        ok: true,
        down: [],
        checks: { store: true, telegram: true, discord: true },
      })
      child.process.kill('SIGINT')
      expect(await child.exited).toBe(0)
      expect(child.stderr.filter((l) => l !== '')).toEqual([])
    } finally {
      await discord.close()
    }
  })
})
