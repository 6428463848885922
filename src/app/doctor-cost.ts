import type { ModelInfo } from '../core/state/models.ts'
import { costMicroUsd } from '../core/state/usage.ts'

/**
 * What `npm run doctor` may spend, stated before anything is sent: how many paid requests, each
 * at most how many tokens of the default model.
 *
 * @example
 *   say(t('doctor.cost', { usd: `$${estimateProbeUsd(model).toFixed(4)}`, requests: PROBE_REQUESTS, … }))
 */

/** The output tokens each probe may use: the API's minimum `max_output_tokens`. */
export const PROBE_OUTPUT_TOKENS = 16
/** At most this many paid requests (answers, previous_response_id, background, two search tools, summaries, image). */
export const PROBE_REQUESTS = 8
const PROBE_INPUT_TOKENS = 120

/** The most the probes can cost, in USD: every request at its token ceiling and one web search call. */
export function estimateProbeUsd(model: ModelInfo): number {
  const usage = {
    input_tokens: PROBE_INPUT_TOKENS,
    cached_input_tokens: 0,
    output_tokens: PROBE_OUTPUT_TOKENS,
    reasoning_tokens: 0,
    total_tokens: PROBE_INPUT_TOKENS + PROBE_OUTPUT_TOKENS,
  }
  const perRequest = costMicroUsd(model.price, usage)
  const search = costMicroUsd(
    model.price,
    { ...usage, input_tokens: 0, output_tokens: 0, total_tokens: 0 },
    1,
  )
  return (perRequest * PROBE_REQUESTS + search) / 1_000_000
}
