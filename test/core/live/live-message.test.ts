import { describe, expect, test } from 'vitest'
import { type Gone, SurfaceError } from '../../../src/core/contracts/errors.ts'
import type { TextFormat } from '../../../src/core/contracts/surface.ts'
import { createLiveMessage, type LiveOptions, postText } from '../../../src/core/live/live-message.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { type FakeSurfaceOptions, fakeSurface } from '../../helpers/fake-surface.ts'

const stop = { label: 'Stop', data: 'stop:1' }

function setup(options: LiveOptions = {}, surfaceOptions: Partial<FakeSurfaceOptions> = {}) {
  const clock = fakeClock()
  const surface = fakeSurface({ clock, typing: false, ...surfaceOptions })
  const lanes = createLaneRegistry({ clock })
  const live = createLiveMessage({ surface, lanes, options })
  let state: AnswerState = initialState()
  const update = (patch: Partial<AnswerState>) => {
    state = { ...state, ...patch }
    live.update(state)
  }
  const finish = (patch: Partial<AnswerState> = {}) =>
    live.finish({ ...state, status: 'completed', ...patch })
  const calls = () => surface.calls.map((c) => [c.at, c.kind, c.text, c.result])
  return { clock, surface, lanes, live, update, finish, calls, state: () => state }
}

const writing = (text: string): Partial<AnswerState> => ({ text, activity: { kind: 'writing' } })

describe('pacing', () => {
  test('a placeholder shows at once, then the newest text at each slot of the chat pace', async () => {
    const { clock, update, finish, calls } = setup()
    await clock.advance(200)
    update(writing('Hel'))
    await clock.advance(200)
    update(writing('Hello'))
    await clock.advance(1100)
    update(writing('Hello wor'))
    await clock.advance(200)
    update(writing('Hello world'))
    await clock.advance(1300)
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'send', '▍\n\n<i>Working…</i>', 'ok'],
      [1000, 'edit', 'Hello ▍', 'ok'],
      [2000, 'edit', 'Hello world ▍', 'ok'],
      [3000, 'edit', 'Hello world', 'ok'],
    ])
    expect((await done).outcome).toBe('delivered')
  })

  test('the same text is never sent twice', async () => {
    const { clock, update, finish, surface } = setup()
    update(writing('Same'))
    await clock.advance(1500)
    update({ lastSequence: 7 })
    update(writing('Same'))
    await clock.advance(3000)
    await Promise.all([finish(), clock.runAll()])
    expect(surface.calls.map((c) => [c.at, c.kind, c.text])).toEqual([
      [0, 'send', 'Same ▍'],
      [4500, 'edit', 'Same'],
    ])
  })

  test('two answers in one chat share its pace, their calls never overlap, and a slow call spaces the next from its end', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, typing: false, latencyMs: 400 })
    const lanes = createLaneRegistry({ clock })
    const a = createLiveMessage({ surface, lanes })
    const b = createLiveMessage({ surface, lanes })
    let text = ''
    for (let i = 0; i < 30; i++) {
      text += `w${i} `
      a.update({ ...initialState(), ...writing(`A ${text}`) })
      b.update({ ...initialState(), ...writing(`B ${text}`) })
      await clock.advance(100)
    }
    const done = Promise.all([
      a.finish({ ...initialState(), status: 'completed', text: `A ${text}` }),
      b.finish({ ...initialState(), status: 'completed', text: `B ${text}` }),
    ])
    await clock.runAll()
    expect((await done).map((r) => r.outcome)).toEqual(['delivered', 'delivered'])
    const starts = surface.calls.map((c) => c.at)
    // Each call takes 400 ms: the next starts the pace (1000) less the 100 ms margin after its end.
    expect(starts.slice(1).map((at, i) => at - starts[i]!)).toEqual(starts.slice(1).map(() => 1300))
    expect(surface.calls.every((c) => c.result === 'ok')).toBe(true)
    expect(surface.texts()).toEqual([`A ${text}`.trim(), `B ${text}`.trim()])
  })
})

describe('platform errors', () => {
  test('a 429 pauses the chat and the final text still lands after it', async () => {
    const { clock, update, finish, surface, calls } = setup()
    update(writing('Hel'))
    await clock.advance(500)
    surface.rateLimitNext({ retryAfterMs: 3000 })
    update(writing('Hello world'))
    await clock.advance(1500)
    const done = finish()
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'send', 'Hel ▍', 'ok'],
      [1000, 'edit', 'Hello world ▍', 'rate_limited'],
      [4000, 'edit', 'Hello world', 'ok'],
    ])
    expect(surface.callsInsideRetryAfter).toBe(0)
    expect((await done).outcome).toBe('delivered')
  })

  test('the final edit is retried after transient errors, with backoff', async () => {
    const { clock, update, finish, surface, calls } = setup()
    update(writing('Hi'))
    await clock.advance(100)
    surface.failNext({ transient: true })
    surface.failNext({ transient: true })
    const done = finish(writing('Hi there'))
    await clock.runAll()
    expect(calls()).toEqual([
      [0, 'send', 'Hi ▍', 'ok'],
      [1000, 'edit', 'Hi there', 'failed'],
      [3000, 'edit', 'Hi there', 'failed'],
      [7000, 'edit', 'Hi there', 'ok'],
    ])
    expect((await done).outcome).toBe('delivered')
  })

  test('a permanent error on the final render ends the answer as failed, without throwing', async () => {
    const { clock, update, finish, surface } = setup()
    update(writing('Hi'))
    await clock.advance(100)
    surface.failNext({ transient: false, message: 'Bad Request: chat not found' })
    const done = finish()
    await clock.runAll()
    const result = await done
    expect(result.outcome).toBe('failed')
    expect(result.error).toBeInstanceOf(SurfaceError)
  })

  test('a deleted message stops the engine and tells the caller, without throwing', async () => {
    const gone: Gone[] = []
    const { clock, update, finish, surface, live } = setup({ onGone: (err) => gone.push(err) })
    update(writing('Hello'))
    await clock.advance(100)
    surface.delete(surface.messages[0]!.ref)
    update(writing('Hello world'))
    await clock.advance(1000)
    expect(gone).toHaveLength(1)
    expect(live.gone).toBe(true)
    expect(live.signal.aborted).toBe(true)
    expect(live.signal.reason).toBe(gone[0])
    update(writing('Hello world, and more'))
    await clock.advance(5000)
    const result = await finish()
    expect(result).toEqual({
      outcome: 'gone',
      error: gone[0],
      messages: [{ ref: { id: '1', chatId: '1' }, text: 'Hello world' }],
    })
    expect(surface.calls.map((c) => [c.at, c.kind, c.result])).toEqual([
      [0, 'send', 'ok'],
      [1000, 'edit', 'gone'],
    ])
  })

  test('a failure inside the engine ends the answer as failed instead of leaving finish waiting', async () => {
    const clock = fakeClock()
    const errors: unknown[] = []
    const lanes = createLaneRegistry({ clock, onError: (err) => errors.push(err) })
    const broken = new Error('translator broke')
    const t: LiveOptions['t'] = () => {
      throw broken
    }
    const live = createLiveMessage({ surface: fakeSurface({ clock }), lanes, options: { t } })
    const done = live.finish({ ...initialState(), status: 'completed', text: 'Hi' })
    await clock.runAll()
    expect(await done).toEqual({ outcome: 'failed', error: broken, messages: [] })
    expect(errors).toEqual([broken])
  })

  test('HTML Telegram refuses is sent again as plain text', async () => {
    const { clock, update, finish, surface, calls } = setup()
    surface.formatRejectNext()
    update(writing('**Hi**'))
    await clock.advance(1500)
    await Promise.all([finish(writing('**Hi** [there](https://a.dev)')), clock.runAll()])
    expect(calls()).toEqual([
      [0, 'send', '<b>Hi</b> ▍', 'format_rejected'],
      [1000, 'send', 'Hi ▍', 'ok'],
      [2000, 'edit', 'Hi there (https://a.dev)', 'ok'],
    ])
    expect(surface.calls.map((c) => c.format)).toEqual(['telegram-html', 'plain', 'plain'])
  })
})

describe('rollover', () => {
  test('a burst past the limit finalises the message at its best boundary and continues in a new one', async () => {
    const { clock, update, finish, surface } = setup({ buttons: [stop] }, { limit: 40 })
    await clock.advance(500)
    update(writing('First paragraph is here.\n\nSecond one follows now.'))
    await clock.advance(1600)
    await Promise.all([finish(), clock.runAll()])
    expect(surface.calls.map((c) => [c.at, c.kind, c.ref?.id, c.text, c.buttons?.length])).toEqual([
      [0, 'send', '1', '▍\n\n<i>Working…</i>', 1],
      [1000, 'edit', '1', 'First paragraph is here.', 0],
      [2000, 'send', '2', 'Second one follows now. ▍', 1],
      [3000, 'edit', '2', 'Second one follows now.', 0],
    ])
  })

  test('a message that the next turn would overflow is finalised a turn early, near its end', async () => {
    const { clock, update, finish, surface, live } = setup({ buttons: [stop] }, { limit: 40 })
    const answer = 'First paragraph is here.\n\nSecond one follows now.\n\nThird.'
    for (let i = 1; i <= answer.length; i++) {
      update(writing(answer.slice(0, i)))
      await clock.advance(100)
    }
    const done = finish()
    await clock.runAll()
    expect(surface.calls.map((c) => [c.at, c.kind, c.ref?.id, c.text, c.buttons?.length])).toEqual([
      [0, 'send', '1', 'F ▍', 1],
      [1000, 'edit', '1', 'First para ▍', 1],
      [2000, 'edit', '1', 'First paragraph is h ▍', 1],
      // 32 of 40 characters used and 10 more since the last turn: finalised now, at the paragraph break.
      [3000, 'edit', '1', 'First paragraph is here.', 0],
      [4000, 'send', '2', 'Second one fol ▍', 1],
      [5000, 'edit', '2', 'Second one follows now. ▍', 1],
      [6000, 'edit', '2', 'Second one follows now.\n\nThird.', 0],
    ])
    const result = await done
    expect(result.messages.map((m) => m.text)).toEqual([
      'First paragraph is here.\n\n',
      'Second one follows now.\n\nThird.',
    ])
    expect(result.messages.map((m) => m.ref)).toEqual(live.refs)
  })

  test('a short answer that arrives in one turn stays one message, with room kept for reasoning', async () => {
    // With showReasoning the first message keeps room for the reasoning to grow; the early rollover
    // must not count that room as shown, or this answer (a third of the limit, all of it new since
    // the placeholder) looks as if the next turn would overflow and loses its last word to a second message.
    const { clock, update, finish, surface } = setup(
      { showReasoning: true },
      { format: 'discord-markdown', limit: 2000 },
    )
    const answer = `Answer: ${'bravo charlie mike '.repeat(40).trim()}.`
    await clock.advance(500)
    update(writing(answer))
    await clock.advance(600)
    const done = finish()
    await clock.runAll()
    expect(surface.calls.map((c) => [c.at, c.kind, c.ref?.id, c.text])).toEqual([
      [0, 'send', '1', '▍\n\n-# Working…'],
      [1000, 'edit', '1', `${answer} ▍`],
      [2000, 'edit', '1', answer],
    ])
    expect((await done).messages.map((m) => m.text)).toEqual([answer])
  })

  test('a code block cut by the rollover is closed and reopened with its language', async () => {
    const { clock, finish, surface } = setup({}, { format: 'discord-markdown' as TextFormat, limit: 48 })
    const answer = 'Code:\n```ts\nconst one = 1\nconst two = 2\nconst three = 3\n```\nDone.'
    await Promise.all([finish(writing(answer)), clock.runAll()])
    expect(surface.texts()).toEqual([
      'Code:\n```ts\nconst one = 1\nconst two = 2\n```',
      '```ts\nconst three = 3\n```\nDone.',
    ])
  })

  test('postText posts a long text in pieces through the chat lane', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, limit: 30 })
    const lanes = createLaneRegistry({ clock })
    const done = postText(
      surface,
      lanes,
      'One line of the help.\nTwo lines of the help.\nThree lines, or so.',
    )
    await clock.runAll()
    expect((await done).messages.map((m) => m.text)).toEqual([
      'One line of the help.\n',
      'Two lines of the help.\n',
      'Three lines, or so.',
    ])
    expect(surface.calls.map((c) => [c.at, c.kind, c.text])).toEqual([
      [0, 'send', 'One line of the help.'],
      [1000, 'send', 'Two lines of the help.'],
      [2000, 'send', 'Three lines, or so.'],
    ])
  })
})

describe('what a message shows', () => {
  test('the reasoning shows collapsed while the model thinks and goes when the answer starts', async () => {
    const { clock, update, finish, surface } = setup()
    update({ activity: { kind: 'thinking' }, reasoning: '**Plan**: check <facts>' })
    await clock.advance(1000)
    update(writing('Answer'))
    await clock.advance(1000)
    await Promise.all([finish(), clock.runAll()])
    expect(surface.calls.map((c) => c.text)).toEqual([
      '<blockquote expandable><b>Plan</b>: check &lt;facts&gt;</blockquote>\n\n▍\n\n<i>Thinking…</i>',
      'Answer ▍',
      'Answer',
    ])
  })

  test('showReasoning keeps the reasoning collapsed above the answer at the end', async () => {
    const { clock, update, finish, surface } = setup({ showReasoning: true }, { format: 'discord-markdown' })
    update({ activity: { kind: 'thinking' }, reasoning: 'Step one\n\nStep two' })
    await Promise.all([clock.advance(100), finish(writing('Answer')), clock.runAll()])
    expect(surface.texts()).toEqual(['-# Step one\n-# Step two\n\nAnswer'])
  })

  test('the status line says what the model is doing', async () => {
    const { clock, update, surface } = setup({}, { format: 'discord-markdown' })
    update({ text: 'So far', activity: { kind: 'searching', query: 'rust @everyone' } })
    await clock.advance(1000)
    update({ activity: { kind: 'calling', name: 'get_weather' } })
    await clock.advance(1000)
    expect(surface.calls.map((c) => c.text)).toEqual([
      'So far ▍\n\n-# Searching “rust @\u200beveryone”…',
      'So far ▍\n\n-# Using get\\_weather…',
    ])
  })

  test('the end lists the sources as numbered links and says why the answer stopped early', async () => {
    const { clock, update, finish, surface } = setup()
    update(writing('Partial'))
    await clock.advance(100)
    const citations = [
      { url: 'https://a.dev/x?y=1&z=2', title: 'A & B' },
      { url: 'https://b.dev', title: '' },
    ]
    await Promise.all([
      finish({ status: 'incomplete', incompleteReason: 'max_output_tokens', citations }),
      clock.runAll(),
    ])
    expect(surface.texts()).toEqual([
      'Partial\n\n<b>Sources</b>\n1. <a href="https://a.dev/x?y=1&amp;z=2">A &amp; B</a>\n2. <a href="https://b.dev">https://b.dev</a>\n\n<i>Stopped: the answer reached its length limit.</i>',
    ])
  })

  test('the words come from the caller’s translator', async () => {
    const t: LiveOptions['t'] = (key, params) => `${key}${params ? JSON.stringify(params) : ''}`
    const { clock, update, finish, surface } = setup({ t }, { format: 'plain' })
    update({ activity: { kind: 'thinking' } })
    await clock.advance(100)
    await Promise.all([
      finish({ status: 'failed', error: { code: 'server_error', message: 'boom' } }),
      clock.runAll(),
    ])
    expect(surface.calls.map((c) => c.text)).toEqual([
      '▍\n\nstatus.thinking',
      'reason.failed{"message":"boom"}',
    ])
  })

  test('a Stop button shows while the answer streams and goes at the end', async () => {
    const { clock, update, finish, surface } = setup({ buttons: [stop] })
    update(writing('Hi'))
    await clock.advance(100)
    await Promise.all([finish(), clock.runAll()])
    expect(surface.calls.map((c) => c.buttons)).toEqual([[stop], []])
  })

  test('the typing indicator repeats while the answer streams and stops at the end', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock })
    const live = createLiveMessage({
      surface,
      lanes: createLaneRegistry({ clock }),
      options: { typingEveryMs: 4000 },
    })
    await clock.advance(9000)
    const done = live.finish({ ...initialState(), status: 'completed', text: 'Done' })
    await clock.runAll()
    await done
    expect(surface.calls.filter((c) => c.kind === 'typing').map((c) => c.at)).toEqual([0, 4000, 8000])
    expect(clock.pending).toBe(0)
  })
})

describe('an answer that is a picture', () => {
  test('quietWhenEmpty: no text written and nothing sent means no message at all', async () => {
    const { clock, finish, surface } = setup({ placeholder: false, quietWhenEmpty: true })
    const done = finish({ activity: { kind: 'drawing' } })
    await clock.runAll()
    expect([(await done).outcome, surface.calls]).toEqual(['delivered', []])
  })

  test('quietWhenEmpty still says why an answer failed, and shows text the model wrote', async () => {
    const failed = setup({ placeholder: false, quietWhenEmpty: true })
    const done = failed.finish({
      status: 'failed',
      error: { code: 'moderation_blocked', message: 'Refused.' },
    })
    await failed.clock.runAll()
    await done
    expect(failed.surface.texts()).toEqual(['<i>The answer failed: Refused.</i>'])
    const wrote = setup({ placeholder: false, quietWhenEmpty: true })
    const finished = wrote.finish({ text: 'Here is your fox.' })
    await wrote.clock.runAll()
    await finished
    expect(wrote.surface.texts()).toEqual(['Here is your fox.'])
  })
})
