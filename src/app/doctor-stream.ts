import type { Translate } from '../core/i18n/i18n.ts'
import { fold } from '../core/responses/fold.ts'
import { readResponseBody } from '../core/responses/response-body.ts'
import { parseStreamEvents } from '../core/responses/sse.ts'
import { type AnswerState, initialState } from '../core/responses/state.ts'

/**
 * The doctor's answers read from their raw text, as the probes keep it whole: a stream folded
 * into one state, a whole JSON body, a background run's id, and the stream's dialect in words.
 *
 * @example
 *   const state = streamed ? foldStream(text) : wholeAnswer(text)
 *   row('dialect', 'yes', dialectOf(text, t), …)
 */

/** A streamed answer folded as the live engine folds it; undefined when no event parsed. */
export function foldStream(text: string): AnswerState | undefined {
  const { events } = parseStreamEvents(text)
  if (events.length === 0) return undefined
  let state = initialState()
  for (const event of events) state = fold(state, event)
  return state
}

/** A whole JSON answer as a state with its id and status; undefined when it is no answer. */
export function wholeAnswer(text: string): AnswerState | undefined {
  try {
    const response = readResponseBody(JSON.parse(text))
    if (!response) return undefined
    return { ...initialState(), responseId: response.id, status: response.status }
  } catch {
    return undefined
  }
}

/** The `id` of a JSON body (a queued background run). */
export function idOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

/** How the stream is written: `event:` lines or data only, `[DONE]`, comments, sequence numbers. */
export function dialectOf(raw: string, t: Translate): string {
  const parts = [t(/^event:/m.test(raw) ? 'doctor.dialect.event_lines' : 'doctor.dialect.data_only')]
  if (/^data:\s*\[DONE\]/m.test(raw)) parts.push(t('doctor.dialect.done'))
  if (/^:/m.test(raw)) parts.push(t('doctor.dialect.comments'))
  if (!raw.includes('"sequence_number"')) parts.push(t('doctor.dialect.no_sequence'))
  return parts.join(', ')
}
