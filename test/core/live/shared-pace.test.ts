import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { RateLimited } from '../../../src/core/contracts/errors.ts'
import { createLaneRegistry, type LaneTask } from '../../../src/core/live/scheduler.ts'
import { storePace } from '../../../src/core/live/shared-pace.ts'
import { createStore } from '../../../src/core/store/open-store.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'

/**
 * Two processes (two lane registries, each with its own connection to one store file) answer in
 * the same Telegram group: together they keep the group's pace, and a 429 one of them meets pauses
 * the group for both.
 */
const group = { chatKey: 'telegram:-100', pace: { perMessageMs: 3100, perChatMs: 3100 } }

type Call = [at: number, name: string]

/** One answer's single final call; it logs when it lands (or fails once, as told). */
function finalCall(clock: FakeClock, name: string, log: Call[], fail?: unknown): LaneTask {
  let sent = false
  let failure = fail
  return {
    next: () =>
      sent
        ? undefined
        : {
            final: true,
            run: async () => {
              if (failure) {
                const err = failure
                failure = undefined
                throw err
              }
              sent = true
              log.push([clock.now(), name])
              return undefined
            },
          },
  }
}

describe('pacing shared by two processes', () => {
  let clock: FakeClock
  let dir: string
  let stores: Store[]

  beforeEach(() => {
    clock = fakeClock(1_700_000_000_000)
    dir = mkdtempSync(join(tmpdir(), 'herald-pace-'))
    stores = []
  })
  afterEach(async () => {
    for (const store of stores) await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function processes(shared: boolean) {
    const url = `sqlite:${join(dir, 'herald.sqlite')}`
    const open = async () => {
      const store = await createStore(url, { clock })
      stores.push(store)
      return createLaneRegistry({ clock, ...(shared ? { shared: storePace(store, clock) } : {}) })
    }
    return [await open(), await open()] as const
  }

  test('four people asking in one group through two processes get one call per group interval', async () => {
    const [a, b] = await processes(true)
    const log: Call[] = []
    const start = clock.now()
    a.lane(group).offer(finalCall(clock, 'a1', log))
    a.lane(group).offer(finalCall(clock, 'a2', log))
    b.lane(group).offer(finalCall(clock, 'b1', log))
    b.lane(group).offer(finalCall(clock, 'b2', log))
    await clock.runAll(60_000)
    expect(log.map(([at]) => at - start)).toEqual([0, 3100, 6200, 9300])
    expect(log.map(([, name]) => name).sort()).toEqual(['a1', 'a2', 'b1', 'b2'])
  })

  test('without it, each process paces alone and the group sees two calls at once', async () => {
    const [a, b] = await processes(false)
    const log: Call[] = []
    const start = clock.now()
    a.lane(group).offer(finalCall(clock, 'a1', log))
    a.lane(group).offer(finalCall(clock, 'a2', log))
    b.lane(group).offer(finalCall(clock, 'b1', log))
    b.lane(group).offer(finalCall(clock, 'b2', log))
    await clock.runAll(60_000)
    expect(log.map(([at]) => at - start)).toEqual([0, 0, 3100, 3100])
  })

  test('a 429 met by one process pauses the group in the other until retry_after has passed', async () => {
    const [a, b] = await processes(true)
    const log: Call[] = []
    const start = clock.now()
    a.lane(group).offer(finalCall(clock, 'a1', log, new RateLimited(5000)))
    b.lane(group).offer(finalCall(clock, 'b1', log))
    await clock.runAll(60_000)
    expect(log.map(([at]) => at - start)).toEqual([5000, 8100])
    expect(log.map(([, name]) => name).sort()).toEqual(['a1', 'b1'])
  })
})
