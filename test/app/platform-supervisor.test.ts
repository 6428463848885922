import { describe, expect, test } from 'vitest'
import {
  backoffMs,
  createPlatformSupervisor,
  type PlatformStatus,
  supervisorDefaults,
} from '../../src/app/platform-supervisor.ts'
import { ConfigError, SurfaceError } from '../../src/core/contracts/errors.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import type { SupervisedClient } from '../../src/core/contracts/platform.ts'
import { type FakeClock, fakeClock, settle } from '../helpers/fake-clock.ts'

/** A client whose starts succeed or fail as scripted, recording [time, call]. */
function scriptedClient(clock: FakeClock, outcomes: Array<'ok' | Error> = []) {
  const calls: Array<[number, string]> = []
  const next = async (name: string) => {
    calls.push([clock.now(), name])
    const outcome = outcomes.shift() ?? 'ok'
    if (outcome !== 'ok') throw outcome
  }
  const client: SupervisedClient = {
    start: () => next('start'),
    restart: () => next('restart'),
    stop: async () => void calls.push([clock.now(), 'stop']),
  }
  return { client, calls }
}

function setUp(random = () => 0.5) {
  const clock = fakeClock(0)
  const lines: Record<string, unknown>[] = []
  const log = createLogger({
    level: 'info',
    secrets: [],
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const changes: PlatformStatus[] = []
  const supervisor = createPlatformSupervisor({
    platform: 'telegram',
    log,
    clock,
    random,
    onChange: (status) => void changes.push(status),
  })
  const said = () => lines.map((l) => l.msg)
  return { clock, supervisor, changes, said }
}

const conflict = () => new SurfaceError('another process is polling with this bot token (409 Conflict)', true)
const revoked = () => new ConfigError('TELEGRAM_BOT_TOKEN', 'rejected by the Bot API (401)')

describe('backoff', () => {
  test('doubles from 1 s to 60 s, spread by ±20% and never above 60 s', () => {
    const middle = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, () => 0.5))
    expect(middle).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000])
    expect([1, 6, 7].map((n) => backoffMs(n, () => 0))).toEqual([800, 25_600, 48_000])
    expect([1, 6, 7].map((n) => backoffMs(n, () => 0.999999))).toEqual([1_200, 38_400, 60_000])
    expect(supervisorDefaults).toEqual({ firstMs: 1_000, maxMs: 60_000, jitter: 0.2 })
  })
})

describe('a platform supervisor', () => {
  test('starts the client and is up', async () => {
    const { clock, supervisor, said } = setUp()
    const { client, calls } = scriptedClient(clock)
    await supervisor.start(client)
    expect(supervisor.status).toEqual({ state: 'up', since: 0 })
    expect(calls).toEqual([[0, 'start']])
    expect(said()).toEqual([])
  })

  test('a failure rebuilds the client with backoff, and one line says when it began and one when it ended', async () => {
    const { clock, supervisor, said, changes } = setUp()
    const { client, calls } = scriptedClient(clock, ['ok', conflict(), conflict()])
    await supervisor.start(client)
    await clock.advance(5_000)
    supervisor.failed(conflict())
    expect(supervisor.status).toEqual({
      state: 'retrying',
      since: 5_000,
      reason: 'another process is polling with this bot token (409 Conflict)',
      attempts: 1,
    })
    await clock.runAll()
    expect(calls).toEqual([
      [0, 'start'],
      [6_000, 'restart'],
      [8_000, 'restart'],
      [12_000, 'restart'],
    ])
    expect(supervisor.status).toEqual({ state: 'up', since: 12_000 })
    expect(said()).toEqual([
      'telegram retrying: another process is polling with this bot token (409 Conflict)',
      'telegram: up again',
    ])
    expect(changes.map((c) => [c.state, 'attempts' in c ? c.attempts : undefined])).toEqual([
      ['starting', undefined],
      ['up', undefined],
      ['retrying', 1],
      ['retrying', 2],
      ['retrying', 3],
      ['up', undefined],
    ])
  })

  test('a rebuilt client that fails again within a minute continues the same outage', async () => {
    const { clock, supervisor, said } = setUp()
    const { client, calls } = scriptedClient(clock)
    await supervisor.start(client)
    supervisor.failed(conflict())
    await clock.advance(1_000)
    expect(supervisor.status).toEqual({ state: 'up', since: 1_000 })
    // Two copies polling with one token take turns: each rebuild serves until the other polls again.
    await clock.advance(30_000)
    supervisor.failed(conflict())
    expect(supervisor.status).toMatchObject({ state: 'retrying', since: 0, attempts: 2 })
    await clock.advance(2_000)
    supervisor.failed(conflict())
    expect(supervisor.status).toMatchObject({ state: 'retrying', since: 0, attempts: 3 })
    await clock.advance(4_000)
    expect(calls.map(([at, call]) => `${at} ${call}`)).toEqual([
      '0 start',
      '1000 restart',
      '33000 restart',
      '37000 restart',
    ])
    expect(said()).toEqual([
      'telegram retrying: another process is polling with this bot token (409 Conflict)',
    ])
    await clock.advance(60_000)
    expect(said()).toEqual([
      'telegram retrying: another process is polling with this bot token (409 Conflict)',
      'telegram: up again',
    ])
    supervisor.failed(conflict())
    expect(supervisor.status).toMatchObject({ state: 'retrying', since: 97_000, attempts: 1 })
    expect(said()).toHaveLength(3)
  })

  test('the delays follow the random source', async () => {
    const { clock, supervisor } = setUp(() => 0)
    const { client, calls } = scriptedClient(clock, [conflict(), conflict()])
    await supervisor.start(client)
    await clock.runAll()
    expect(calls).toEqual([
      [0, 'start'],
      [800, 'restart'],
      [2_400, 'restart'],
    ])
  })

  test('a ConfigError stops the platform with one line and no retry', async () => {
    const { clock, supervisor, said } = setUp()
    const { client, calls } = scriptedClient(clock)
    await supervisor.start(client)
    supervisor.failed(revoked())
    await clock.runAll()
    expect(supervisor.status).toEqual({
      state: 'stopped',
      since: 0,
      reason: 'TELEGRAM_BOT_TOKEN: rejected by the Bot API (401)',
    })
    expect(said()).toEqual(['telegram stopped: TELEGRAM_BOT_TOKEN: rejected by the Bot API (401)'])
    expect(calls).toEqual([
      [0, 'start'],
      [0, 'stop'],
    ])
    supervisor.failed(conflict())
    supervisor.up()
    expect(supervisor.status.state).toBe('stopped')
  })

  test('a ConfigError on a rebuild stops the retries', async () => {
    const { clock, supervisor, said } = setUp()
    const { client, calls } = scriptedClient(clock, ['ok', conflict(), revoked()])
    await supervisor.start(client)
    supervisor.failed(conflict())
    await clock.runAll()
    expect(calls.map(([at, call]) => `${at} ${call}`)).toEqual([
      '0 start',
      '1000 restart',
      '3000 restart',
      '3000 stop',
    ])
    expect(supervisor.status.state).toBe('stopped')
    expect(said()).toHaveLength(2)
  })

  test('a refused first start rejects (start-up stops); a transient one retries in the background', async () => {
    const refused = setUp()
    await expect(refused.supervisor.start(scriptedClient(refused.clock, [revoked()]).client)).rejects.toThrow(
      ConfigError,
    )
    expect(refused.supervisor.status.state).toBe('stopped')

    const { clock, supervisor } = setUp()
    const { client, calls } = scriptedClient(clock, [new Error('connect ECONNREFUSED 127.0.0.1:9')])
    await supervisor.start(client)
    expect(supervisor.status).toMatchObject({ state: 'retrying', reason: 'connect ECONNREFUSED 127.0.0.1:9' })
    await clock.runAll()
    expect(calls).toEqual([
      [0, 'start'],
      [1_000, 'restart'],
    ])
    expect(supervisor.status.state).toBe('up')
  })

  test('trouble the library heals itself is retrying, then up, without a rebuild', async () => {
    const { clock, supervisor, said } = setUp()
    const { client, calls } = scriptedClient(clock)
    await supervisor.start(client)
    supervisor.trouble('getUpdates failed: 502 Bad Gateway')
    supervisor.trouble('getUpdates failed: 502 Bad Gateway')
    expect(supervisor.status).toEqual({
      state: 'retrying',
      since: 0,
      reason: 'getUpdates failed: 502 Bad Gateway',
      attempts: 0,
    })
    await clock.advance(5_000)
    supervisor.up()
    supervisor.up()
    expect(supervisor.status).toEqual({ state: 'up', since: 5_000 })
    expect(calls).toEqual([[0, 'start']])
    expect(said()).toEqual(['telegram retrying: getUpdates failed: 502 Bad Gateway', 'telegram: up again'])
  })

  test('trouble then a failure is one outage: one line, the rebuild counted from the first trouble', async () => {
    const { clock, supervisor, said } = setUp()
    const { client } = scriptedClient(clock)
    await supervisor.start(client)
    supervisor.trouble('gateway reconnecting')
    await clock.advance(2_000)
    supervisor.failed(conflict())
    expect(supervisor.status).toMatchObject({ state: 'retrying', since: 0, attempts: 1 })
    await clock.runAll()
    expect(said()).toEqual(['telegram retrying: gateway reconnecting', 'telegram: up again'])
  })

  test('reports during a rebuild belong to it; a failure while starting is retried once started', async () => {
    const { clock, supervisor } = setUp()
    const { client, calls } = scriptedClient(clock, ['ok', conflict()])
    const starting = supervisor.start(client)
    supervisor.failed(conflict())
    await starting
    expect(supervisor.status).toMatchObject({ state: 'retrying', attempts: 1 })
    supervisor.failed(conflict())
    supervisor.up()
    supervisor.trouble('again')
    expect(supervisor.status).toMatchObject({ state: 'retrying', attempts: 1 })
    await clock.runAll()
    expect(calls.map(([at, call]) => `${at} ${call}`)).toEqual(['0 start', '1000 restart', '3000 restart'])
    expect(supervisor.status.state).toBe('up')
  })

  test('stop ends the retries, stops the client and says so', async () => {
    const { clock, supervisor } = setUp()
    const { client, calls } = scriptedClient(clock)
    await supervisor.start(client)
    supervisor.failed(conflict())
    await supervisor.stop()
    expect(supervisor.status).toEqual({ state: 'stopped', since: 0, reason: 'Herald is stopping' })
    await clock.runAll()
    await settle()
    expect(calls).toEqual([
      [0, 'start'],
      [0, 'stop'],
    ])
    expect(clock.pending).toBe(0)
  })
})
