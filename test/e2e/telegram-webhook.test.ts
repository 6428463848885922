import { afterEach, describe, expect, test } from 'vitest'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import {
  ADA,
  answerBy,
  askAndWait,
  CHAT,
  chatCalls,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  promptOf,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** Webhook mode and restarts, end to end: every update is answered once, conversations survive a restart. */

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

describe('Telegram webhook mode and restarts, end to end', () => {
  test('webhook mode: deliveries with the secret are answered once each; a wrong secret gets 401', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/telegram/hook`
    e2e = await startE2e(telegramPlatform(), { env: { TELEGRAM_WEBHOOK_URL: url, HTTP_PORT: String(port) } })
    const { platform: tg, responses, herald } = e2e
    responses.route = answerBy((prompt) => `Hooked: ${prompt}`)
    const secret = herald.config.telegram?.webhookSecret ?? ''

    expect(tg.webhook).toEqual({ url, secret })
    expect(secret).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(tg.callsTo('getUpdates')).toEqual([])
    expect(herald.said).toEqual([
      `herald: http listening on :${port} (/healthz, /metrics)`,
      'herald: telegram ready (webhook)',
    ])

    // The fake Telegram delivers each update to the webhook with the secret, as Telegram does.
    const { update, answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'over the hook' })
    expect(answer.text).toBe('Hooked: over the hook')
    expect(tg.webhookDeliveries.map((d) => [d.update_id, d.status])).toEqual([[update.update_id, 200]])

    // Telegram retries a delivery it thinks failed: the same update again is acknowledged, not answered again.
    expect((await tg.deliverWebhook(url, update, secret)).status).toBe(200)
    const forged = { ...update, update_id: update.update_id + 1000 }
    expect((await tg.deliverWebhook(url, forged, 'not-the-secret')).status).toBe(401)
    expect((await tg.deliverWebhook(url, forged)).status).toBe(401)
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'second' })

    expect(responses.requests.map((r) => promptOf(r.body))).toEqual(['over the hook', 'second'])
    expect(tg.botMessages(CHAT).map((m) => m.text)).toEqual(['Hooked: over the hook', 'Hooked: second'])
    expect(finishedAnswers(e2e)).toHaveLength(2)
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect([health.status, await health.json()]).toMatchObject([
      200,
      {
        ok: true,
        down: [],
        checks: { store: true, telegram: true },
        states: { store: { state: 'up' }, telegram: { state: 'up' } },
      },
    ])
    expectCleanTelegram(e2e)
  })

  test('after a restart on the same SQLite file, a reply to an old answer continues that turn', async () => {
    e2e = await startE2e(telegramPlatform())
    const { platform: tg, responses } = e2e
    responses.route = answerBy((prompt) => `About ${prompt}.`)
    const first = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'tides' })
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'winds' })

    // A new process does not know when the old one last wrote to the chat: let Telegram's one-second
    // window pass, as a real restart does, so a 429 here would be Herald's own pacing at fault.
    const lastCall = chatCalls(tg, CHAT.id).at(-1)!.at
    await tg.waitFor(() => Date.now() > lastCall + 1100)
    const before = e2e.herald
    await e2e.restart()
    expect(e2e.herald).not.toBe(before)
    expect(e2e.herald.said).toEqual(['herald: telegram ready'])
    await askAndWait(e2e, {
      chat: CHAT,
      from: ADA,
      text: 'more on that',
      reply_to_message_id: first.answer.message_id,
    })
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'and then?' })

    expect(responses.requests.map((r) => [promptOf(r.body), r.body?.previous_response_id])).toEqual([
      ['tides', undefined],
      ['winds', 'resp_1'],
      ['more on that', 'resp_1'],
      ['and then?', 'resp_3'],
    ])
    expect(tg.botMessages(CHAT)).toHaveLength(4)
    expectCleanTelegram(e2e)
  })
})
