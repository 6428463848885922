import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { httpGet, metric, type Stack, startStack, until } from './stack.ts'

/**
 * The operator's signals on HTTP_PORT: /healthz (the store and each platform connection) and
 * /metrics in the Prometheus text format (active streams, time to first token, edits, rate-limit
 * answers, upstream errors by category, tokens and dollars by model).
 */
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

const SERIES = [
  'herald_active_streams',
  'herald_queued_streams',
  'herald_stream_limit',
  'herald_time_to_first_token_seconds',
  'herald_edits_total',
  'herald_rate_limit_answers_total',
  'herald_upstream_errors_total',
  'herald_tokens_total',
  'herald_dollars_total',
  'herald_answers_total',
  'herald_malformed_sse_lines_total',
]

describe('/metrics', () => {
  test('is valid Prometheus text with every series, counting what the answers did', async () => {
    stack = await startStack({ discord: {} })
    const telegram = stack.telegram!
    const discord = stack.discord!
    const metrics = async () => (await httpGet(stack!.herald, '/metrics')).body

    stack.responses.enqueue(sse(textAnswer('Streaming slowly for a moment.', 6), { delayMs: 150 }))
    telegram.userSays({ chat: { id: 1301, type: 'private' }, text: 'hello' })
    await until(async () => metric(await metrics(), 'herald_active_streams') === 1, 'one active stream')
    await stack.answersFinished(1)
    stack.responses.enqueue(sse(textAnswer('And on Discord.', 2)))
    discord.userMessage({ content: `<@${discord.bot.id}> hello` })
    await stack.answersFinished(2)

    const { status, body } = await httpGet(stack.herald, '/metrics')
    expect(status).toBe(200)
    for (const line of body.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+-]+)$/)
    }
    for (const name of SERIES) {
      expect(body).toContain(`# TYPE ${name} `)
      expect(body).toContain(`# HELP ${name} `)
    }
    expect(metric(body, 'herald_active_streams')).toBe(0)
    expect(metric(body, 'herald_stream_limit')).toBe(200)
    for (const platform of ['telegram', 'discord']) {
      expect(metric(body, 'herald_time_to_first_token_seconds_count', { platform })).toBe(1)
      expect(metric(body, 'herald_answers_total', { platform, status: 'completed' })).toBe(1)
      expect(metric(body, 'herald_edits_total', { platform })).toBeGreaterThan(0)
    }
    // Two answers of the fake's usage (12 input tokens, 4 of them cached; 8 output) on gpt-5-mini.
    expect(metric(body, 'herald_tokens_total', { model: 'gpt-5-mini', kind: 'input' })).toBe(24)
    expect(metric(body, 'herald_tokens_total', { model: 'gpt-5-mini', kind: 'output' })).toBe(16)
    // 8 × $0.25 + 4 × $0.025 + 8 × $2 per million tokens = 18 µUSD each.
    expect(metric(body, 'herald_dollars_total', { model: 'gpt-5-mini' })).toBe(0.000036)
    expect(stack.finished().map((line) => line.usd)).toEqual([0.000018, 0.000018])
  })
})

describe('/healthz', () => {
  test('is 200 with every check up, 503 naming the store when it is down', async () => {
    stack = await startStack({ discord: {} })
    const health = async () => {
      const { status, body } = await httpGet(stack!.herald, '/healthz')
      return { status, body: JSON.parse(body) as Record<string, unknown> }
    }
    expect(await health()).toMatchObject({
      status: 200,
      body: {
        ok: true,
        down: [],
        checks: { store: true, telegram: true, discord: true },
        states: { store: { state: 'up' }, telegram: { state: 'up' }, discord: { state: 'up' } },
      },
    })
    await stack.herald.running.services.store.close()
    expect(await health()).toMatchObject({
      status: 503,
      body: {
        ok: false,
        down: ['store'],
        checks: { store: false, telegram: true, discord: true },
        states: { store: { state: 'down' }, telegram: { state: 'up' }, discord: { state: 'up' } },
      },
    })
    expect((await httpGet(stack.herald, '/nothing-here')).status).toBe(404)
  })
})
