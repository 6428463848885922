import type { ResponsesClient } from '../responses/client.ts'
import { finishUnterminated } from '../responses/fold.ts'
import type {
  FunctionCallInput,
  FunctionCallOutputInput,
  InputItem,
  ResponsesRequest,
} from '../responses/request.ts'
import type { AnswerState, FunctionCall, Usage } from '../responses/state.ts'
import type { ToolRegistry } from './registry.ts'

/**
 * Runs an answer that may call function tools. When a round completes with function calls, each
 * is run (failures become `error: …` outputs, see registry.ts) and the answer continues with
 * `previous_response_id` + `function_call_output` items, or, with `localHistory` (or `store: false`, or when the API
 * gave no response id), by resending the input plus the call items and their outputs.
 *
 * `onState` sees one continuous answer: text and reasoning of successive rounds are joined with a
 * blank line, searches, citations and function calls accumulate, usage is summed; status, activity,
 * responseId and model are the current round's. A round that ends in calls shows as 'in_progress'
 * with activity 'calling'. After `maxRounds` rounds that all asked for tools, the answer ends
 * 'incomplete' with `incompleteReason` 'max_tool_rounds'.
 *
 * @example
 *   const final = await runWithTools(client, req, createToolRegistry([calculateTool]), { signal, onState })
 */
export interface ToolRunOptions {
  signal?: AbortSignal
  onState?: (state: AnswerState) => void
  maxRounds?: number
  localHistory?: boolean
}

export async function runWithTools(
  client: Pick<ResponsesClient, 'run'>,
  req: ResponsesRequest,
  registry: ToolRegistry,
  options: ToolRunOptions = {},
): Promise<AnswerState> {
  const maxRounds = options.maxRounds ?? 5
  const signal = options.signal ?? new AbortController().signal
  let request: ResponsesRequest = { ...req, tools: [...(req.tools ?? []), ...registry.definitions] }
  let history: InputItem[] =
    typeof req.input === 'string' ? [{ role: 'user', content: req.input }] : req.input
  let before: AnswerState | undefined

  for (let round = 1; ; round++) {
    const shown = (state: AnswerState) => presented(combine(before, state), state, round < maxRounds)
    const roundState = await client.run(request, {
      signal,
      onState: (state) => options.onState?.(shown(state)),
    })
    const combined = combine(before, roundState)
    const calls = pendingCalls(roundState)
    if (calls.length === 0) return combined
    if (round >= maxRounds) return shown(roundState)

    const outputs: FunctionCallOutputInput[] = []
    for (const call of calls) {
      options.onState?.({
        ...combined,
        status: 'in_progress',
        activity: { kind: 'calling', name: call.name },
      })
      const output = await registry.call(call.name, call.arguments, signal)
      outputs.push({ type: 'function_call_output', call_id: call.call_id, output })
      if (signal.aborted) {
        const aborted = finishUnterminated({ ...combined, status: 'in_progress' }, 'aborted')
        options.onState?.(aborted)
        return aborted
      }
    }
    before = combined

    if (options.localHistory || req.store === false || roundState.responseId === undefined) {
      const said: InputItem[] =
        roundState.text === '' ? [] : [{ role: 'assistant', content: roundState.text }]
      history = [...history, ...said, ...calls.map(callItem), ...outputs]
      request = { ...request, input: history }
    } else {
      request = { ...request, previous_response_id: roundState.responseId, input: outputs }
    }
  }
}

/** Calls the model asked for in a round that completed. */
function pendingCalls(state: AnswerState): FunctionCall[] {
  return state.status === 'completed' ? state.functionCalls.filter((c) => c.status === 'completed') : []
}

/** A round that completed with calls is not the end of the answer (or is, past the last round). */
function presented(combined: AnswerState, round: AnswerState, moreRounds: boolean): AnswerState {
  const calls = pendingCalls(round)
  const first = calls[0]
  if (!first) return combined
  if (!moreRounds) return { ...combined, status: 'incomplete', incompleteReason: 'max_tool_rounds' }
  return { ...combined, status: 'in_progress', activity: { kind: 'calling', name: first.name } }
}

/** The call item sent back with local history; without its `fc_` id, which needs its reasoning item. */
function callItem(call: FunctionCall): FunctionCallInput {
  return { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }
}

function combine(before: AnswerState | undefined, current: AnswerState): AnswerState {
  if (!before) return current
  const combined: AnswerState = {
    ...current,
    text: joinRounds(before.text, current.text),
    reasoning: joinRounds(before.reasoning, current.reasoning),
    searches: [...before.searches, ...current.searches],
    citations: [
      ...before.citations,
      ...current.citations.filter((c) => !before.citations.some((b) => b.url === c.url)),
    ],
    functionCalls: [...before.functionCalls, ...current.functionCalls],
    images: [...before.images, ...current.images],
  }
  const usage = addUsage(before.usage, current.usage)
  if (usage) combined.usage = usage
  return combined
}

function joinRounds(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}\n\n${b}`
}

function addUsage(a: Usage | undefined, b: Usage | undefined): Usage | undefined {
  if (!a || !b) return a ?? b
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  }
}
