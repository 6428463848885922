import { describe, expect, test } from 'vitest'
import type { AnswerState } from '../../../src/core/responses/state.ts'
import { calculateTool } from '../../../src/core/tools/calculate.ts'
import { createToolRegistry } from '../../../src/core/tools/registry.ts'
import { runWithTools } from '../../../src/core/tools/run-with-tools.ts'
import { sse } from '../../fakes/fake-responses-api.ts'
import {
  failedAnswer,
  functionCallAnswer,
  Transcript,
  textAnswer,
} from '../../fakes/fake-responses-transcripts.ts'
import { useClientHarness } from '../responses/client-harness.ts'

const h = useClientHarness()
const registry = createToolRegistry([calculateTool])
const req = { model: 'gpt-test', input: 'What is 2+3?', instructions: 'Be brief.' }
const callTwoPlusThree = () =>
  functionCallAnswer('calculate', '{"expression":"2+3"}', 'call_1', { id: 'resp_1' })

describe('runWithTools', () => {
  test('runs the call and continues with previous_response_id and the output', async () => {
    h.fake.enqueue(sse(callTwoPlusThree()), sse(textAnswer('The answer is 5.', 2, { id: 'resp_2' })))
    const states: AnswerState[] = []
    const final = await runWithTools(h.client, req, registry, { onState: (s) => states.push(s) })

    const [first, second] = h.fake.requests
    expect(first?.body?.tools).toEqual(registry.definitions)
    expect(second?.body).toEqual({
      model: 'gpt-test',
      instructions: 'Be brief.',
      tools: registry.definitions,
      previous_response_id: 'resp_1',
      input: [{ type: 'function_call_output', call_id: 'call_1', output: '5' }],
      stream: true,
    })
    expect(final).toEqual({
      responseId: 'resp_2',
      model: 'gpt-test',
      status: 'completed',
      activity: { kind: 'writing' },
      text: 'The answer is 5.',
      reasoning: '',
      searches: [],
      citations: [],
      functionCalls: [
        {
          id: 'fc_0',
          call_id: 'call_1',
          name: 'calculate',
          arguments: '{"expression":"2+3"}',
          status: 'completed',
        },
      ],
      images: [],
      usage: {
        input_tokens: 24,
        cached_input_tokens: 8,
        output_tokens: 16,
        reasoning_tokens: 6,
        total_tokens: 40,
      },
      lastSequence: 9,
    })
    expect(states.filter((s) => s.status === 'completed')).toEqual([final])
    expect(states.some((s) => s.status === 'in_progress' && s.activity.kind === 'calling')).toBe(true)
    expect(states.at(-1)).toEqual(final)
  })

  test('with local history it resends the input, the call and its output', async () => {
    h.fake.options.rejectPreviousResponseId = true
    h.fake.enqueue(sse(callTwoPlusThree()), sse(textAnswer('5.', 1, { id: 'resp_2' })))
    const final = await runWithTools(h.client, req, registry, { localHistory: true })
    expect(final.text).toBe('5.')
    expect(h.fake.requests[1]?.body?.previous_response_id).toBeUndefined()
    expect(h.fake.requests[1]?.body?.input).toEqual([
      { role: 'user', content: 'What is 2+3?' },
      { type: 'function_call', call_id: 'call_1', name: 'calculate', arguments: '{"expression":"2+3"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '5' },
    ])
  })

  test('unknown tools and failing tools answer error outputs, in call order', async () => {
    const twoCalls = new Transcript()
      .start()
      .functionCall('nope', '{}', 'call_a')
      .functionCall('calculate', '{"expression":"1/0"}', 'call_b')
      .completed().events
    h.fake.enqueue(sse(twoCalls), sse(textAnswer('Sorry.', 1, { id: 'resp_2' })))
    await runWithTools(h.client, req, registry)
    expect(h.fake.requests[1]?.body?.input).toEqual([
      { type: 'function_call_output', call_id: 'call_a', output: 'error: there is no tool named "nope"' },
      { type: 'function_call_output', call_id: 'call_b', output: 'error: division by zero' },
    ])
  })

  test('text of successive rounds reads as one answer', async () => {
    const sayThenCall = new Transcript({ id: 'resp_1' })
      .start()
      .message(['Let me compute.'])
      .functionCall('calculate', '{"expression":"2+3"}')
      .completed().events
    h.fake.enqueue(sse(sayThenCall), sse(textAnswer('It is 5.', 2, { id: 'resp_2' })))
    const texts: string[] = []
    const final = await runWithTools(h.client, req, registry, {
      localHistory: true,
      onState: (s) => texts.push(s.text),
    })
    expect(final.text).toBe('Let me compute.\n\nIt is 5.')
    expect(texts.filter((t, i) => t !== texts[i - 1])).toEqual([
      '',
      'Let me compute.',
      'Let me compute.\n\nIt i',
      'Let me compute.\n\nIt is 5.',
    ])
    expect(h.fake.requests[1]?.body?.input).toEqual([
      { role: 'user', content: 'What is 2+3?' },
      { role: 'assistant', content: 'Let me compute.' },
      { type: 'function_call', call_id: 'call_1', name: 'calculate', arguments: '{"expression":"2+3"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '5' },
    ])
  })

  test('stops after maxRounds rounds of calls as incomplete max_tool_rounds', async () => {
    h.fake.enqueue(
      sse(callTwoPlusThree()),
      sse(functionCallAnswer('calculate', '{"expression":"1"}', 'call_2', { id: 'resp_2' })),
    )
    const states: AnswerState[] = []
    const final = await runWithTools(h.client, req, registry, {
      maxRounds: 2,
      onState: (s) => states.push(s),
    })
    expect([final.status, final.incompleteReason, final.functionCalls.length]).toEqual([
      'incomplete',
      'max_tool_rounds',
      2,
    ])
    expect(h.fake.requests).toHaveLength(2)
    expect(states.some((s) => s.status === 'completed')).toBe(false)
  })

  test('a failed round ends the answer without running tools', async () => {
    h.fake.enqueue(sse(failedAnswer('server_error', 'boom')))
    const final = await runWithTools(h.client, req, registry)
    expect([final.status, final.error?.code]).toEqual(['failed', 'server_error'])
    expect(h.fake.requests).toHaveLength(1)
  })
})
