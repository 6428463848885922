import { describe, expect, test } from 'vitest'
import { FormatRejected, Gone, RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { fakeSurface } from '../../helpers/fake-surface.ts'

const html = (text: string) => ({ text, format: 'telegram-html' as const })

describe('the fake surface', () => {
  test('answers 429 to a call faster than its window, and to every call inside the retry_after', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({
      clock,
      pace: { perMessageMs: 0, perChatMs: 0 },
      windows: [{ max: 2, windowMs: 1000 }],
      retryAfterUnitMs: 1000,
    })
    const ref = await surface.send(html('a'))
    await clock.advance(100)
    await surface.edit(ref, html('b'))
    await clock.advance(100)
    await expect(surface.edit(ref, html('c'))).rejects.toEqual(new RateLimited(1000))
    await clock.advance(500)
    await expect(surface.edit(ref, html('c'))).rejects.toEqual(new RateLimited(1000))
    await clock.advance(500)
    await surface.edit(ref, html('c'))
    expect(surface.calls.map((c) => [c.at, c.kind, c.result])).toEqual([
      [0, 'send', 'ok'],
      [100, 'edit', 'ok'],
      [200, 'edit', 'rate_limited'],
      [700, 'edit', 'rate_limited'],
      [1200, 'edit', 'ok'],
    ])
    expect([surface.rateLimitAnswers, surface.callsInsideRetryAfter]).toEqual([2, 1])
  })

  test('refuses what Telegram refuses: bad HTML, text over the limit after parsing, empty text, no change', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, limit: 5, pace: { perMessageMs: 0, perChatMs: 0 } })
    await expect(surface.send(html('1 < 2'))).rejects.toBeInstanceOf(FormatRejected)
    await expect(surface.send(html('<b>123456</b>'))).rejects.toEqual(
      new SurfaceError('message is too long', false),
    )
    await expect(surface.send(html('<b> </b>'))).rejects.toEqual(
      new SurfaceError('message text is empty', false),
    )
    const ref = await surface.send(html('<b>12345</b>'))
    await expect(surface.edit(ref, html('<b>12345</b>'))).rejects.toEqual(
      new SurfaceError('message is not modified', false),
    )
    expect(surface.texts()).toEqual(['<b>12345</b>'])
  })

  test('fails the next call as told, and a deleted message is gone', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, pace: { perMessageMs: 0, perChatMs: 0 } })
    const ref = await surface.send(html('a'))
    surface.failNext({ transient: true })
    await expect(surface.edit(ref, html('b'))).rejects.toEqual(
      new SurfaceError('Internal Server Error', true),
    )
    surface.goneNext()
    await expect(surface.edit(ref, html('b'))).rejects.toBeInstanceOf(Gone)
    surface.delete(ref)
    await expect(surface.edit(ref, html('b'))).rejects.toBeInstanceOf(Gone)
    expect(surface.calls.map((c) => c.result)).toEqual(['ok', 'failed', 'gone', 'gone'])
  })

  test('waitForCall resolves with the next matching call', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, pace: { perMessageMs: 0, perChatMs: 0 } })
    const edit = surface.waitForCall((c) => c.kind === 'edit')
    const ref = await surface.send(html('a'))
    await surface.edit(ref, html('b'))
    expect(await edit).toMatchObject({ kind: 'edit', text: 'b', result: 'ok' })
  })
})
