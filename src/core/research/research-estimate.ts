import type { ModelInfo } from '../state/models.ts'
import { costMicroUsd, MICRO_USD_PER_USD } from '../state/usage.ts'

/**
 * What a deep-research run will probably cost, as a range, from the registry's prices and typical
 * token counts. A run reads every page it opens as input tokens, and each model turn reads the
 * growing context again, so input grows with the number of tool calls; `max_tool_calls` bounds
 * that, and so the high end.
 *
 * @example
 *   estimateResearch(models.get('o3-deep-research')!, 40)
 *   // → { lowUsd: 1.5, highUsd: 24.4, searchesLow: 10, searchesHigh: 40 }  (o3-deep-research: $10/$40 per 1M)
 */

/** Token counts of a typical run, for the estimate before it starts. */
export interface TypicalRun {
  /** A short run: input tokens, output tokens (reasoning included) and web searches (capped by max_tool_calls). */
  lowInputTokens: number
  lowOutputTokens: number
  lowSearches: number
  /** A long run: input tokens per tool call (context re-read on each turn), output tokens, and every allowed search. */
  highInputTokensPerToolCall: number
  highOutputTokens: number
}

/**
 * The defaults, from published accounts of deep-research runs: a short run reads about 100k tokens
 * and writes 10k over about 10 searches; a long one re-reads a context of up to 50k tokens on each
 * of its tool calls and writes up to 100k tokens (most of it reasoning).
 */
export const TYPICAL_RUN: TypicalRun = {
  lowInputTokens: 100_000,
  lowOutputTokens: 10_000,
  lowSearches: 10,
  highInputTokensPerToolCall: 50_000,
  highOutputTokens: 100_000,
}

export interface ResearchEstimate {
  lowUsd: number
  highUsd: number
  searchesLow: number
  searchesHigh: number
}

export function estimateResearch(
  model: ModelInfo,
  maxToolCalls: number,
  typical: Partial<TypicalRun> = {},
): ResearchEstimate {
  const run = { ...TYPICAL_RUN, ...typical }
  const calls = Math.max(1, Math.floor(maxToolCalls))
  const searchesLow = Math.min(run.lowSearches, calls)
  const usage = (input: number, output: number) => ({
    input_tokens: input,
    cached_input_tokens: 0,
    output_tokens: output,
    reasoning_tokens: 0,
    total_tokens: input + output,
  })
  const low = costMicroUsd(model.price, usage(run.lowInputTokens, run.lowOutputTokens), searchesLow)
  const high = costMicroUsd(
    model.price,
    usage(run.highInputTokensPerToolCall * calls, run.highOutputTokens),
    calls,
  )
  return {
    lowUsd: low / MICRO_USD_PER_USD,
    highUsd: Math.max(low, high) / MICRO_USD_PER_USD,
    searchesLow,
    searchesHigh: calls,
  }
}
