import { describe, expect, test } from 'vitest'
import { HeraldError } from '../../../src/core/contracts/errors.ts'
import { CallDeadline } from '../../../src/core/responses/call-deadline.ts'
import { ConnectionError, UpstreamError, UpstreamTimeoutError } from '../../../src/core/responses/errors.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

const limits = { firstByteMs: 5000, idleMs: 3000 }

describe('CallDeadline', () => {
  test('no first byte in time aborts the attempt with a first-byte timeout', async () => {
    const clock = fakeClock()
    const deadline = new CallDeadline(clock, undefined, limits)
    const attempt = deadline.startAttempt()
    await clock.advance(4999)
    expect(attempt.aborted).toBe(false)
    await clock.advance(1)
    expect(attempt.aborted).toBe(true)
    const error = deadline.translate(attempt.reason)
    expect(error).toBeInstanceOf(UpstreamTimeoutError)
    expect(error).toMatchObject({ kind: 'timeout', phase: 'first_byte', timeoutMs: 5000 })
    deadline.close()
  })

  test('each attempt has its own signal and its own first-byte deadline', async () => {
    const clock = fakeClock()
    const deadline = new CallDeadline(clock, undefined, limits)
    const first = deadline.startAttempt()
    await clock.advance(5000)
    const second = deadline.startAttempt()
    expect([first.aborted, second.aborted]).toEqual([true, false])
    // The new attempt forgets the old timeout: a reset connection now reads as a connection error.
    expect(deadline.translate(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toEqual(
      new ConnectionError('could not reach the OpenAI API (ECONNRESET)'),
    )
    await clock.advance(5000)
    expect(second.aborted).toBe(true)
    deadline.close()
  })

  test('once armed, the deadline moves with each chunk and an expiry is an idle timeout', async () => {
    const clock = fakeClock()
    const deadline = new CallDeadline(clock, undefined, limits)
    const attempt = deadline.startAttempt()
    await clock.advance(1000)
    deadline.arm(3000)
    await clock.advance(2999)
    deadline.arm(3000)
    await clock.advance(2999)
    expect(attempt.aborted).toBe(false)
    await clock.advance(1)
    // 3000 ms after the last chunk (at 3999), not after the first byte.
    expect([clock.now(), attempt.aborted]).toEqual([6999, true])
    expect(deadline.translate(attempt.reason)).toMatchObject({ phase: 'idle', timeoutMs: 3000 })
    deadline.close()
  })

  test('the caller aborting aborts the current attempt and reads as aborted', () => {
    const caller = new AbortController()
    const deadline = new CallDeadline(fakeClock(), caller.signal, limits)
    const attempt = deadline.startAttempt()
    caller.abort(new Error('stop'))
    expect(attempt.aborted).toBe(true)
    const error = deadline.translate(attempt.reason)
    expect(error).toBeInstanceOf(HeraldError)
    expect(error.kind).toBe('aborted')
    expect(() => deadline.startAttempt()).toThrow(expect.objectContaining({ kind: 'aborted' }))
    deadline.close()
  })

  test('a failed attempt and a closed call run no deadline and let the caller go', async () => {
    const clock = fakeClock()
    const caller = new AbortController()
    const deadline = new CallDeadline(clock, caller.signal, limits)
    deadline.startAttempt()
    deadline.attemptFailed()
    expect(clock.pending).toBe(0)
    const attempt = deadline.startAttempt()
    deadline.close()
    expect(clock.pending).toBe(0)
    caller.abort()
    expect(attempt.aborted).toBe(false)
  })

  test('an error the API answered passes through unchanged', () => {
    const deadline = new CallDeadline(fakeClock(), undefined, limits)
    const upstream = UpstreamError.from(503, { error: { message: 'busy' } }, {})
    expect(deadline.translate(upstream)).toBe(upstream)
    expect(deadline.translate('refused').message).toBe('could not reach the OpenAI API (refused)')
    deadline.close()
  })
})
