import { describe, expect, test } from 'vitest'
import {
  findRunningAnswer,
  requestStop,
  runningAnswersOf,
  StoppedElsewhere,
  stopRequestOf,
  trackAnswer,
} from '../../../src/core/answers/running-answers.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import { fakeClock, settle } from '../../helpers/fake-clock.ts'
import { storeFixture } from '../store/store-backends.ts'

const stores = storeFixture('sqlite')

async function setUp() {
  const clock = fakeClock(1_000_000)
  const store = await stores.open({ clock })
  const owner = { store, clock, log: silentLogger, processId: 'process-a' }
  const other = { store, clock }
  const controller = new AbortController()
  const tracking = trackAnswer(owner, { id: 'a1', userKey: 'telegram:7', chatKey: 'telegram:-5' }, controller)
  await settle()
  return { clock, store, other, controller, tracking }
}

describe('running answers across processes', () => {
  test('a running answer is recorded for every process, by id and by asker', async () => {
    const { store, tracking } = await setUp()
    const record = { id: 'a1', userKey: 'telegram:7', chatKey: 'telegram:-5', owner: 'process-a' }
    expect(await findRunningAnswer(store, 'a1')).toEqual({ ...record, startedAt: 1_000_000 })
    expect(await runningAnswersOf(store, 'telegram:7')).toEqual([{ ...record, startedAt: 1_000_000 }])
    expect(await runningAnswersOf(store, 'telegram:8')).toEqual([])
    await tracking.end()
  })

  test('a stop request aborts the answer at the owner’s next look, a second later', async () => {
    const { clock, other, controller, tracking } = await setUp()
    await clock.advance(300)
    await requestStop(other, 'a1', 'telegram:9')
    await clock.advance(699)
    expect(controller.signal.aborted).toBe(false)
    await clock.advance(1)
    expect(controller.signal.aborted).toBe(true)
    expect(controller.signal.reason).toBeInstanceOf(StoppedElsewhere)
    expect(controller.signal.reason).toMatchObject({ kind: 'aborted', by: 'telegram:9' })
    await tracking.end()
  })

  test('the record lives as long as the answer runs, and end() forgets it with any late stop request', async () => {
    const { clock, store, other, controller, tracking } = await setUp()
    await clock.advance(120_000)
    expect(await findRunningAnswer(store, 'a1')).toMatchObject({ id: 'a1', owner: 'process-a' })
    expect((await runningAnswersOf(store, 'telegram:7')).map((r) => r.id)).toEqual(['a1'])

    // A request that arrives as the answer ends is not picked up any more: end() removes it too.
    await requestStop(other, 'a1', 'telegram:7')
    await tracking.end()
    expect(await findRunningAnswer(store, 'a1')).toBeUndefined()
    expect(await runningAnswersOf(store, 'telegram:7')).toEqual([])
    expect(await stopRequestOf(store, 'a1')).toBeUndefined()
    expect(controller.signal.aborted).toBe(false)
    expect(clock.pending).toBe(0)
  })

  test('the record of a process that stopped looking (it died) expires within 30 s', async () => {
    const { clock, store, controller } = await setUp()
    controller.abort()
    await clock.advance(29_999)
    expect(await findRunningAnswer(store, 'a1')).toMatchObject({ id: 'a1' })
    await clock.advance(1)
    expect(await findRunningAnswer(store, 'a1')).toBeUndefined()
    expect(await runningAnswersOf(store, 'telegram:7')).toEqual([])
  })

  test('a stop request nobody picks up is forgotten after a minute', async () => {
    const { clock, store, other } = await setUp()
    await requestStop(other, 'gone-answer', 'telegram:7')
    await clock.advance(59_999)
    expect(await stopRequestOf(store, 'gone-answer')).toEqual({ by: 'telegram:7', at: 1_000_000 })
    await clock.advance(1)
    expect(await stopRequestOf(store, 'gone-answer')).toBeUndefined()
  })
})
