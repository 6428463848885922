import fc from 'fast-check'
import { expect, test } from 'vitest'
import { createLiveMessage } from '../../../src/core/live/live-message.ts'
import { parseTelegramHtml } from '../../../src/core/live/parse-telegram-html.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { fakeSurface } from '../../helpers/fake-surface.ts'
import { markdown } from './arbitrary-markdown.ts'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 60) }

/** A stream: the answer cut into deltas, each after a delay, some followed by a 429 from the platform. */
const stream = fc.record({
  answer: markdown,
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
  delays: fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 41, maxLength: 41 }),
  limits: fc.array(fc.boolean(), { minLength: 41, maxLength: 41 }),
  limit: fc.integer({ min: 300, max: 4096 }),
  format: fc.constantFrom('telegram-html' as const, 'discord-markdown' as const),
  reasoning: fc.constantFrom('', 'Thinking about **it** <carefully> & @here'),
  showReasoning: fc.boolean(),
})

test('whatever the stream, every message is accepted, within the limit, and the answer lands whole', async () => {
  await fc.assert(
    fc.asyncProperty(stream, async (s) => {
      const clock = fakeClock()
      const limit = s.format === 'discord-markdown' ? Math.min(s.limit, 2000) : s.limit
      const surface = fakeSurface({ clock, format: s.format, limit, typing: false })
      const live = createLiveMessage({
        surface,
        lanes: createLaneRegistry({ clock }),
        options: { showReasoning: s.showReasoning, buttons: [{ label: 'Stop', data: 'stop' }] },
      })
      const points = [...s.answer]
      const ends = [...s.cuts.map((c) => Math.round(c * points.length)), points.length].sort((a, b) => a - b)
      let state: AnswerState = { ...initialState(), reasoning: s.reasoning, activity: { kind: 'thinking' } }
      let injected = 0
      for (const [i, end] of ends.entries()) {
        state = { ...state, text: points.slice(0, end).join(''), activity: { kind: 'writing' } }
        live.update(state)
        if (s.limits[i]) {
          surface.rateLimitNext({ retryAfterMs: 2000 })
          injected++
        }
        await clock.advance(s.delays[i]!)
      }
      const done = live.finish({
        ...state,
        status: 'completed',
        citations: [{ url: 'https://example.com/a?b=1&c=<2>', title: 'Example & <co>' }],
      })
      await clock.runAll()
      const result = await done

      expect(result.outcome).toBe('delivered')
      expect(result.messages.map((m) => m.text).join('')).toBe(s.answer)
      expect(surface.calls.filter((c) => c.result !== 'ok').map((c) => c.result)).toEqual(
        Array.from({ length: surface.rateLimitAnswers }, () => 'rate_limited'),
      )
      expect(surface.rateLimitAnswers).toBeLessThanOrEqual(injected)
      expect(surface.callsInsideRetryAfter).toBe(0)
      expect(surface.messages.every((m) => m.buttons.length === 0)).toBe(true)
      for (const message of surface.messages) {
        expect(message.text).not.toContain('▍')
        if (s.format === 'telegram-html') {
          expect(parseTelegramHtml(message.text, { strict: true }).error).toBeUndefined()
        } else {
          expect(message.text).not.toMatch(/@(everyone|here)|<@[!&]?\d/)
        }
      }
    }),
    runs,
  )
})
