import { describe, expect, onTestFinished, test, vi } from 'vitest'
import {
  type AnswerRecords,
  createAnswerRecords,
  StoppedElsewhere,
} from '../../../src/core/answers/answer-records.ts'
import { startHeartbeat } from '../../../src/core/answers/heartbeat.ts'
import type { ChatRef } from '../../../src/core/contracts/chat.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import type { Rendered, Surface } from '../../../src/core/contracts/surface.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { type FakeClock, fakeClock, settle } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

const chat: ChatRef = { platform: 'telegram', id: '-5', kind: 'group', key: 'telegram:-5' }
const text = (t: string): Rendered => ({ text: t, format: 'plain' })

function recordsOf(store: Store, clock: FakeClock, processId: string): AnswerRecords {
  return createAnswerRecords({ store, clock, log: silentLogger, processId })
}

/** A surface that only numbers its messages: the record is what is under test. */
function numberingSurface(): Surface {
  let next = 1
  return {
    chatKey: chat.key,
    limit: 4096,
    pace: { perMessageMs: 1000, perChatMs: 1000 },
    format: 'plain',
    send: async () => ({ chatId: chat.id, id: String(next++) }),
    edit: async () => {},
  }
}

describe.each(BACKENDS)('answer records on %s', (backend) => {
  const stores = storeFixture(backend)

  async function twoProcesses() {
    const clock = fakeClock(1_000_000)
    const location = stores.location()
    const storeA = await location.open({ clock })
    const storeB = await location.open({ clock })
    // Both processes beat: their slots and records are theirs while they live.
    const beats = [
      await startHeartbeat(storeA, { processId: 'process-a', ttlMs: 30_000, log: silentLogger, clock }),
      await startHeartbeat(storeB, { processId: 'process-b', ttlMs: 30_000, log: silentLogger, clock }),
    ]
    onTestFinished(() => Promise.all(beats.map((beat) => beat.stop())).then(() => undefined))
    return { clock, a: recordsOf(storeA, clock, 'process-a'), b: recordsOf(storeB, clock, 'process-b') }
  }

  test('a running answer is seen by every process, by id and by asker', async () => {
    const { a, b } = await twoProcesses()
    const started = await a.start({ userKey: 'telegram:7', chat, id: 'a1' })
    if (!started.ok) throw new Error('expected to start')
    await settle()
    const record = {
      id: 'a1',
      owner: 'process-a',
      userKey: 'telegram:7',
      chat,
      startedAt: 1_000_000,
      messages: [],
    }
    expect(await b.find('a1')).toEqual(record)
    expect(await b.ofUser('telegram:7')).toEqual([record])
    expect(await b.ofUser('telegram:8')).toEqual([])
    expect(await b.everywhere()).toEqual([record])
    expect(a.all().map((x) => x.id)).toEqual(['a1'])
    expect(b.all()).toEqual([])
    await started.answer.end()
    expect(await b.find('a1')).toBeUndefined()
    expect(a.all()).toEqual([])
  })

  test('one answer at a time per user, whichever process it runs in; the end frees the slot', async () => {
    const { a, b } = await twoProcesses()
    const first = await a.start({ userKey: 'telegram:7', chat })
    expect(first.ok).toBe(true)
    expect(await b.start({ userKey: 'telegram:7', chat })).toEqual({ ok: false, reason: 'busy' })
    expect(await a.start({ userKey: 'telegram:7', chat })).toEqual({ ok: false, reason: 'busy' })
    const other = await b.start({ userKey: 'telegram:8', chat })
    expect(other.ok).toBe(true)
    if (!first.ok || !other.ok) throw new Error('unreachable')
    await first.answer.end()
    await first.answer.end()
    const again = await b.start({ userKey: 'telegram:7', chat })
    expect(again.ok).toBe(true)
    if (again.ok) await again.answer.end()
    await other.answer.end()
  })

  test('a stop request from another process aborts the answer without any poll per answer', async () => {
    const { clock, a, b } = await twoProcesses()
    const started = await a.start({ userKey: 'telegram:7', chat, id: 'a1' })
    if (!started.ok) throw new Error('expected to start')
    await b.requestStop('a1', 'telegram:9')
    // Redis delivers through pub/sub; processes sharing a SQLite file look once per poll interval.
    if (backend === 'sqlite') await clock.advance(250)
    await vi.waitFor(() => expect(started.answer.controller.signal.aborted).toBe(true), { timeout: 5000 })
    expect(started.answer.controller.signal.reason).toBeInstanceOf(StoppedElsewhere)
    expect(started.answer.controller.signal.reason).toMatchObject({ kind: 'aborted', by: 'telegram:9' })
    await started.answer.end()
    expect(await b.stopRequestOf('a1')).toBeUndefined()
  })

  test('a slot left by a process that stopped beating is taken over; a live one is not', async () => {
    const clock = fakeClock(1_000_000)
    const location = stores.location()
    const storeA = await location.open({ clock })
    const heartbeat = await startHeartbeat(storeA, {
      processId: 'process-a',
      ttlMs: 30_000,
      log: silentLogger,
      clock,
    })
    const a = recordsOf(storeA, clock, 'process-a')
    const b = recordsOf(await location.open({ clock }), clock, 'process-b')
    const held = await a.start({ userKey: 'telegram:7', chat, id: 'a1' })
    expect(held.ok).toBe(true)
    expect(await b.start({ userKey: 'telegram:7', chat })).toEqual({ ok: false, reason: 'busy' })
    await heartbeat.stop() // process A is gone
    const taken = await b.start({ userKey: 'telegram:7', chat, id: 'b1' })
    expect(taken.ok).toBe(true)
    if (taken.ok) await taken.answer.end()
  })
})

describe('answer record writes (sqlite, fake time)', () => {
  const stores = storeFixture('sqlite')

  test('messages are recorded at once, then at most every two seconds, and the end leaves no timer', async () => {
    const clock = fakeClock(1_000_000)
    const store = await stores.open({ clock })
    const records = recordsOf(store, clock, 'process-a')
    const started = await records.start({ userKey: 'telegram:7', chat, id: 'a1' })
    if (!started.ok) throw new Error('expected to start')
    const surface = started.answer.wrap(numberingSurface())
    const ref = await surface.send(text('Hel▍'))
    await settle()
    expect((await records.find('a1'))?.messages).toEqual([{ ref, content: text('Hel▍') }])
    await clock.advance(1_000)
    await surface.edit(ref, text('Hello▍'))
    await clock.advance(999)
    expect((await records.find('a1'))?.messages[0]?.content).toEqual(text('Hel▍'))
    await clock.advance(1)
    expect((await records.find('a1'))?.messages[0]?.content).toEqual(text('Hello▍'))
    expect(started.answer.refs()).toEqual([ref])
    await surface.edit(ref, text('Hello world'))
    await started.answer.end()
    expect(clock.pending).toBe(0)
    expect(await records.find('a1')).toBeUndefined()
  })

  test('a stop request nobody picks up is forgotten after a minute', async () => {
    const clock = fakeClock(1_000_000)
    const records = recordsOf(await stores.open({ clock }), clock, 'process-a')
    await records.requestStop('gone-answer', 'telegram:7')
    await clock.advance(59_999)
    expect(await records.stopRequestOf('gone-answer')).toEqual({ by: 'telegram:7', at: 1_000_000 })
    await clock.advance(1)
    expect(await records.stopRequestOf('gone-answer')).toBeUndefined()
  })
})
