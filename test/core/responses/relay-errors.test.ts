import { describe, expect, test, vi } from 'vitest'
import type { ErrorKind } from '../../../src/core/contracts/errors.ts'
import { t } from '../../../src/core/i18n/i18n.ts'
import { UpstreamError } from '../../../src/core/responses/errors.ts'
import { useClientHarness } from './client-harness.ts'

/**
 * Errors as relays (one-api / new-api style) and the proxies in front of them send them. Every case
 * ends in one line per language that says what to do, and never in the upstream words.
 */
const relayJson = (message: string, code: string | null = null) =>
  JSON.stringify({ error: { message, type: 'new_api_error', param: '', code } })

const nginxPage = (status: string) =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`

const cloudflare524 = `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<head>
<title>relay.example | 524: A timeout occurred</title>
<meta charset="UTF-8" />
</head>
<body><div id="cf-wrapper"><h1>A timeout occurred</h1><span>Error code 524</span>
<p>The origin web server timed out responding to this request. Ray ID: 8f1e2d3c4b5a6978</p></div></body></html>`

interface RelayCase {
  name: string
  status: number
  body: string
  kind: ErrorKind
  /** What the English line tells the operator to do. */
  todo: RegExp
  /** Words of the upstream body that must never reach a chat. */
  upstream: string
}

const cases: RelayCase[] = [
  {
    name: 'an unknown token (401)',
    status: 401,
    body: relayJson('无效的令牌 (request id: 2025110812345678)'),
    kind: 'auth',
    todo: /check OPENAI_API_KEY/,
    upstream: '无效的令牌',
  },
  {
    name: 'a token whose quota is used up (403)',
    status: 403,
    body: relayJson('用户额度不足, 剩余额度: ＄0.000000', 'insufficient_user_quota'),
    kind: 'quota',
    todo: /top up the account or raise the key’s quota/,
    upstream: '剩余额度',
  },
  {
    name: 'a token whose group may not use the model (403)',
    status: 403,
    body: relayJson('该令牌无权访问模型 gpt-5.1'),
    kind: 'permission',
    todo: /allow it for the key or choose another model/,
    upstream: '该令牌',
  },
  {
    name: 'no upstream channel serves the model (503)',
    status: 503,
    body: relayJson('当前分组 default 下对于模型 gpt-5.1 无可用渠道', 'model_not_found'),
    kind: 'unavailable',
    todo: /enable one on the relay or choose another model/,
    upstream: '无可用渠道',
  },
  {
    name: 'no available channel, in English (503)',
    status: 503,
    body: relayJson('No available channel for model gpt-5.1 under group vip (distributor)'),
    kind: 'unavailable',
    todo: /enable one on the relay/,
    upstream: 'distributor',
  },
  {
    name: 'the relay’s own concurrency limit (429)',
    status: 429,
    body: relayJson('当前分组上游负载已饱和，请稍后再试', 'rate_limit_exceeded'),
    kind: 'rate_limited',
    todo: /try again in a minute/,
    upstream: '负载已饱和',
  },
  {
    name: 'a proxy’s 502 page',
    status: 502,
    body: nginxPage('502 Bad Gateway'),
    kind: 'gateway',
    todo: /raise the proxy’s timeout/,
    upstream: 'nginx',
  },
  {
    name: 'a proxy’s 504 page',
    status: 504,
    body: nginxPage('504 Gateway Time-out'),
    kind: 'gateway',
    todo: /raise the proxy’s timeout/,
    upstream: 'nginx',
  },
  {
    name: 'Cloudflare’s 524 after about 100 s without a byte',
    status: 524,
    body: cloudflare524,
    kind: 'gateway',
    todo: /raise the proxy’s timeout/,
    upstream: 'Ray ID',
  },
]

describe('relay errors', () => {
  test.each(cases)('$name is $kind, with one line per language saying what to do', (c) => {
    const error = UpstreamError.from(c.status, c.body, {}, { baseUrl: 'https://relay.example/v1' })
    expect(error.kind).toBe(c.kind)
    const en = t('en', `errors.${error.kind}`)
    const zh = t('zh', `errors.${error.kind}`)
    expect(en).toMatch(c.todo)
    expect(zh).toMatch(/[\u4e00-\u9fff]/)
    for (const line of [en, zh]) {
      expect(line).not.toContain('\n')
      expect(line).not.toContain(c.upstream)
    }
  })

  test('an HTML page is recognised as one and only its title reaches the log', () => {
    const error = UpstreamError.from(524, cloudflare524, {})
    expect(error.htmlPage).toBe(true)
    expect(error.message).toBe(
      'OpenAI API 524: an HTML page "relay.example | 524: A timeout occurred" instead of the API\'s JSON (a proxy in front of the API gave up waiting (Cloudflare: about 100 s without a byte))',
    )
    expect(error.message).not.toContain('<')
  })

  test('the API’s own 503 is still overloaded', () => {
    const body = JSON.stringify({
      error: { message: 'The engine is currently overloaded.', type: 'server_error' },
    })
    expect(UpstreamError.from(503, body, {}).kind).toBe('overloaded')
  })
})

describe('relay errors through the client', () => {
  const h = useClientHarness()

  test('a 524 page from a proxy is retried, then ends as gateway without the page', async () => {
    const page = { kind: 'text', status: 524, body: cloudflare524 } as const
    h.fake.enqueue(page, page, page)
    const client = h.makeClient({ maxRetries: 1 })
    const run = client.run({ model: 'gpt-test', input: 'hi' }).catch((e: unknown) => e)
    await h.fake.waitForRequests(1)
    await vi.waitFor(() => expect(h.logs.some((l) => l.msg === 'retrying OpenAI call')).toBe(true))
    await h.clock.runAll()
    expect(await run).toMatchObject({ kind: 'gateway', status: 524, htmlPage: true })
    expect(h.fake.requests).toHaveLength(2)
  })

  test('a 403 quota answer is not retried', async () => {
    h.fake.enqueue({
      kind: 'text',
      status: 403,
      contentType: 'application/json',
      body: relayJson(
        'token quota is not enough, token remain quota: ＄0.01',
        'pre_consume_token_quota_failed',
      ),
    })
    await expect(h.client.run({ model: 'gpt-test', input: 'hi' })).rejects.toMatchObject({ kind: 'quota' })
    expect(h.fake.requests).toHaveLength(1)
  })
})
