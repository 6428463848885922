import { EventEmitter } from 'node:events'
import { Client } from 'discord.js'
import { Telegraf } from 'telegraf'
import { describe, expect, test } from 'vitest'
import { guardProcess, platformOf } from '../../src/app/process-guard.ts'
import type { Platform } from '../../src/core/contracts/chat.ts'
import { createLogger } from '../../src/core/contracts/log.ts'

/** An error thrown inside discord.js itself: building an interaction that has no `entitlements`. */
function discordJsError(): Error {
  const client = new Client({ intents: [] })
  const actions = (client as unknown as { actions: { InteractionCreate: { handle(d: unknown): void } } })
    .actions
  try {
    actions.InteractionCreate.handle({ id: '1', type: 2, data: { type: 1, name: 'ask' }, user: { id: '2' } })
  } catch (err) {
    return err as Error
  } finally {
    void client.destroy()
  }
  throw new Error('discord.js did not throw')
}

/** An error thrown inside telegraf itself. */
function telegrafError(): Error {
  try {
    new Telegraf('123:abc').stop()
  } catch (err) {
    return err as Error
  }
  throw new Error('telegraf did not throw')
}

function setUp() {
  const target = new EventEmitter()
  const lines: Record<string, unknown>[] = []
  const log = createLogger({
    level: 'info',
    secrets: [],
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const failed: Array<[Platform, unknown]> = []
  const exits: number[] = []
  const reporter = (platform: Platform) => ({
    up() {},
    trouble() {},
    failed: (err: unknown) => void failed.push([platform, err]),
  })
  const unguard = guardProcess({
    reporterFor: (platform) => (platform === 'console' ? undefined : reporter(platform)),
    log,
    target: target as unknown as NodeJS.Process,
    exit: (code) => void exits.push(code),
  })
  return { target, lines, failed, exits, unguard }
}

describe('the process guard', () => {
  test('attributes an error to the platform library its stack runs through', () => {
    expect(platformOf(discordJsError())).toBe('discord')
    expect(platformOf(telegrafError())).toBe('telegram')
    expect(platformOf(new Error('ours'))).toBeUndefined()
    expect(platformOf('not an error')).toBeUndefined()
  })

  test('a library rejection or exception goes to its platform’s supervisor, logged once; the process lives', () => {
    const { target, lines, failed, exits } = setUp()
    const fromDiscord = discordJsError()
    const fromTelegraf = telegrafError()
    target.emit('unhandledRejection', fromDiscord)
    target.emit('uncaughtException', fromTelegraf)
    expect(failed).toEqual([
      ['discord', fromDiscord],
      ['telegram', fromTelegraf],
    ])
    expect(lines.map((l) => [l.level, l.platform, l.msg])).toEqual([
      [50, 'discord', 'discord: unhandled rejection in the library; rebuilding its client'],
      [50, 'telegram', 'telegram: unhandled exception in the library; rebuilding its client'],
    ])
    expect(exits).toEqual([])
  })

  test('Herald’s own rejection is logged and the process goes on; its own exception exits 1', async () => {
    const { target, lines, failed, exits, unguard } = setUp()
    target.emit('unhandledRejection', new Error('a promise of ours'))
    expect(exits).toEqual([])
    target.emit('uncaughtException', new Error('a bug of ours'))
    await expect.poll(() => exits).toEqual([1])
    expect(failed).toEqual([])
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'unhandled rejection'],
      [60, 'uncaught exception: exiting'],
    ])
    unguard()
    expect(target.listenerCount('unhandledRejection') + target.listenerCount('uncaughtException')).toBe(0)
  })

  test('the exit does not wait for a log whose output is gone', async () => {
    const target = new EventEmitter()
    const exits: number[] = []
    // A destination whose flush never calls back, as with stdout's reader gone.
    const log = createLogger({ level: 'info', secrets: [], destination: { write: () => {} } })
    log.flush = () => {}
    guardProcess({
      reporterFor: () => undefined,
      log,
      target: target as unknown as NodeJS.Process,
      exit: (code) => void exits.push(code),
    })
    target.emit('uncaughtException', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    await expect.poll(() => exits, { timeout: 3_000 }).toEqual([1])
  })
})
