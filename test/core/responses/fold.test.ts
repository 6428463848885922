import { describe, expect, test } from 'vitest'
import type { ResponseObject, StreamEvent } from '../../../src/core/responses/events.ts'
import {
  finishUnterminated,
  fold,
  stateFromChatCompletion,
  stateFromResponse,
} from '../../../src/core/responses/fold.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import {
  citation,
  errorEventAnswer,
  failedAnswer,
  functionCallAnswer,
  incompleteAnswer,
  reasoningAnswer,
  Transcript,
  textAnswer,
  webSearchAnswer,
} from '../../fakes/fake-responses-transcripts.ts'
import { sketchPng } from '../../fakes/png.ts'

const usage = {
  input_tokens: 12,
  cached_input_tokens: 4,
  output_tokens: 8,
  reasoning_tokens: 3,
  total_tokens: 20,
}

function foldAll(events: readonly StreamEvent[], from: AnswerState = initialState()): AnswerState[] {
  const states: AnswerState[] = []
  let state = from
  for (const event of events) {
    state = fold(state, event)
    states.push(state)
  }
  return states
}

const final = (events: readonly StreamEvent[]) => foldAll(events).at(-1)!

/** Consecutive distinct values, to read a sequence of activities. */
function distinct<T>(values: T[]): T[] {
  return values.filter((v, i) => i === 0 || JSON.stringify(v) !== JSON.stringify(values[i - 1]))
}

const lastResponse = (events: readonly StreamEvent[]): ResponseObject => {
  const last = events.at(-1)!
  if (!('response' in last)) throw new Error('no terminal response')
  return last.response
}

describe('fold', () => {
  test('a text answer folds into its text, usage and ids', () => {
    const events = textAnswer('Hello world', 3)
    expect(final(events)).toEqual({
      responseId: 'resp_1',
      model: 'gpt-test',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'Hello world',
      reasoning: '',
      searches: [],
      citations: [],
      functionCalls: [],
      images: [],
      usage,
      lastSequence: 10,
    })
    expect(foldAll(events).map((s) => s.text)).toEqual([
      '',
      '',
      '',
      '',
      'Hell',
      'Hello wo',
      'Hello world',
      'Hello world',
      'Hello world',
      'Hello world',
      'Hello world',
    ])
  })

  test('a reasoning summary comes before the text, its parts separated by a blank line', () => {
    const events = reasoningAnswer(['Plan the answer.', 'Check the facts.'], 'Done.')
    const states = foldAll(events)
    expect(states.at(-1)).toEqual({
      responseId: 'resp_1',
      model: 'gpt-test',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'Done.',
      reasoning: 'Plan the answer.\n\nCheck the facts.',
      searches: [],
      citations: [],
      functionCalls: [],
      images: [],
      usage,
      lastSequence: 21,
    })
    expect(distinct(states.map((s) => s.activity))).toEqual([
      { kind: 'waiting' },
      { kind: 'thinking' },
      { kind: 'writing' },
    ])
  })

  test('a web search shows its query, then the answer with unique citations', () => {
    const events = webSearchAnswer('herald bot', 'See the sources.', [
      citation('https://a.example/', 'A'),
      citation('https://b.example/', 'B'),
      citation('https://a.example/', 'A again'),
    ])
    const states = foldAll(events)
    expect(states.at(-1)).toEqual({
      responseId: 'resp_1',
      model: 'gpt-test',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'See the sources.',
      reasoning: '',
      searches: [{ id: 'ws_0', status: 'completed', query: 'herald bot' }],
      citations: [
        { url: 'https://a.example/', title: 'A' },
        { url: 'https://b.example/', title: 'B' },
      ],
      functionCalls: [],
      images: [],
      usage,
      lastSequence: 17,
    })
    expect(distinct(states.map((s) => s.activity))).toEqual([
      { kind: 'waiting' },
      { kind: 'searching', query: 'herald bot' },
      { kind: 'writing' },
    ])
    expect(distinct(states.map((s) => s.searches[0]?.status))).toEqual([
      undefined,
      'in_progress',
      'searching',
      'completed',
    ])
  })

  test('citations also come from the final response when no annotation event was streamed', () => {
    const events = webSearchAnswer('q', 'Text.', [citation('https://c.example/', 'C')]).filter(
      (e) => e.type !== 'response.output_text.annotation.added',
    )
    expect(final(events).citations).toEqual([{ url: 'https://c.example/', title: 'C' }])
  })

  test('a function call streams its arguments and completes', () => {
    const events = functionCallAnswer('calculate', '{"expression":"2+3"}', 'call_9')
    const states = foldAll(events)
    expect(states.at(-1)).toEqual({
      responseId: 'resp_1',
      model: 'gpt-test',
      status: 'completed',
      activity: { kind: 'calling', name: 'calculate' },
      text: '',
      reasoning: '',
      searches: [],
      citations: [],
      functionCalls: [
        {
          id: 'fc_0',
          call_id: 'call_9',
          name: 'calculate',
          arguments: '{"expression":"2+3"}',
          status: 'completed',
        },
      ],
      images: [],
      usage,
      lastSequence: 7,
    })
    expect(distinct(states.map((s) => s.functionCalls[0]?.arguments))).toEqual([
      undefined,
      '',
      '{"expressi',
      '{"expression":"2+3"}',
    ])
  })

  test('an answer cut by max_output_tokens is incomplete with that reason and keeps its text', () => {
    const state = final(incompleteAnswer('Partial answer', 'max_output_tokens'))
    expect(state.status).toBe('incomplete')
    expect(state.incompleteReason).toBe('max_output_tokens')
    expect(state.text).toBe('Partial answer')
    expect(state.usage).toEqual(usage)
  })

  test('a failed response carries its error code and message', () => {
    expect(final(failedAnswer('server_error', 'The model crashed'))).toEqual({
      responseId: 'resp_1',
      model: 'gpt-test',
      status: 'failed',
      activity: { kind: 'waiting' },
      text: '',
      reasoning: '',
      searches: [],
      citations: [],
      functionCalls: [],
      images: [],
      error: { code: 'server_error', message: 'The model crashed' },
      lastSequence: 2,
    })
  })

  test('an error event fails the answer and keeps the text so far', () => {
    const state = final(errorEventAnswer('Half an ans', 'rate_limit_exceeded', 'Too fast'))
    expect(state.status).toBe('failed')
    expect(state.error).toEqual({ code: 'rate_limit_exceeded', message: 'Too fast' })
    expect(state.text).toBe('Half an ans')
  })

  test('a refusal is shown as the text', () => {
    const events = new Transcript().start().refusal('I can’t help with that.').completed().events
    expect(final(events).text).toBe('I can’t help with that.')
  })

  test('two messages around a search are separated by a blank line', () => {
    const events = new Transcript()
      .start()
      .message(['Let me check.'])
      .webSearch('q')
      .message(['Found ', 'it.'])
      .completed().events
    expect(final(events).text).toBe('Let me check.\n\nFound it.')
  })

  test('a background start is queued until in progress', () => {
    const events = new Transcript().queued().inProgress().events
    const states = foldAll(events)
    expect(states.map((s) => [s.status, s.activity.kind])).toEqual([
      ['queued', 'queued'],
      ['queued', 'queued'],
      ['in_progress', 'waiting'],
    ])
  })
})

describe('finishUnterminated', () => {
  test('a stream that ended early is incomplete and keeps its text', () => {
    const partial = final(textAnswer('Hello world', 3).slice(0, 6))
    expect(partial.status).toBe('in_progress')
    expect(finishUnterminated(partial, 'stream_ended')).toEqual({
      ...partial,
      status: 'incomplete',
      incompleteReason: 'stream_ended',
    })
    expect(finishUnterminated(partial, 'timeout').incompleteReason).toBe('timeout')
  })

  test('a final state is left as it is', () => {
    const done = final(textAnswer('Hi', 1))
    expect(finishUnterminated(done, 'stream_ended')).toBe(done)
  })
})

describe('stateFromResponse', () => {
  test.each([
    ['text', textAnswer('Hello world', 3)],
    ['reasoning', reasoningAnswer(['One.', 'Two.'], 'Answer.')],
    ['web search', webSearchAnswer('q', 'Text.', [citation('https://a.example/', 'A')])],
    ['function call', functionCallAnswer('calculate', '{"expression":"1"}')],
    ['incomplete', incompleteAnswer('Part', 'content_filter')],
    ['failed', failedAnswer('server_error', 'boom')],
  ])('a whole %s response reads like its folded stream', (_kind, events) => {
    expect(stateFromResponse(lastResponse(events))).toEqual({ ...final(events), lastSequence: -1 })
  })

  test('a queued background response is queued', () => {
    const response = (new Transcript({ id: 'resp_bg' }).queued().events[0] as { response: ResponseObject })
      .response
    expect(stateFromResponse(response)).toEqual({
      ...initialState(),
      responseId: 'resp_bg',
      model: 'gpt-test',
      status: 'queued',
      activity: { kind: 'queued' },
    })
  })

  test('a Chat Completions body from a relay reads as a completed answer', () => {
    const state = stateFromChatCompletion({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-relay',
      choices: [{ message: { content: 'Hi there' }, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 9,
        completion_tokens: 3,
        total_tokens: 12,
        prompt_tokens_details: { cached_tokens: 2 },
      },
    })
    expect(state).toEqual({
      ...initialState(),
      responseId: 'chatcmpl-1',
      model: 'gpt-relay',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'Hi there',
      usage: {
        input_tokens: 9,
        cached_input_tokens: 2,
        output_tokens: 3,
        reasoning_tokens: 0,
        total_tokens: 12,
      },
    })
  })

  test('a Chat Completions body cut by length is incomplete', () => {
    const state = stateFromChatCompletion({
      choices: [{ message: { content: 'Long' }, finish_reason: 'length' }],
    })
    expect([state.status, state.incompleteReason, state.text]).toEqual([
      'incomplete',
      'max_output_tokens',
      'Long',
    ])
  })
})

describe('the image tool', () => {
  const partials = [sketchPng(1, 3), sketchPng(2, 3)]
  const finished = sketchPng(3, 3)
  const b64 = (png: Uint8Array) => Buffer.from(png).toString('base64')
  const events = new Transcript()
    .start()
    .image({ partials, final: finished, revisedPrompt: 'A blue fox in snow', quality: 'low' })
    .message(['Here it is.'])
    .completed().events

  test('each partial image replaces the previous one, and the item brings the final image', () => {
    const states = foldAll(events)
    const shown = states.flatMap((s) => (s.images[0]?.partial ? [s.images[0].partial.index] : []))
    expect([...new Set(shown)]).toEqual([0, 1])
    const atPartial = states.find((s) => s.images[0]?.partial?.index === 1)!
    expect(atPartial.activity).toEqual({ kind: 'drawing' })
    expect(atPartial.images[0]).toMatchObject({ status: 'generating', partial: { b64: b64(partials[1]!) } })
    expect(final(events).images).toEqual([
      {
        id: 'ig_0',
        status: 'completed',
        partial: { index: 1, b64: b64(partials[1]!) },
        result: b64(finished),
        revisedPrompt: 'A blue fox in snow',
        size: '1024x1024',
        quality: 'low',
        format: 'png',
      },
    ])
    expect(final(events).text).toBe('Here it is.')
  })

  test('a whole Response object carries the image too (polling, a non-streamed answer)', () => {
    const completed = events.at(-1)!
    if (!('response' in completed)) throw new Error('the transcript ends with response.completed')
    const state = stateFromResponse(completed.response)
    expect(state.images).toEqual([
      {
        id: 'ig_0',
        status: 'completed',
        result: b64(finished),
        revisedPrompt: 'A blue fox in snow',
        size: '1024x1024',
        quality: 'low',
        format: 'png',
      },
    ])
  })

  test('a late progress event does not take a finished image back', () => {
    const done = final(events)
    const late = fold(done, {
      type: 'response.image_generation_call.generating',
      item_id: 'ig_0',
      output_index: 0,
      sequence_number: 99,
    })
    expect(late.images[0]!.status).toBe('completed')
  })
})
