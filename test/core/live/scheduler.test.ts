import { describe, expect, test } from 'vitest'
import { RateLimited } from '../../../src/core/contracts/errors.ts'
import { GlobalGate } from '../../../src/core/live/global-gate.ts'
import { createLaneRegistry, type LaneCall, type LaneTask } from '../../../src/core/live/scheduler.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'

const pace = { perMessageMs: 1000, perChatMs: 1000 }

/** A task holding at most one pending value; its call logs [time, name, value] (or fails as told). */
function valueTask(clock: FakeClock, name: string, log: Array<[number, string, string]>, messageId?: string) {
  let pending: string | undefined
  let final = false
  const failures: unknown[] = []
  const task: LaneTask & {
    set(value: string, isFinal?: boolean): void
    failNext(err: unknown): void
    asked: number
  } = {
    asked: 0,
    set(value, isFinal = false) {
      pending = value
      final = isFinal
    },
    failNext(err) {
      failures.push(err)
    },
    next(): LaneCall | undefined {
      task.asked++
      if (pending === undefined) return undefined
      const value = pending
      return {
        messageId,
        final,
        run: async () => {
          const failure = failures.shift()
          if (failure) throw failure
          log.push([clock.now(), name, value])
          if (pending === value) pending = undefined
          return messageId
        },
      }
    },
  }
  return task
}

describe('a lane', () => {
  test('makes calls one chat interval apart, across answers', async () => {
    const clock = fakeClock()
    const lane = createLaneRegistry({ clock }).lane({ chatKey: 'telegram:1', pace })
    const log: Array<[number, string, string]> = []
    const a = valueTask(clock, 'a', log, 'm1')
    const b = valueTask(clock, 'b', log, 'm2')
    a.set('a1')
    lane.offer(a)
    b.set('b1')
    lane.offer(b)
    await clock.advance(500)
    a.set('a2')
    lane.offer(a)
    await clock.runAll()
    expect(log).toEqual([
      [0, 'a', 'a1'],
      [1000, 'b', 'b1'],
      [2000, 'a', 'a2'],
    ])
  })

  test('asks for the newest content only when its turn comes', async () => {
    const clock = fakeClock()
    const lane = createLaneRegistry({ clock }).lane({ chatKey: 'telegram:1', pace })
    const log: Array<[number, string, string]> = []
    const a = valueTask(clock, 'a', log, 'm1')
    a.set('v0')
    lane.offer(a)
    for (let i = 1; i <= 49; i++) {
      await clock.advance(20)
      a.set(`v${i}`)
      lane.offer(a)
    }
    await clock.runAll()
    expect(log).toEqual([
      [0, 'a', 'v0'],
      [1000, 'a', 'v49'],
    ])
    // Asked around each call (to plan it, to make it, to see what is left) and once when it came back: never per offer.
    expect(a.asked).toBe(7)
  })

  test('keeps edits of one message perMessageMs apart even when the chat allows more', async () => {
    const clock = fakeClock()
    const lane = createLaneRegistry({ clock }).lane({
      chatKey: 'discord:1',
      pace: { perMessageMs: 2000, perChatMs: 500 },
    })
    const log: Array<[number, string, string]> = []
    const a = valueTask(clock, 'a', log, 'm1')
    const b = valueTask(clock, 'b', log, 'm2')
    a.set('a1')
    lane.offer(a)
    await clock.advance(100)
    a.set('a2')
    lane.offer(a)
    b.set('b1')
    lane.offer(b)
    await clock.runAll()
    expect(log).toEqual([
      [0, 'a', 'a1'],
      [500, 'b', 'b1'],
      [2000, 'a', 'a2'],
    ])
  })

  test('a 429 pauses the chat until retry_after has passed, then the call is made again', async () => {
    const clock = fakeClock()
    const lane = createLaneRegistry({ clock }).lane({ chatKey: 'telegram:1', pace })
    const log: Array<[number, string, string]> = []
    const a = valueTask(clock, 'a', log, 'm1')
    const b = valueTask(clock, 'b', log, 'm2')
    a.failNext(new RateLimited(5000))
    a.set('a1')
    lane.offer(a)
    await clock.advance(10)
    b.set('b1')
    lane.offer(b)
    await clock.runAll()
    expect(log).toEqual([
      [5000, 'b', 'b1'],
      [6000, 'a', 'a1'],
    ])
    expect(lane.stats).toEqual({ calls: 3, rateLimited: 1 })
  })

  test('a global 429 pauses every chat of that platform, and no other', async () => {
    const clock = fakeClock()
    const lanes = createLaneRegistry({ clock, globalGapMs: {} })
    const log: Array<[number, string, string]> = []
    const a = valueTask(clock, 'a', log)
    const b = valueTask(clock, 'b', log)
    const c = valueTask(clock, 'c', log)
    a.failNext(new RateLimited(3000, true))
    a.set('a1')
    lanes.lane({ chatKey: 'discord:1', pace }).offer(a)
    await clock.advance(10)
    b.set('b1')
    lanes.lane({ chatKey: 'discord:2', pace }).offer(b)
    c.set('c1')
    lanes.lane({ chatKey: 'telegram:3', pace }).offer(c)
    await clock.runAll()
    expect(log).toEqual([
      [10, 'c', 'c1'],
      [3000, 'a', 'a1'],
      [3000, 'b', 'b1'],
    ])
  })

  test('a final render goes before intermediate edits of other answers', async () => {
    const clock = fakeClock()
    const lane = createLaneRegistry({ clock }).lane({ chatKey: 'telegram:1', pace })
    const log: Array<[number, string, string]> = []
    const tasks = ['a', 'b', 'c'].map((name) => valueTask(clock, name, log, name))
    const [a, b, c] = tasks as [
      ReturnType<typeof valueTask>,
      ReturnType<typeof valueTask>,
      ReturnType<typeof valueTask>,
    ]
    a.set('a1')
    lane.offer(a)
    await clock.advance(10)
    b.set('b1')
    lane.offer(b)
    c.set('c-final', true)
    lane.offer(c, true)
    await clock.runAll()
    expect(log).toEqual([
      [0, 'a', 'a1'],
      [1000, 'c', 'c-final'],
      [2000, 'b', 'b1'],
    ])
  })

  test('shares one global budget between the chats of a platform', async () => {
    const clock = fakeClock()
    const lanes = createLaneRegistry({ clock, globalGapMs: { telegram: 100 } })
    const log: Array<[number, string, string]> = []
    for (const id of ['1', '2', '3']) {
      const task = valueTask(clock, id, log)
      task.set(`v${id}`)
      lanes.lane({ chatKey: `telegram:${id}`, pace }).offer(task)
    }
    await clock.runAll()
    expect(log).toEqual([
      [0, '1', 'v1'],
      [100, '2', 'v2'],
      [200, '3', 'v3'],
    ])
  })

  test('across chats, first messages go before intermediate edits, and final renders before both', async () => {
    const clock = fakeClock()
    const lanes = createLaneRegistry({ clock, globalGapMs: { telegram: 100 } })
    const log: Array<[number, string, string]> = []
    const offer = (chat: string, messageId: string | undefined, final = false) => {
      const task = valueTask(clock, chat, log, messageId)
      task.set(final ? 'final' : messageId ? 'edit' : 'first', final)
      lanes.lane({ chatKey: `telegram:${chat}`, pace }).offer(task, final)
    }
    offer('1', 'm1')
    offer('2', 'm2')
    offer('3', undefined)
    offer('4', 'm4', true)
    offer('5', undefined)
    offer('6', undefined, true)
    await clock.runAll()
    expect(log).toEqual([
      [0, '1', 'edit'],
      [100, '6', 'final'],
      [200, '4', 'final'],
      [300, '3', 'first'],
      [400, '5', 'first'],
      [500, '2', 'edit'],
    ])
  })

  test('a first message that becomes the final render while it waits for the global budget moves up', async () => {
    const clock = fakeClock()
    const lanes = createLaneRegistry({ clock, globalGapMs: { telegram: 100 } })
    const log: Array<[number, string, string]> = []
    const lane = (chat: string) => lanes.lane({ chatKey: `telegram:${chat}`, pace })
    const busy = valueTask(clock, '1', log, 'm1')
    busy.set('edit')
    lane('1').offer(busy)
    const fresh = valueTask(clock, '2', log)
    fresh.set('first')
    lane('2').offer(fresh)
    const shown = valueTask(clock, '3', log, 'm3')
    shown.set('final', true)
    lane('3').offer(shown, true)
    await clock.advance(10)
    // The stream of chat 2 ended before its first message went: that person sees nothing yet.
    fresh.set('final', true)
    lane('2').offer(fresh, true)
    await clock.runAll()
    expect(log).toEqual([
      [0, '1', 'edit'],
      [100, '2', 'final'],
      [200, '3', 'final'],
    ])
  })

  test('one lane per chat key, shared by every surface of that chat', () => {
    const lanes = createLaneRegistry({ clock: fakeClock() })
    expect(lanes.lane({ chatKey: 'telegram:1', pace })).toBe(lanes.lane({ chatKey: 'telegram:1', pace }))
    expect(lanes.lane({ chatKey: 'telegram:1', pace })).not.toBe(lanes.lane({ chatKey: 'telegram:2', pace }))
  })
})

describe('the global gate', () => {
  test('lets final calls through first (in a new message before an edit), then first messages, then edits', async () => {
    const clock = fakeClock()
    const gate = new GlobalGate(clock, 100)
    const order: string[] = []
    await gate.acquire('edit')
    const waits = (
      [
        ['edit', 'e1'],
        ['first', 'f1'],
        ['edit', 'e2'],
        ['final', 'x1'],
        ['first', 'f2'],
        ['final', 'x2'],
        ['final-new', 'n1'],
      ] as const
    ).map(([priority, name]) => gate.acquire(priority).then(() => order.push(`${name}@${clock.now()}`)))
    await clock.runAll()
    await Promise.all(waits)
    expect(order).toEqual(['n1@100', 'x1@200', 'x2@300', 'f1@400', 'f2@500', 'e1@600', 'e2@700'])
  })

  test('waits out a global pause', async () => {
    const clock = fakeClock()
    const gate = new GlobalGate(clock, 0)
    gate.pause(2500)
    let at = -1
    const wait = gate.acquire('edit').then(() => {
      at = clock.now()
    })
    await clock.runAll()
    await wait
    expect(at).toBe(2500)
  })
})
