import { describe, expect, test } from 'vitest'
import { t } from '../../../src/core/i18n/i18n.ts'
import { ConnectionError, retryAfterMs, UpstreamError } from '../../../src/core/responses/errors.ts'

const apiBody = (error: Record<string, unknown>) => ({
  error: { message: 'msg', type: null, param: null, code: null, ...error },
})
const v1 = { baseUrl: 'https://api.openai.com/v1' }

describe('UpstreamError.from', () => {
  test.each([
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'permission'],
    [404, 'not_found'],
    [429, 'rate_limited'],
    [500, 'server'],
    [502, 'gateway'],
    [503, 'overloaded'],
    [504, 'gateway'],
    [520, 'gateway'],
    [524, 'gateway'],
    [530, 'server'],
    [418, 'bad_request'],
  ])('status %i is kind %s', (status, kind) => {
    expect(UpstreamError.from(status, apiBody({}), {}, v1).kind).toBe(kind)
  })

  test('a 429 for insufficient_quota is quota, by code or by type', () => {
    expect(UpstreamError.from(429, apiBody({ code: 'insufficient_quota' }), {}).kind).toBe('quota')
    expect(UpstreamError.from(429, apiBody({ type: 'insufficient_quota' }), {}).kind).toBe('quota')
  })

  test('the API error fields are read from a JSON text body', () => {
    const error = UpstreamError.from(
      400,
      JSON.stringify(
        apiBody({
          message: 'Unsupported parameter',
          code: 'unsupported_parameter',
          type: 'invalid_request_error',
          param: 'reasoning',
        }),
      ),
      { 'x-request-id': 'req_1' },
      v1,
    )
    expect(error).toMatchObject({
      kind: 'bad_request',
      status: 400,
      code: 'unsupported_parameter',
      type: 'invalid_request_error',
      param: 'reasoning',
      requestId: 'req_1',
      message: 'OpenAI API 400 unsupported_parameter: Unsupported parameter',
    })
    expect(error.name).toBe('UpstreamError')
  })

  test('a plain text body becomes the message', () => {
    const error = UpstreamError.from(500, 'upstream\n  connect   error', {})
    expect(error.message).toBe('OpenAI API 500: upstream connect error')
    expect(error.code).toBeUndefined()
  })

  test('a 404 under a base URL without /v1 is a base URL problem', () => {
    const error = UpstreamError.from(
      404,
      '<html><h1>Not Found</h1></html>',
      {},
      { baseUrl: 'https://relay.example/' },
    )
    expect(error.kind).toBe('not_found_base_url')
    expect(error.message).toBe(
      'OpenAI API 404: an HTML page "Not Found" instead of the API\'s JSON (OPENAI_BASE_URL should end in /v1)',
    )
  })

  test('a 404 about a model is not_found even under a base URL without /v1', () => {
    const body = apiBody({ message: 'The model `x` does not exist', code: 'model_not_found' })
    expect(UpstreamError.from(404, body, {}, { baseUrl: 'https://relay.example/openai' }).kind).toBe(
      'not_found',
    )
  })

  test('a 404 under a /v1 base URL is not_found whatever the body', () => {
    expect(UpstreamError.from(404, 'nope', {}, { baseUrl: 'https://relay.example/v1/' }).kind).toBe(
      'not_found',
    )
  })

  test('the API key never appears in the message or the JSON of the error', () => {
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789'
    const body = apiBody({
      message: `Incorrect API key provided: ${key}.`,
      code: 'invalid_api_key',
      param: key,
    })
    const error = UpstreamError.from(401, body, {}, { secrets: [key] })
    expect(error.message).toBe(
      'OpenAI API 401 invalid_api_key: Incorrect API key provided: [redacted]. (check OPENAI_API_KEY)',
    )
    expect(JSON.stringify(error)).not.toContain(key)
    expect(String(error.stack)).not.toContain(key)
  })

  test('key-shaped and bearer tokens are scrubbed even when not configured', () => {
    const error = UpstreamError.from(401, 'Authorization: Bearer abc.def rejected for sk-live-1234567890', {})
    expect(error.message).toBe(
      'OpenAI API 401: Authorization: Bearer [redacted] rejected for sk-[redacted] (check OPENAI_API_KEY)',
    )
  })

  test('long upstream messages are cut', () => {
    const error = UpstreamError.from(500, 'x'.repeat(1000), {})
    expect(error.message).toBe(`OpenAI API 500: ${'x'.repeat(300)}`)
  })
})

describe('retryAfterMs', () => {
  test('retry-after-ms wins over retry-after', () => {
    expect(retryAfterMs({ 'retry-after-ms': '1500.4', 'retry-after': '9' })).toBe(1500)
  })

  test('retry-after in seconds', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }))).toBe(3000)
    expect(retryAfterMs({ 'retry-after': '0.5' })).toBe(500)
  })

  test('retry-after as an HTTP date is measured from now', () => {
    const now = Date.parse('Wed, 21 Oct 2025 07:28:00 GMT')
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2025 07:28:07 GMT' }, now)).toBe(7000)
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2025 07:27:00 GMT' }, now)).toBe(0)
  })

  test('no or unreadable header gives undefined', () => {
    expect(retryAfterMs({})).toBeUndefined()
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined()
  })

  test('the error carries it', () => {
    expect(UpstreamError.from(429, apiBody({}), { 'retry-after': '2' }).retryAfterMs).toBe(2000)
  })
})

describe('ConnectionError', () => {
  test('is kind network', () => {
    expect(new ConnectionError('refused').kind).toBe('network')
  })
})

describe('error lines', () => {
  test('speak English and Simplified Chinese, never the upstream body', () => {
    expect(t('en', 'errors.rate_limited')).toBe(
      'The AI service is busy right now. Please try again in a minute.',
    )
    expect(t('zh', 'errors.rate_limited')).toBe('AI 服务现在很忙，请一分钟后再试。')
    expect(t('en', 'errors.quota')).toBe(
      'The AI service’s usage limit has been reached. Please tell the bot’s operator to top up the account or raise the key’s quota.',
    )
  })
})
