import { describe, expect, test } from 'vitest'
import type { ErrorKind } from '../../src/core/contracts/errors.ts'
import { t } from '../../src/core/i18n/i18n.ts'
import { stateFromResponse } from '../../src/core/responses/fold.ts'
import type { AnswerState } from '../../src/core/responses/state.ts'
import { useClientHarness } from '../core/responses/client-harness.ts'
import {
  type Expected,
  hasRealTraffic,
  jsonRecordings,
  outputTexts,
  SKIP_NOTE,
  streamRecordings,
} from './real-traffic.ts'

/**
 * Every recorded Responses payload, served byte for byte by the fake API and read by the real
 * client: the folded answer is what the recording says it is.
 */
const req = { model: 'gpt-test', input: 'replay' }

function summary(state: AnswerState): Expected {
  const summary: Expected = {
    status: state.status,
    text: state.text,
    citations: state.citations.map((c) => c.url),
    reasoning: state.reasoning !== '',
    functionCalls: state.functionCalls.map((c) => c.name),
  }
  if (state.error) summary.errorCode = state.error.code
  return summary
}

describe.skipIf(!hasRealTraffic)('recorded Responses streams through the client and the fold', () => {
  const h = useClientHarness()

  test.each(streamRecordings())('$name', async ({ body, expected }) => {
    h.fake.enqueue({ kind: 'raw', chunks: [body] })
    expect(summary(await h.client.run(req))).toEqual(expected)
    // Event families Herald does not show (mcp_call.*, code_interpreter_call.*) pass without noise.
    expect(h.logs.filter((line) => line.level >= 40)).toEqual([])
  })

  test.each(streamRecordings())('$name, cut into 7-byte chunks', async ({ body, expected }) => {
    const bytes = Buffer.from(body, 'utf8')
    const chunks: Uint8Array[] = []
    // Cut on bytes, so UTF-8 characters and lines break across chunks as on a slow network.
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7))
    h.fake.enqueue({ kind: 'raw', chunks })
    expect(summary(await h.client.run(req))).toEqual(expected)
  })
})

describe.skipIf(!hasRealTraffic)('recorded Responses JSON bodies through the client', () => {
  const h = useClientHarness()
  const bodies = jsonRecordings()

  test.each(bodies.filter((r) => r.status >= 400))(
    '$name is one clear line, never the API’s words',
    async (r) => {
      h.fake.enqueue({ kind: 'json', status: r.status, body: r.body })
      const error = await h
        .makeClient({ maxRetries: 0 })
        .run(req)
        .catch((e: unknown) => e)
      const kind = (error as { kind: ErrorKind }).kind
      expect(kind).toBe(r.status === 429 ? 'quota' : 'bad_request')
      const inner = (r.body.error as { message: string }).message
      for (const lang of ['en', 'zh'] as const) expect(t(lang, `errors.${kind}`)).not.toContain(inner)
    },
  )

  test.each(bodies.filter((r) => r.status === 200))('$name reads as the response it is', async (r) => {
    const id = String(r.body.id)
    // A non-streamed answer, a poll and a cancel all read the same Response body.
    h.fake.enqueue({ kind: 'json', body: r.body })
    const state = await h.client.run(req)
    expect(state.responseId).toBe(id)
    expect(state.status).toBe(r.body.status)
    expect(state.text).toBe(outputTexts(r.body).join('\n\n'))
    expect(state).toEqual(stateFromResponse(r.body as never, state.lastSequence))
  })
})

test.skipIf(hasRealTraffic)('recorded traffic', () => {
  console.info(SKIP_NOTE)
})
