import { describe, expect, test } from 'vitest'
import { HeraldError, InputError } from '../../../src/core/contracts/errors.ts'
import { checkPromptLength, createLimits, createStreamGate } from '../../../src/core/state/limits.ts'
import { fakeClock, settle } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

describe.each(BACKENDS)('limits on %s', (backend) => {
  const fixture = storeFixture(backend)

  test('a user rate is shared by every process and resets with the minute', async () => {
    const clock = fakeClock(Date.UTC(2025, 0, 1, 12, 0, 15))
    const location = fixture.location()
    const one = createLimits({ store: await location.open(), clock, userRequestsPerMinute: 3 })
    const two = createLimits({ store: await location.open(), clock, userRequestsPerMinute: 3 })
    expect(await one.checkRate('u')).toEqual({ ok: true, remaining: 2 })
    expect(await two.checkRate('u')).toEqual({ ok: true, remaining: 1 })
    expect(await one.checkRate('u')).toEqual({ ok: true, remaining: 0 })
    expect(await two.checkRate('u')).toEqual({ ok: false, retryAfterMs: 45_000 })
    expect(await one.checkRate('other')).toEqual({ ok: true, remaining: 2 })
    await clock.advance(45_000)
    expect(await two.checkRate('u')).toEqual({ ok: true, remaining: 2 })
  })
})

describe('stream gate', () => {
  test('runs at most max streams and queues the rest in order, with visible positions', async () => {
    const gate = createStreamGate(2)
    const tickets = Array.from({ length: 4 }, () => gate.enqueue())
    expect(tickets.map((t) => t.position())).toEqual([0, 0, 1, 2])
    expect([gate.active, gate.waiting]).toEqual([2, 2])
    const seen: Array<[number, number]> = []
    for (const [i, t] of tickets.entries()) t.onPosition((p) => seen.push([i, p]))

    const release = await tickets[0]!.ready
    release()
    release()
    expect(tickets.map((t) => t.position())).toEqual([0, 0, 0, 1])
    expect(seen).toEqual([
      [2, 0],
      [3, 1],
    ])
    expect([gate.active, gate.waiting]).toEqual([2, 1])
    await tickets[2]!.ready
  })

  test('a cancelled waiter leaves the queue and the ones behind move up', async () => {
    const gate = createStreamGate(1)
    const [running, first, second] = [gate.enqueue(), gate.enqueue(), gate.enqueue()]
    first.cancel()
    await expect(first.ready).rejects.toBeInstanceOf(HeraldError)
    await expect(first.ready).rejects.toMatchObject({ kind: 'aborted' })
    expect(second.position()).toBe(1)
    running.cancel() // a granted ticket's cancel releases its place
    expect(second.position()).toBe(0)
    const release = await second.ready
    release()
    expect([gate.active, gate.waiting]).toEqual([0, 0])
  })

  test('no cap grants every stream at once', async () => {
    const gate = createStreamGate(0)
    const tickets = Array.from({ length: 50 }, () => gate.enqueue())
    await settle()
    expect(tickets.every((t) => t.position() === 0)).toBe(true)
    expect(gate.active).toBe(50)
  })
})

describe('prompt length', () => {
  test('counts code points and refuses past the maximum', () => {
    expect(() => checkPromptLength('😀'.repeat(10), 10)).not.toThrow()
    expect(() => checkPromptLength('x'.repeat(100_000), 0)).not.toThrow()
    let error: unknown
    try {
      checkPromptLength('😀'.repeat(11), 10)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(InputError)
    expect(error).toMatchObject({ key: 'input.too_long', params: { length: 11, max: 10 } })
  })
})
