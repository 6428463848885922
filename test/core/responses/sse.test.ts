import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import type { StreamEvent } from '../../../src/core/responses/events.ts'
import { createStreamEventParser, parseStreamEvents } from '../../../src/core/responses/sse.ts'
import { textAnswer, toSseFrames } from '../../fakes/fake-responses-transcripts.ts'

describe('SSE parsing', () => {
  test('OpenAI frames with event lines give the transcript events in order', () => {
    const events = textAnswer('Hello world', 3)
    const { events: parsed, stats } = parseStreamEvents(toSseFrames(events).join(''))
    expect(parsed).toEqual(events)
    expect(stats).toEqual({ events: 11, malformed: 0, unknown: 0, done: false })
  })

  test('relay frames without event lines and with a [DONE] trailer give the same events', () => {
    const events = textAnswer('Hello world', 3)
    const { events: parsed, stats } = parseStreamEvents(
      toSseFrames(events, { eventLines: false, done: true }).join(''),
    )
    expect(parsed).toEqual(events)
    expect(stats.done).toBe(true)
  })

  test('the type comes from the event line when the JSON has none', () => {
    const { events } = parseStreamEvents(
      'event: response.output_text.delta\ndata: {"item_id":"m","output_index":0,"content_index":0,"delta":"Hi","sequence_number":4}\n\n',
    )
    expect(events).toEqual([
      {
        type: 'response.output_text.delta',
        item_id: 'm',
        output_index: 0,
        content_index: 0,
        delta: 'Hi',
        sequence_number: 4,
      },
    ])
  })

  test('unknown event types go to onUnknown and are counted, never thrown', () => {
    const unknown: [string, unknown][] = []
    const events: StreamEvent[] = []
    const parser = createStreamEventParser({
      onEvent: (e) => events.push(e),
      onUnknown: (type, data) => unknown.push([type, data]),
    })
    parser.feed(
      'event: response.mcp_call.in_progress\ndata: {"type":"response.mcp_call.in_progress","sequence_number":3}\n\n',
    )
    parser.feed('data: {"type":"response.output_text.delta","delta":"ok","sequence_number":4}\n\n')
    parser.end()
    expect(unknown).toEqual([
      ['response.mcp_call.in_progress', { type: 'response.mcp_call.in_progress', sequence_number: 3 }],
    ])
    expect(events.map((e) => e.type)).toEqual(['response.output_text.delta'])
    expect(parser.stats).toEqual({ events: 1, malformed: 0, unknown: 1, done: false })
  })

  test('malformed lines are skipped and counted', () => {
    const malformed: string[] = []
    const events: StreamEvent[] = []
    const parser = createStreamEventParser({
      onEvent: (e) => events.push(e),
      onMalformed: (d) => malformed.push(d),
    })
    parser.feed('data: {"type":"response.output_text.delta","delta":"a","sequence_number":1}\n\n')
    parser.feed('data: {"type":"response.output_text.delta","delta":\n\n')
    parser.feed('data: 42\n\n')
    parser.feed('data: {"no_type":true}\n\n')
    parser.feed('data: {"type":"response.output_text.delta","sequence_number":3}\n\n')
    parser.feed('data: {"type":"response.output_text.delta","delta":"b","sequence_number":4}\n\n')
    parser.end()
    expect(events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : ''))).toEqual(['a', 'b'])
    expect(parser.stats.malformed).toBe(4)
    expect(malformed).toEqual([
      '{"type":"response.output_text.delta","delta":',
      '42',
      '{"no_type":true}',
      '{"type":"response.output_text.delta","sequence_number":3}',
    ])
  })

  test('a missing sequence number follows the previous one', () => {
    const { events } = parseStreamEvents(
      'data: {"type":"response.output_text.delta","delta":"a","sequence_number":7}\n\n' +
        'data: {"type":"response.output_text.delta","delta":"b"}\n\n',
    )
    expect(events.map((e) => e.sequence_number)).toEqual([7, 8])
  })

  test('JSON lines not separated by a blank line are read one per line', () => {
    const { events, stats } = parseStreamEvents(
      'data: {"type":"response.output_text.delta","delta":"a","sequence_number":1}\n' +
        'data: {"type":"response.output_text.delta","delta":"b","sequence_number":2}\n\n',
    )
    expect(events.map((e) => e.sequence_number)).toEqual([1, 2])
    expect(stats.malformed).toBe(0)
  })

  test('an error event with a nested error object is flattened', () => {
    const { events } = parseStreamEvents(
      'event: error\ndata: {"type":"error","sequence_number":5,"error":{"code":"server_error","message":"boom"}}\n\n',
    )
    expect(events).toEqual([
      {
        type: 'error',
        sequence_number: 5,
        error: { code: 'server_error', message: 'boom' },
        code: 'server_error',
        message: 'boom',
        param: null,
      },
    ])
  })

  test('a last event without a blank line is flushed at the end', () => {
    const { events } = parseStreamEvents(
      'data: {"type":"response.output_text.delta","delta":"x","sequence_number":0}',
    )
    expect(events).toHaveLength(1)
  })

  test('a lifecycle event without output gets an empty output list', () => {
    const { events } = parseStreamEvents(
      'data: {"type":"response.created","sequence_number":0,"response":{"id":"r","status":"in_progress","model":"m"}}\n\n',
    )
    expect(events).toEqual([
      {
        type: 'response.created',
        sequence_number: 0,
        response: { id: 'r', status: 'in_progress', model: 'm', output: [] },
      },
    ])
  })

  test('any split of the byte stream, even inside a UTF-8 character, gives the same events', () => {
    const events = textAnswer('Grüße, 世界! 🎉 done', 4)
    const bytes = new TextEncoder().encode(toSseFrames(events, { eventLines: false, done: true }).join(''))
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }),
        (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), bytes.length]
          const parsed: StreamEvent[] = []
          const parser = createStreamEventParser({ onEvent: (e) => parsed.push(e) })
          for (let i = 1; i < points.length; i++) parser.feed(bytes.subarray(points[i - 1], points[i]))
          parser.end()
          expect(parsed).toEqual(events)
        },
      ),
    )
  })
})
