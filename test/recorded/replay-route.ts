import { promptOf } from '../e2e/harness.ts'
import type { RecordedRequest, Script } from '../fakes/fake-responses-api.ts'
import { payloadsOf, type StreamRecording, streamRecordings } from './real-traffic.ts'

const recordings = streamRecordings()

/**
 * A `route` for the fake Responses API serving recordings byte for byte: the question names the
 * recording; a later tool round (previous_response_id) gets the same one again, as a model that
 * keeps calling tools would.
 */
export function replayRoute(req: RecordedRequest): Script {
  const previous = req.body?.previous_response_id
  const found =
    recordings.find((r) => r.name === promptOf(req.body)) ??
    recordings.find((r) => previous !== undefined && responseIdOf(r) === previous) ??
    recordings.find((r) => JSON.stringify(req.body?.input ?? '').includes(r.name))
  return { kind: 'raw', chunks: [found?.body ?? ''] }
}

function responseIdOf(recording: StreamRecording): string | undefined {
  const withResponse = payloadsOf(recording.body).find((e) => typeof e.response === 'object')
  return (withResponse?.response as { id?: string } | undefined)?.id
}
