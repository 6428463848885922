import { describe, expect, test } from 'vitest'
import type { MessageRef } from '../../../src/core/contracts/surface.ts'
import { type KeptMessageInit, keepMessage } from '../../../src/core/live/kept-message.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { fakeSurface } from '../../helpers/fake-surface.ts'

const cancel = { label: 'Cancel', data: 'rs:k:1', style: 'danger' as const }

function setup(init: Partial<KeptMessageInit> = {}) {
  const clock = fakeClock()
  const surface = fakeSurface({ clock, typing: false })
  const lanes = createLaneRegistry({ clock })
  const kept = keepMessage({ surface, lanes, ...init })
  const calls = () => surface.calls.map((c) => [c.at, c.kind, c.text, c.result])
  return { clock, surface, kept, calls }
}

describe('a kept message', () => {
  test('the newest content wins, intermediate edits keep their minimum gap and a final one goes at the pace', async () => {
    const refs: MessageRef[] = []
    const { clock, kept, calls } = setup({ minGapMs: 5000, onRef: (ref) => refs.push(ref) })
    void kept.show('**Research** · 0 s', [cancel])
    await clock.advance(2000)
    void kept.show('**Research** · 2 s', [cancel])
    await clock.advance(2000)
    void kept.show('**Research** · 4 s', [cancel])
    await clock.advance(2000)
    const done = kept.show('Finished', [], true)
    await clock.runAll()
    await done
    expect(calls()).toEqual([
      [0, 'send', '<b>Research</b> · 0 s', 'ok'],
      [5000, 'edit', '<b>Research</b> · 4 s', 'ok'],
      [6000, 'edit', 'Finished', 'ok'],
    ])
    expect(refs).toEqual([kept.ref])
  })

  test('a message sent before a restart is edited, not sent again', async () => {
    const { clock, surface, calls } = setup()
    const before = await surface.send({ text: 'Queued', format: 'telegram-html' })
    await clock.advance(1000)
    const refs: MessageRef[] = []
    const kept = keepMessage({
      surface,
      lanes: createLaneRegistry({ clock }),
      ref: before,
      onRef: (ref) => refs.push(ref),
    })
    const done = kept.show('Running', [cancel], true)
    await clock.runAll()
    await done
    expect(calls().slice(1)).toEqual([[1000, 'edit', 'Running', 'ok']])
    expect(kept.ref).toEqual(before)
    expect(refs).toEqual([])
  })

  test('refused HTML is shown again as plain text at the chat’s next turn', async () => {
    const { clock, surface, kept, calls } = setup()
    surface.formatRejectNext()
    const done = kept.show('**Done**', [], true)
    await clock.runAll()
    await done
    expect(calls()).toEqual([
      [0, 'send', '<b>Done</b>', 'format_rejected'],
      [1000, 'send', 'Done', 'ok'],
    ])
  })

  test('a deleted message ends it: the show resolves and nothing more is written', async () => {
    const { clock, surface, kept, calls } = setup()
    await Promise.all([kept.show('Running', [cancel], true), clock.runAll()])
    surface.goneNext()
    const done = kept.show('Finished', [], true)
    await clock.runAll()
    await done
    await Promise.all([kept.show('Again', [], true), clock.runAll()])
    expect(calls()).toEqual([
      [0, 'send', 'Running', 'ok'],
      [1000, 'edit', 'Finished', 'gone'],
    ])
  })

  test('final content is tried again after transient errors, with the live engine’s backoff', async () => {
    const { clock, surface, kept, calls } = setup()
    surface.failNext({ transient: true })
    surface.failNext({ transient: true })
    const done = kept.show('Finished', [], true)
    await clock.runAll()
    await done
    expect(calls()).toEqual([
      [0, 'send', 'Finished', 'failed'],
      [2000, 'send', 'Finished', 'failed'],
      [6000, 'send', 'Finished', 'ok'],
    ])
  })

  test('final content is given up after five transient retries, and newer content starts over', async () => {
    const { clock, surface, kept, calls } = setup()
    for (let i = 0; i < 6; i++) surface.failNext({ transient: true })
    const done = kept.show('Finished', [], true)
    await clock.runAll()
    await done
    expect(calls().map(([at, , , result]) => [at, result])).toEqual([
      [0, 'failed'],
      [2000, 'failed'],
      [6000, 'failed'],
      [14_000, 'failed'],
      [30_000, 'failed'],
      [60_000, 'failed'],
    ])
    expect(kept.ref).toBeUndefined()
    const later = kept.show('Finished, at last', [], true)
    await clock.runAll()
    await later
    expect(calls().at(-1)).toEqual([90_000, 'send', 'Finished, at last', 'ok'])
  })

  test('final content the platform refuses for good is given up at once', async () => {
    const { clock, surface, kept, calls } = setup()
    surface.failNext({ transient: false, message: 'Bad Request: chat not found' })
    const done = kept.show('Finished', [], true)
    await clock.runAll()
    await done
    expect(calls()).toEqual([[0, 'send', 'Finished', 'failed']])
  })

  test('intermediate content is never given up: it waits out the backoff until it lands', async () => {
    const { clock, surface, kept, calls } = setup()
    for (let i = 0; i < 7; i++) surface.failNext({ transient: false, message: 'Bad Request' })
    const done = kept.show('Running', [cancel])
    await clock.runAll()
    await done
    expect(calls().map(([at, , , result]) => [at, result])).toEqual([
      [0, 'failed'],
      [2000, 'failed'],
      [6000, 'failed'],
      [14_000, 'failed'],
      [30_000, 'failed'],
      [60_000, 'failed'],
      [90_000, 'failed'],
      [120_000, 'ok'],
    ])
  })

  test('close drops what is not shown yet', async () => {
    const { clock, kept, calls } = setup({ minGapMs: 5000 })
    await Promise.all([kept.show('Running · 0 s', [cancel]), clock.runAll()])
    const pending = kept.show('Running · 2 s', [cancel])
    kept.close()
    await pending
    await clock.runAll()
    expect(calls()).toEqual([[0, 'send', 'Running · 0 s', 'ok']])
  })
})
