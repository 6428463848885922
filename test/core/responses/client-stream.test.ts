import { describe, expect, test } from 'vitest'
import type { AnswerState } from '../../../src/core/responses/state.ts'
import { sse } from '../../fakes/fake-responses-api.ts'
import { citation, textAnswer, webSearchAnswer } from '../../fakes/fake-responses-transcripts.ts'
import { KEY, until, useClientHarness } from './client-harness.ts'

const h = useClientHarness()
const usage = {
  input_tokens: 12,
  cached_input_tokens: 4,
  output_tokens: 8,
  reasoning_tokens: 3,
  total_tokens: 20,
}
const helloWorld: AnswerState = {
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
}

describe('streaming a response', () => {
  test('streams a text answer, with every state on the way', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3)))
    const states: AnswerState[] = []
    const final = await h.client.run({ model: 'gpt-test', input: 'Hi' }, { onState: (s) => states.push(s) })
    expect(final).toEqual(helloWorld)
    expect(states.map((s) => s.text)).toEqual([
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
    expect(states.at(-1)).toBe(final)
    const [request] = h.fake.requests
    expect(request).toMatchObject({
      method: 'POST',
      path: '/v1/responses',
      body: { model: 'gpt-test', input: 'Hi', stream: true },
    })
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    })
  })

  test('a relay stream without event lines and with [DONE] gives the same answer', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3), { eventLines: false, done: true }))
    expect(await h.client.run({ model: 'gpt-test', input: 'Hi' })).toEqual(helloWorld)
  })

  test('a web search answer carries its search and citations', async () => {
    h.fake.enqueue(
      sse(webSearchAnswer('weather paris', 'Sunny.', [citation('https://meteo.example/', 'Météo')])),
    )
    const final = await h.client.run({
      model: 'gpt-test',
      input: 'Weather?',
      tools: [{ type: 'web_search' }],
    })
    expect(final.searches).toEqual([{ id: 'ws_0', status: 'completed', query: 'weather paris' }])
    expect(final.citations).toEqual([{ url: 'https://meteo.example/', title: 'Météo' }])
    expect(final.text).toBe('Sunny.')
  })

  test('onEvent sees each event before it is folded', async () => {
    h.fake.enqueue(sse(textAnswer('Hi', 1)))
    const types: string[] = []
    await h.client.run({ model: 'gpt-test', input: 'Hi' }, { onEvent: (e) => types.push(e.type) })
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
  })

  test('unknown events are logged at debug and malformed ones counted in one warning', async () => {
    h.fake.enqueue({
      kind: 'raw',
      chunks: [
        'data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_r","object":"response","status":"in_progress","model":"m","output":[]}}\n\n',
        'data: {"type":"response.code_interpreter_call.in_progress","sequence_number":1}\n\n',
        'data: {not json}\n\n',
        'data: {"type":"response.output_text.delta","delta":"ok","sequence_number":2}\n\n',
        'data: {"type":"response.completed","sequence_number":3,"response":{"id":"resp_r","object":"response","status":"completed","model":"m","output":[]}}\n\n',
      ],
    })
    const final = await h.client.run({ model: 'm', input: 'x' })
    expect([final.status, final.text]).toEqual(['completed', 'ok'])
    expect(h.logs.filter((l) => l.msg === 'unknown stream event skipped').map((l) => l.type)).toEqual([
      'response.code_interpreter_call.in_progress',
    ])
    expect(h.logs.filter((l) => l.msg === 'malformed stream events skipped').map((l) => l.malformed)).toEqual(
      [1],
    )
  })

  test('a Chat Completions JSON body from a relay is read as the answer', async () => {
    h.fake.enqueue({
      kind: 'json',
      body: {
        id: 'chatcmpl-7',
        object: 'chat.completion',
        model: 'gpt-relay',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Hello from the relay' },
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
      },
    })
    const states: AnswerState[] = []
    const final = await h.client.run({ model: 'gpt-relay', input: 'Hi' }, { onState: (s) => states.push(s) })
    expect(final).toEqual({
      responseId: 'chatcmpl-7',
      model: 'gpt-relay',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'Hello from the relay',
      reasoning: '',
      searches: [],
      citations: [],
      functionCalls: [],
      images: [],
      usage: {
        input_tokens: 5,
        cached_input_tokens: 0,
        output_tokens: 4,
        reasoning_tokens: 0,
        total_tokens: 9,
      },
      lastSequence: -1,
    })
    expect(states).toEqual([final])
  })

  test('a whole Response JSON body is read as the answer', async () => {
    const completed = textAnswer('Whole', 1).at(-1) as { response: unknown }
    h.fake.enqueue({ kind: 'json', body: completed.response })
    const final = await h.client.run({ model: 'gpt-test', input: 'Hi' })
    expect([final.status, final.text, final.responseId]).toEqual(['completed', 'Whole', 'resp_1'])
  })
})

describe('a stream that does not finish', () => {
  test('a cut connection keeps the partial text as incomplete stream_ended', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3), { cutAfter: 6 }))
    const final = await h.client.run({ model: 'gpt-test', input: 'Hi' })
    const { usage: _usage, ...unfinished } = helloWorld
    expect(final).toEqual({
      ...unfinished,
      status: 'incomplete',
      incompleteReason: 'stream_ended',
      text: 'Hello wo',
      lastSequence: 5,
    })
    expect(h.fake.requests).toHaveLength(1)
  })

  test('a stream closed without a terminal event is incomplete stream_ended', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3).slice(0, 5)))
    const final = await h.client.run({ model: 'gpt-test', input: 'Hi' })
    expect([final.status, final.incompleteReason, final.text]).toEqual(['incomplete', 'stream_ended', 'Hell'])
  })

  test('a stall longer than idleMs ends the stream as incomplete timeout, keeping the text', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3), { stallAfter: 5 }))
    let latest = ''
    const result = h.client.run(
      { model: 'gpt-test', input: 'Hi' },
      {
        onState: (s) => {
          latest = s.text
        },
      },
    )
    await until(() => latest === 'Hell', 'the first delta')
    await h.clock.advance(2999)
    expect(h.clock.pending).toBe(1)
    await h.clock.advance(1)
    const final = await result
    expect([final.status, final.incompleteReason, final.text]).toEqual(['incomplete', 'timeout', 'Hell'])
  })

  test('a stream with its own idleMs outlasts the client’s silence limit and ends at its own', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3), { stallAfter: 5 }))
    let latest = ''
    const result = h.client.run(
      { model: 'gpt-test', input: 'Hi' },
      {
        idleMs: 60_000,
        onState: (s) => {
          latest = s.text
        },
      },
    )
    await until(() => latest === 'Hell', 'the first delta')
    await h.clock.advance(59_999)
    expect(h.clock.pending).toBe(1)
    await h.clock.advance(1)
    const final = await result
    expect([final.status, final.incompleteReason, final.text]).toEqual(['incomplete', 'timeout', 'Hell'])
  })

  test('an abort by the caller resolves with the partial text, incomplete aborted', async () => {
    h.fake.enqueue(sse(textAnswer('Hello world', 3), { stallAfter: 5 }))
    const controller = new AbortController()
    const states: AnswerState[] = []
    const result = h.client.run(
      { model: 'gpt-test', input: 'Hi' },
      { signal: controller.signal, onState: (s) => states.push(s) },
    )
    await until(() => states.at(-1)?.text === 'Hell', 'the first delta')
    controller.abort()
    const final = await result
    expect([final.status, final.incompleteReason, final.text]).toEqual(['incomplete', 'aborted', 'Hell'])
    expect(states.at(-1)).toBe(final)
  })

  test('an abort before the answer starts resolves as aborted with no text', async () => {
    h.fake.enqueue({ kind: 'hang' })
    const controller = new AbortController()
    const result = h.client.run({ model: 'gpt-test', input: 'Hi' }, { signal: controller.signal })
    await h.fake.waitForRequests(1)
    controller.abort()
    const final = await result
    expect([final.status, final.incompleteReason, final.text]).toEqual(['incomplete', 'aborted', ''])
  })

  test('an already aborted signal sends nothing', async () => {
    const final = await h.client.run({ model: 'gpt-test', input: 'Hi' }, { signal: AbortSignal.abort() })
    expect([final.status, final.incompleteReason]).toEqual(['incomplete', 'aborted'])
    expect(h.fake.requests).toHaveLength(0)
  })
})
