import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import type { TelegramAdapter } from '../../../src/adapters/telegram/telegram-adapter.ts'
import type { HttpHandler, HttpRoutes } from '../../../src/adapters/telegram/telegram-webhook.ts'
import { type FakeTelegram, startFakeTelegram, type TgUpdate } from '../../fakes/fake-telegram.ts'
import { adapterFor, type RecordingHerald, recordingHerald } from './telegram-harness.ts'

const ADA = { id: 42, is_bot: false, first_name: 'Ada' }
const PRIVATE = { id: 42, type: 'private' as const }
const SECRET = 'hook-secret_1'

let fake: FakeTelegram
let server: Server
let adapter: TelegramAdapter

afterEach(async () => {
  await adapter?.stop()
  await fake?.close()
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
})

/** A stand-in for Herald's HTTP server: one handler per path. */
async function startHttp(): Promise<{ routes: HttpRoutes; base: string; paths: Map<string, HttpHandler> }> {
  const paths = new Map<string, HttpHandler>()
  server = createServer((req, res) => {
    const handler = paths.get(new URL(req.url ?? '/', 'http://x').pathname)
    if (!handler) return void res.writeHead(404).end()
    void handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    routes: { route: (path, handler) => void paths.set(path, handler) },
    base: `http://127.0.0.1:${port}`,
    paths,
  }
}

async function webhookSetup(): Promise<{ recording: RecordingHerald; url: string }> {
  fake = await startFakeTelegram({ rateLimits: false })
  const http = await startHttp()
  const url = `${http.base}/telegram/webhook`
  const recording = recordingHerald()
  adapter = adapterFor(fake, recording.herald, { webhookUrl: url, httpServer: http.routes })
  await adapter.start()
  return { recording, url }
}

function privateUpdate(updateId: number, text: string): TgUpdate {
  return {
    update_id: updateId,
    message: { message_id: updateId, date: 1, chat: { ...PRIVATE, first_name: 'Ada' }, from: ADA, text },
  }
}

describe('the Telegram adapter, webhook mode', () => {
  test('start sets the webhook with the secret and serves its path', async () => {
    const { url } = await webhookSetup()
    expect([adapter.mode, adapter.webhook?.path, fake.webhook]).toEqual([
      'webhook',
      '/telegram/webhook',
      { url, secret: SECRET },
    ])
    expect(fake.callsTo('setWebhook').map((c) => c.body)).toEqual([
      { url, secret_token: SECRET, allowed_updates: ['message', 'callback_query'] },
    ])
    expect([fake.callsTo('getUpdates').length, adapter.healthy()]).toEqual([0, true])
  })

  test('Telegram delivers a user message to the webhook and Herald gets it', async () => {
    const { recording } = await webhookSetup()
    const update = fake.userSays({ chat: PRIVATE, from: ADA, text: 'via webhook' })
    const inv = await fake.waitFor(() => recording.invocations[0])
    expect([inv.eventId, inv.args]).toEqual([
      `telegram:update:${update.update_id}`,
      { prompt: 'via webhook' },
    ])
    await fake.waitFor(() => fake.webhookDeliveries.length > 0)
    expect(fake.webhookDeliveries.map((d) => [d.update_id, d.status])).toEqual([[update.update_id, 200]])
  })

  test('a wrong or missing secret is 401 and the update is dropped; the right one is delivered', async () => {
    const { recording, url } = await webhookSetup()
    const wrong = await fake.deliverWebhook(url, privateUpdate(1, 'wrong secret'), 'guess')
    const missing = await fake.deliverWebhook(url, privateUpdate(2, 'no secret'))
    const right = await fake.deliverWebhook(url, privateUpdate(3, 'right secret'), SECRET)
    expect([wrong.status, missing.status, right.status]).toEqual([401, 401, 200])
    await fake.waitFor(() => recording.invocations.length === 1)
    expect(recording.invocations.map((i) => [i.eventId, i.args])).toEqual([
      ['telegram:update:3', { prompt: 'right secret' }],
    ])
  })

  test('a body that is not an update is a 400, a GET is a 405', async () => {
    const { url } = await webhookSetup()
    const post = (body: string) =>
      fetch(url, { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': SECRET }, body }).then(
        (r) => r.status,
      )
    expect([
      await post('{nope'),
      await post('{"message":{}}'),
      await fetch(url).then((r) => r.status),
    ]).toEqual([400, 400, 405])
  })

  test('after stop the webhook answers 503 so Telegram retries elsewhere, and the webhook stays set', async () => {
    const { recording, url } = await webhookSetup()
    await adapter.stop()
    const after = await fake.deliverWebhook(url, privateUpdate(9, 'late'), SECRET)
    expect([after.status, adapter.healthy(), fake.webhook?.url, recording.invocations.length]).toEqual([
      503,
      false,
      url,
      0,
    ])
  })
})
