import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'
import { createDraftIds, DRAFT_REFRESH_MS } from '../../../src/core/live/draft.ts'
import { createLiveMessage, type LiveOptions } from '../../../src/core/live/live-message.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { type FakeCall, type FakeSurfaceOptions, fakeSurface } from '../../helpers/fake-surface.ts'
import { markdown } from './arbitrary-markdown.ts'

const stop = { label: 'Stop', data: 'stop:1' }
const again = { label: 'Again', data: 'again:1' }

function setup(options: LiveOptions = {}, surfaceOptions: Partial<FakeSurfaceOptions> = {}) {
  const clock = fakeClock()
  const surface = fakeSurface({ clock, typing: false, drafts: true, ...surfaceOptions })
  const lanes = createLaneRegistry({ clock })
  const live = createLiveMessage({ surface, lanes, options })
  let state: AnswerState = initialState()
  const update = (patch: Partial<AnswerState>) => {
    state = { ...state, ...patch }
    live.update(state)
  }
  const finish = (patch: Partial<AnswerState> = {}) =>
    live.finish({ ...state, status: 'completed', ...patch })
  const calls = () => described(surface.calls)
  return { clock, surface, lanes, live, update, finish, calls }
}

/** Calls as [time, kind, target, text, result]; a draft's target is `d1`, `d2`, … in order of first use. */
function described(calls: readonly FakeCall[]) {
  const names = new Map<number, string>()
  return calls.map((c) => {
    let target = c.ref?.id
    if (c.draftId !== undefined) {
      if (!names.has(c.draftId)) names.set(c.draftId, `d${names.size + 1}`)
      target = names.get(c.draftId)
    }
    return [c.at, c.kind, target, c.text, c.result]
  })
}

const writing = (text: string): Partial<AnswerState> => ({ text, activity: { kind: 'writing' } })

describe('an answer streamed as a draft', () => {
  test('the draft shows the newest text at the chat pace, and the final text is sent once, as a message', async () => {
    const { clock, update, finish, calls, surface, live } = setup()
    await clock.advance(200)
    update(writing('Hel'))
    await clock.advance(200)
    update(writing('Hello'))
    await clock.advance(1100)
    update(writing('Hello wor'))
    await clock.advance(200)
    update(writing('Hello world'))
    await clock.advance(1300)
    expect(live.refs).toEqual([])
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'draft', 'd1', '▍\n\n<i>Working…</i>', 'ok'],
      [1000, 'draft', 'd1', 'Hello ▍', 'ok'],
      [2000, 'draft', 'd1', 'Hello world ▍', 'ok'],
      [3000, 'send', '1', 'Hello world', 'ok'],
    ])
    const draftId = surface.drafts[0]!.draftId!
    expect(Number.isInteger(draftId) && draftId > 0 && draftId < 2 ** 31).toBe(true)
    expect(await done).toEqual({
      outcome: 'delivered',
      messages: [{ ref: { id: '1', chatId: '1' }, text: 'Hello world' }],
    })
    expect(live.refs).toEqual([{ id: '1', chatId: '1' }])
    expect(clock.pending).toBe(0)
  })

  test('a rollover sends the finished part as a message and drafts the rest under a new id', async () => {
    const { clock, update, finish, calls, surface } = setup({}, { limit: 40 })
    const answer = 'First paragraph is here.\n\nSecond one follows now.\n\nThird.'
    for (let i = 1; i <= answer.length; i++) {
      update(writing(answer.slice(0, i)))
      await clock.advance(100)
    }
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'draft', 'd1', 'F ▍', 'ok'],
      [1000, 'draft', 'd1', 'First para ▍', 'ok'],
      [2000, 'draft', 'd1', 'First paragraph is h ▍', 'ok'],
      [3000, 'send', '1', 'First paragraph is here.', 'ok'],
      [4000, 'draft', 'd2', 'Second one fol ▍', 'ok'],
      [5000, 'draft', 'd2', 'Second one follows now. ▍', 'ok'],
      [6000, 'send', '2', 'Second one follows now.\n\nThird.', 'ok'],
    ])
    const result = await done
    expect(result.messages.map((m) => m.text)).toEqual([
      'First paragraph is here.\n\n',
      'Second one follows now.\n\nThird.',
    ])
    expect(result.messages.map((m) => m.text).join('')).toBe(answer)
    expect(surface.texts()).toEqual(['First paragraph is here.', 'Second one follows now.\n\nThird.'])
  })

  test('the final message carries the final buttons, the sources and the reason line', async () => {
    const { clock, update, finish, surface } = setup({ finalButtons: [again] })
    update(writing('Partial'))
    await clock.advance(100)
    const citations = [{ url: 'https://a.dev', title: 'A' }]
    await Promise.all([
      finish({ status: 'incomplete', incompleteReason: 'max_output_tokens', citations }),
      clock.runAll(),
    ])
    expect(surface.calls.map((c) => [c.kind, c.text, c.buttons])).toEqual([
      ['draft', 'Partial ▍', []],
      [
        'send',
        'Partial\n\n<b>Sources</b>\n1. <a href="https://a.dev">A</a>\n\n<i>Stopped: the answer reached its length limit.</i>',
        [again],
      ],
    ])
  })

  test('a draft unchanged for a while is sent again before it expires, and the refresh stops at the end', async () => {
    const { clock, update, finish, calls } = setup()
    update({ activity: { kind: 'thinking' } })
    await clock.advance(50_000)
    const done = finish(writing('Done'))
    await clock.runAll()
    await done
    expect(calls()).toEqual([
      [0, 'draft', 'd1', '▍\n\n<i>Thinking…</i>', 'ok'],
      [DRAFT_REFRESH_MS, 'draft', 'd1', '▍\n\n<i>Thinking…</i>', 'ok'],
      [2 * DRAFT_REFRESH_MS, 'draft', 'd1', '▍\n\n<i>Thinking…</i>', 'ok'],
      [50_000, 'send', '1', 'Done', 'ok'],
    ])
    expect(clock.pending).toBe(0)
  })

  test('two answers drafting in one chat use their own ids and share its pace', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, typing: false, drafts: true })
    const lanes = createLaneRegistry({ clock })
    const a = createLiveMessage({ surface, lanes })
    const b = createLiveMessage({ surface, lanes })
    a.update({ ...initialState(), ...writing('A one') })
    b.update({ ...initialState(), ...writing('B one') })
    await clock.advance(2500)
    const done = Promise.all([
      a.finish({ ...initialState(), status: 'completed', text: 'A one two' }),
      b.finish({ ...initialState(), status: 'completed', text: 'B one two' }),
    ])
    await clock.runAll()
    expect((await done).map((r) => r.outcome)).toEqual(['delivered', 'delivered'])
    expect(described(surface.calls)).toEqual([
      [0, 'draft', 'd1', 'A one ▍', 'ok'],
      [1000, 'draft', 'd2', 'B one ▍', 'ok'],
      [2500, 'send', '1', 'A one two', 'ok'],
      [3500, 'send', '2', 'B one two', 'ok'],
    ])
  })
})

describe('buttons and drafts', () => {
  test('an answer with a Stop button streams by edits, so the button can be pressed', async () => {
    const { clock, update, finish, surface } = setup({ buttons: [stop] })
    update(writing('Hi'))
    await clock.advance(1500)
    update(writing('Hi there'))
    await clock.advance(1000)
    await Promise.all([finish(), clock.runAll()])
    expect(surface.calls.map((c) => [c.at, c.kind, c.text, c.buttons])).toEqual([
      [0, 'send', 'Hi ▍', [stop]],
      [1500, 'edit', 'Hi there ▍', [stop]],
      [2500, 'edit', 'Hi there', []],
    ])
  })

  test("drafts: 'always' drafts even with buttons (they do not show), and 'never' edits", async () => {
    const always = setup({ buttons: [stop], drafts: 'always' })
    always.update(writing('Hi'))
    await always.clock.advance(100)
    await Promise.all([always.finish(), always.clock.runAll()])
    expect(always.surface.calls.map((c) => [c.kind, c.text, c.buttons])).toEqual([
      ['draft', 'Hi ▍', [stop]],
      ['send', 'Hi', []],
    ])

    const never = setup({ drafts: 'never' })
    never.update(writing('Hi'))
    await never.clock.advance(100)
    await Promise.all([never.finish(), never.clock.runAll()])
    expect(never.surface.calls.map((c) => [c.kind, c.text])).toEqual([
      ['send', 'Hi ▍'],
      ['edit', 'Hi'],
    ])
  })
})

describe('when the platform refuses drafts', () => {
  test('the answer switches to sending and editing in the same turn, and no text is lost', async () => {
    const { clock, update, finish, calls, surface } = setup()
    update(writing('Hel'))
    await clock.advance(500)
    surface.refuseDrafts()
    update(writing('Hello world'))
    await clock.advance(1000)
    update(writing('Hello world, and more'))
    await clock.advance(1000)
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'draft', 'd1', 'Hel ▍', 'ok'],
      [1000, 'draft', 'd1', 'Hello world ▍', 'refused'],
      [1000, 'send', '1', 'Hello world ▍', 'ok'],
      [2000, 'edit', '1', 'Hello world, and more ▍', 'ok'],
      [3000, 'edit', '1', 'Hello world, and more', 'ok'],
    ])
    expect((await done).messages).toEqual([{ ref: { id: '1', chatId: '1' }, text: 'Hello world, and more' }])
    expect(clock.pending).toBe(0)
  })

  test('an answer on a surface that already refuses drafts sends at once, losing no turn', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, typing: false, drafts: true })
    surface.refuseDrafts()
    const live = createLiveMessage({ surface, lanes: createLaneRegistry({ clock }) })
    live.update({ ...initialState(), ...writing('Hey') })
    await clock.advance(100)
    const done = live.finish({ ...initialState(), status: 'completed', text: 'Hey you' })
    await clock.runAll()
    expect((await done).outcome).toBe('delivered')
    expect(described(surface.calls)).toEqual([
      [0, 'draft', 'd1', 'Hey ▍', 'refused'],
      [0, 'send', '1', 'Hey ▍', 'ok'],
      [1000, 'edit', '1', 'Hey you', 'ok'],
    ])
  })

  test('a permanent error on a draft is a refusal too; a transient one is retried with backoff', async () => {
    const { clock, update, finish, calls, surface } = setup()
    surface.failNext({ transient: true })
    update(writing('One'))
    await clock.advance(2500)
    update(writing('One two'))
    await clock.advance(1000)
    surface.failNext({ transient: false, message: 'Bad Request: drafts are off' })
    update(writing('One two three'))
    await clock.advance(1000)
    await Promise.all([finish(), clock.runAll()])
    expect(calls()).toEqual([
      [0, 'draft', 'd1', 'One ▍', 'failed'],
      // Backoff: twice the message pace.
      [2000, 'draft', 'd1', 'One ▍', 'ok'],
      [3000, 'draft', 'd1', 'One two ▍', 'ok'],
      [4000, 'draft', 'd1', 'One two three ▍', 'failed'],
      [4000, 'send', '1', 'One two three ▍', 'ok'],
      [5000, 'edit', '1', 'One two three', 'ok'],
    ])
  })

  test('HTML refused in a draft is drafted again as plain text', async () => {
    const { clock, update, finish, calls, surface } = setup()
    surface.formatRejectNext()
    update(writing('**Hi**'))
    await clock.advance(1500)
    await Promise.all([finish(), clock.runAll()])
    expect(calls()).toEqual([
      [0, 'draft', 'd1', '<b>Hi</b> ▍', 'format_rejected'],
      [1000, 'draft', 'd1', 'Hi ▍', 'ok'],
      [2000, 'send', '1', 'Hi', 'ok'],
    ])
    expect(surface.calls.map((c) => c.format)).toEqual(['telegram-html', 'plain', 'plain'])
  })
})

describe('rate limits', () => {
  test('a 429 on a draft pauses the chat, and the final text still lands after it', async () => {
    const { clock, update, finish, calls, surface } = setup()
    update(writing('Hel'))
    await clock.advance(500)
    surface.rateLimitNext({ retryAfterMs: 3000 })
    update(writing('Hello world'))
    await clock.advance(1500)
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'draft', 'd1', 'Hel ▍', 'ok'],
      [1000, 'draft', 'd1', 'Hello world ▍', 'rate_limited'],
      [4000, 'send', '1', 'Hello world', 'ok'],
    ])
    expect(surface.callsInsideRetryAfter).toBe(0)
    expect((await done).outcome).toBe('delivered')
  })
})

test('the fake surface holds drafts to the chat limits and refuses them once told', async () => {
  const clock = fakeClock()
  const surface = fakeSurface({ clock, drafts: true, typing: false })
  const content = { text: 'a', format: 'telegram-html' as const }
  await surface.draft!(7, content)
  await expect(surface.draft!(7, { ...content, text: 'ab' })).rejects.toEqual(new RateLimited(1000))
  await clock.advance(1000)
  await surface.draft!(7, { ...content, text: 'ab' })
  surface.refuseDrafts()
  await expect(surface.draft!(7, { ...content, text: 'abc' })).rejects.toEqual(
    new SurfaceError('sendMessageDraft is not available', false),
  )
  expect(surface.calls.map((c) => [c.at, c.kind, c.draftId, c.text, c.result])).toEqual([
    [0, 'draft', 7, 'a', 'ok'],
    [0, 'draft', 7, 'ab', 'rate_limited'],
    [1000, 'draft', 7, 'ab', 'ok'],
    [1000, 'draft', 7, 'abc', 'refused'],
  ])
  expect(surface.messages).toEqual([])
})

test('draft ids are non-zero 31-bit integers, consecutive, wrapping past the largest to 1', () => {
  const next = createDraftIds(2 ** 31 - 2)
  expect([next(), next(), next()]).toEqual([2 ** 31 - 2, 2 ** 31 - 1, 1])
})

test('whatever the stream, with drafts refused at any point, each part of the answer is sent exactly once', async () => {
  const stream = fc.record({
    answer: markdown,
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
    delays: fc.array(fc.integer({ min: 0, max: 1500 }), { minLength: 31, maxLength: 31 }),
    limits: fc.array(fc.boolean(), { minLength: 31, maxLength: 31 }),
    refuseAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    limit: fc.integer({ min: 300, max: 4096 }),
  })
  await fc.assert(
    fc.asyncProperty(stream, async (s) => {
      const clock = fakeClock()
      const surface = fakeSurface({ clock, limit: s.limit, typing: false, drafts: true })
      const live = createLiveMessage({ surface, lanes: createLaneRegistry({ clock }) })
      const points = [...s.answer]
      const ends = [...s.cuts.map((c) => Math.round(c * points.length)), points.length].sort((a, b) => a - b)
      let state: AnswerState = { ...initialState(), activity: { kind: 'writing' } }
      for (const [i, end] of ends.entries()) {
        state = { ...state, text: points.slice(0, end).join('') }
        live.update(state)
        if (s.refuseAt === i) surface.refuseDrafts()
        if (s.limits[i]) surface.rateLimitNext({ retryAfterMs: 2000 })
        await clock.advance(s.delays[i]!)
      }
      const done = live.finish({ ...state, status: 'completed' })
      await clock.runAll()
      const result = await done

      expect(result.outcome).toBe('delivered')
      expect(result.messages.map((m) => m.text).join('')).toBe(s.answer)
      // Every message sent is one of the answer's, and none holds a cursor.
      expect(surface.messages.map((m) => m.ref)).toEqual(result.messages.map((m) => m.ref))
      expect(surface.texts().some((t) => t.includes('▍'))).toBe(false)
      expect(surface.calls.filter((c) => !['ok', 'rate_limited', 'refused'].includes(c.result))).toEqual([])
      expect(surface.callsInsideRetryAfter).toBe(0)
      expect(clock.pending).toBe(0)
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 60) },
  )
})
