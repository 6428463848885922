import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { type RedisServer, startRedisServer } from '../helpers/redis-server.ts'
import { httpGet, metric, type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * Redis goes away in the middle of traffic and comes back, empty (a failover without persistence)
 * or with its data (a restart). The process stays up, /healthz names the store while it is gone,
 * the answer already streaming lands in full, a new ask gets one clear line, and nothing is answered
 * twice once it returns. The outage is short here (OUTAGE_MS); nothing depends on its length.
 */
const OUTAGE_MS = 1500
const t = translator('en')

describe('a Redis outage', () => {
  let stack: Stack | undefined
  let redis: RedisServer | undefined
  afterEach(async () => {
    await stack?.close()
    await redis?.close()
    stack = undefined
    redis = undefined
  })

  test.each([
    ['empty, as after a failover', false],
    ['with its data, as after a restart', true],
  ])('is survived when Redis comes back %s', async (_, persist) => {
    redis = await startRedisServer({ persist })
    stack = await startStack({ env: { STORE_URL: redis.url, LOG_LEVEL: 'info' } })
    const fake = stack.telegram!
    const node = stack.herald
    const streaming = 'An answer that keeps streaming while the store is away and still lands in full.'
    stack.responses.enqueue(sse(textAnswer(streaming, 16), { delayMs: 150 }))
    fake.userSays({ chat: { id: 901, type: 'private' }, text: 'take your time' })
    await until(() => telegramTexts(fake, 901).length > 0, 'the first message of the answer')

    await redis.stop()
    const downAt = Date.now()
    const health = await until(async () => {
      const got = await httpGet(node, '/healthz')
      return got.status === 503 ? got : undefined
    }, 'healthz turning red')
    expect(JSON.parse(health.body).checks).toMatchObject({ store: false, telegram: true })
    const process = { process: node.running.services.processId }
    const storeUp = async () => metric((await httpGet(node, '/metrics')).body, 'herald_store_up', process)
    expect(await storeUp()).toBe(0)

    // A new ask while the store is away: one clear line, and no paid request.
    fake.userSays({ chat: { id: 902, type: 'private' }, text: 'are you there?' })
    await until(() => telegramTexts(fake, 902).length > 0, 'the line for the new ask')
    expect(telegramTexts(fake, 902)).toEqual([t('error.store')])

    await stack.answersFinished(1)
    expect(telegramTexts(fake, 901)).toEqual([streaming])

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - downAt))))
    await redis.start()
    await until(async () => (await httpGet(node, '/healthz')).status === 200, 'healthz turning green')
    expect(await storeUp()).toBe(1)
    const info = { ...process, store: 'redis', role: 'main' }
    expect(metric((await httpGet(node, '/metrics')).body, 'herald_process_info', info)).toBe(1)

    stack.responses.enqueue(sse(textAnswer('Yes, back again.', 3)))
    fake.userSays({ chat: { id: 902, type: 'private' }, text: 'and now?' })
    await stack.answersFinished(2)
    expect(telegramTexts(fake, 902)).toEqual([t('error.store'), 'Yes, back again.'])
    expect(telegramTexts(fake, 901)).toEqual([streaming])
    // Two answers, two paid requests: the refused ask never went upstream, and nothing went twice.
    expect(stack.responses.requests).toHaveLength(2)

    // One line when the store went and one when it came back; nothing louder per operation.
    expect(node.logs.find('store unavailable: new asks are refused until it returns')).toHaveLength(1)
    expect(node.logs.find('store is back')).toHaveLength(1)
    const loud = node.logs
      .records()
      .filter((r) => Number(r.level) >= 40)
      .map((r) => r.msg)
    expect(loud).toEqual([
      'store unavailable: new asks are refused until it returns',
      ...(loud.includes('the store was away: usage and conversation link not recorded')
        ? ['the store was away: usage and conversation link not recorded']
        : []),
      'store is back',
    ])
  })
})
