import { describe, expect, test } from 'vitest'
import {
  missingRoute,
  refusesBackground,
  refusesStreaming,
} from '../../../src/core/research/research-refusals.ts'
import { ConnectionError, UpstreamError } from '../../../src/core/responses/errors.ts'

const upstream = (status: number, error: Record<string, unknown> | string) =>
  UpstreamError.from(
    status,
    typeof error === 'string' ? error : { error },
    {},
    { baseUrl: 'https://relay.example/v1' },
  )

describe('what an endpoint’s error answers mean for research', () => {
  test('background mode is refused by a 400 naming it, or by a 404/405 on the route', () => {
    const named = upstream(400, {
      message: "Unsupported parameter: 'background'.",
      param: 'background',
      code: 'unsupported_parameter',
    })
    const unnamed = upstream(400, { message: 'background mode is not supported' })
    const noRoute = upstream(404, { message: 'Invalid URL (POST /v1/responses)' })
    const htmlPage = upstream(404, '<html><body><h1>404 Not Found</h1></body></html>')
    const method = upstream(405, { message: 'Method Not Allowed' })
    expect([named, unnamed, noRoute, htmlPage, method].map(refusesBackground)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ])
  })

  test('an unknown model, a refused stream or another parameter is not a refusal of background mode', () => {
    const model = upstream(404, {
      message: 'The model `o3-deep-research` does not exist or you do not have access to it.',
      code: 'model_not_found',
    })
    const stream = upstream(400, { message: 'stream is not supported with background', param: 'stream' })
    const streamUnnamed = upstream(400, { message: 'streaming is not supported in background mode' })
    const other = upstream(400, {
      message: "Unsupported parameter: 'max_tool_calls'.",
      param: 'max_tool_calls',
    })
    const server = upstream(500, { message: 'The server had an error' })
    expect([model, stream, streamUnnamed, other, server].map(refusesBackground)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
    expect([stream, streamUnnamed].map(refusesStreaming)).toEqual([true, true])
    expect(refusesBackground(new ConnectionError('could not reach the OpenAI API (ECONNRESET)'))).toBe(false)
  })

  test('a missing route is a 404 that is not OpenAI’s unknown-id answer, or a 405', () => {
    expect(missingRoute(upstream(404, { message: 'Invalid URL (GET /v1/responses/resp_1)' }))).toBe(true)
    expect(missingRoute(upstream(404, '<html><body>Not Found</body></html>'))).toBe(true)
    expect(missingRoute(upstream(405, { message: 'Method Not Allowed' }))).toBe(true)
    expect(missingRoute(upstream(404, { message: "Response with id 'resp_1' not found." }))).toBe(false)
    expect(missingRoute(upstream(500, { message: 'The server had an error' }))).toBe(false)
  })
})
