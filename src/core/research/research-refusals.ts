import { HeraldError } from '../contracts/errors.ts'
import { UpstreamError } from '../responses/errors.ts'
import { isRetryable } from '../responses/retry.ts'

/**
 * What an endpoint's error answers mean for a research run: a refusal of background mode or of
 * streaming it (the run goes on another way), a route the endpoint does not have (it is
 * remembered), or trouble that waiting may fix. Relays answer these in their own words, so the
 * status and the named parameter count first, the message only where they say nothing.
 *
 * @example
 *   if (refusesBackground(error)) runForeground()
 */

/** The endpoint will not stream a background run (a 400 naming `stream`): poll instead. */
export function refusesStreaming(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.kind === 'bad_request' &&
    (error.param === 'stream' || /\bstream/i.test(error.message))
  )
}

/** The endpoint refuses background mode: a 400 naming it, or no such route for it (404/405). */
export function refusesBackground(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false
  if (error.status === 400) {
    if (error.param !== undefined) return error.param === 'background'
    return /\bbackground\b/i.test(error.message) && !refusesStreaming(error)
  }
  return (error.status === 404 || error.status === 405) && error.code !== 'model_not_found'
}

/**
 * A call by response id that the endpoint has no route for (404/405), as relays without
 * `GET /responses/{id}` or `/cancel` answer; not OpenAI's own 404 for an unknown id.
 */
export function missingRoute(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false
  if (error.status === 405) return true
  return error.status === 404 && !/\bresponse with id\b/i.test(error.message)
}

/** Trouble that waiting may fix: the run is asked about again. */
export function transient(error: unknown): boolean {
  if (isRetryable(error)) return true
  return (
    error instanceof HeraldError &&
    (error.kind === 'timeout' || error.kind === 'network' || error.kind === 'stream')
  )
}
