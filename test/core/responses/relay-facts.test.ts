import { describe, expect, test } from 'vitest'
import { fold } from '../../../src/core/responses/fold.ts'
import { parseStreamEvents } from '../../../src/core/responses/sse.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'

/**
 * What real streams from OpenAI and relays taught, each in a small stream of our own: the fold must
 * give the same answer whatever the dialect.
 */
const frame = (data: object, event = true) =>
  `${event ? `event: ${(data as { type: string }).type}\n` : ''}data: ${JSON.stringify(data)}\n\n`

const response = (id: string, status: string) => ({ id, object: 'response', status, model: 'm', output: [] })

function foldText(text: string): AnswerState {
  let state = initialState()
  for (const event of parseStreamEvents(text).events) state = fold(state, event)
  return state
}

const delta = (text: string, extra: object = {}) => ({
  type: 'response.output_text.delta',
  item_id: 'msg_1',
  output_index: 0,
  content_index: 0,
  delta: text,
  ...extra,
})

describe('streams as real endpoints send them', () => {
  test('events without sequence numbers (early 2025 wire format) are numbered in arrival order', () => {
    const state = foldText(
      [
        frame({ type: 'response.created', response: response('r1', 'in_progress') }),
        frame(delta('Oslo is ')),
        frame(delta('the capital.')),
        frame({ type: 'response.completed', response: response('r1', 'completed') }),
      ].join(''),
    )
    expect(state).toMatchObject({ text: 'Oslo is the capital.', status: 'completed', lastSequence: 3 })
  })

  test('an obfuscation field on every delta changes nothing in the text', () => {
    const state = foldText(
      [
        frame(delta('Kyoto', { obfuscation: 'x9Qe', sequence_number: 4 })),
        frame(delta(' in autumn', { obfuscation: 'a', sequence_number: 5 })),
      ].join(''),
    )
    expect(state.text).toBe('Kyoto in autumn')
  })

  test('annotations interleaved with text deltas become sources and never enter the text', () => {
    const annotation = (n: number, url: string) => ({
      type: 'response.output_text.annotation.added',
      item_id: 'msg_1',
      output_index: 1,
      content_index: 0,
      annotation_index: n,
      annotation: { type: 'url_citation', url, title: `Source ${n}`, start_index: 0, end_index: 4 },
    })
    const state = foldText(
      [
        frame(delta('Tides follow ')),
        frame(annotation(0, 'https://tides.example/moon')),
        frame(delta('the moon')),
        frame(annotation(1, 'https://tides.example/sun')),
        frame(annotation(2, 'https://tides.example/moon')),
        frame(delta(' and the sun.')),
      ].join(''),
    )
    expect(state.text).toBe('Tides follow the moon and the sun.')
    expect(state.citations).toEqual([
      { url: 'https://tides.example/moon', title: 'Source 0' },
      { url: 'https://tides.example/sun', title: 'Source 1' },
    ])
  })

  test('a frame whose data line comes before its event line reads the same', () => {
    const backwards = (data: { type: string }) => `data: ${JSON.stringify(data)}\nevent: ${data.type}\n\n`
    const state = foldText(
      [backwards(delta('Salt ')), backwards(delta('and pepper')), backwards(delta('.'))].join(''),
    )
    expect(state.text).toBe('Salt and pepper.')
  })

  test('an item id that changes on every event still gives every word once, in order', () => {
    const words = ['Three ', 'rivers ', 'meet ', 'here.']
    const state = foldText(
      [
        frame({
          type: 'response.content_part.added',
          item_id: 'id-1',
          output_index: 0,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [] },
        }),
        ...words.map((w, i) => frame(delta(w, { item_id: `id-${i + 2}` }), false)),
        frame({ type: 'response.completed', response: { ...response('id-9', 'completed') } }),
      ].join(''),
    )
    expect(state.text).toBe('Three rivers meet here.')
    expect(state.status).toBe('completed')
  })

  test('raw reasoning_text events are reasoning, kept apart from the answer', () => {
    const part = (itemId: string, type: string) => ({
      type: 'response.content_part.added',
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: type === 'output_text' ? { type, text: '', annotations: [] } : { type, text: '' },
    })
    const reasoningDelta = (text: string) => ({
      type: 'response.reasoning_text.delta',
      item_id: 'rs_1',
      output_index: 0,
      content_index: 0,
      delta: text,
    })
    const state = foldText(
      [
        frame(part('rs_1', 'reasoning_text')),
        frame(reasoningDelta('Seven times six')),
        frame(reasoningDelta(' is forty-two.')),
        frame({
          type: 'response.reasoning_text.done',
          item_id: 'rs_1',
          output_index: 0,
          content_index: 0,
          text: 'Seven times six is forty-two.',
        }),
        frame(part('msg_1', 'output_text')),
        frame(delta('42')),
      ].join(''),
    )
    expect(state.reasoning).toBe('Seven times six is forty-two.')
    expect(state.text).toBe('42')
  })
})
