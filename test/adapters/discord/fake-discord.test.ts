import { afterEach, describe, expect, test } from 'vitest'
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  type FakeInteraction,
  startFakeDiscord,
} from '../../fakes/fake-discord.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

/** The fake's own specification: the Discord behaviour the adapter tests rely on, over plain HTTP. */
let fake: FakeDiscord | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

async function start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  fake = await startFakeDiscord(options)
  return fake
}

function call(f: FakeDiscord, method: string, path: string, body?: unknown, auth = true): Promise<Response> {
  const headers: Record<string, string> = {}
  if (auth) headers.Authorization = `Bot ${f.token}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  return fetch(`${f.apiRoot}/v10${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

/** A fake clock's start: Discord ids carry the time since 2015, so it must read later than that. */
const NEW_YEAR_2026 = Date.UTC(2026, 0, 1)

describe('REST basics', () => {
  test('gateway info needs the bot token and points at the fake gateway', async () => {
    const f = await start()
    expect((await call(f, 'GET', '/gateway/bot', undefined, false)).status).toBe(401)
    const info = await (await call(f, 'GET', '/gateway/bot')).json()
    expect(info).toEqual({
      url: f.apiRoot.replace('http://', 'ws://').replace('/api', ''),
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
    })
  })

  test('content is at most 2000 characters (50035), and an identical edit is fine', async () => {
    const f = await start()
    const messages = `/channels/${f.general.id}/messages`
    const tooLong = await call(f, 'POST', messages, { content: 'x'.repeat(2001) })
    expect(tooLong.status).toBe(400)
    expect(await tooLong.json()).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    })
    const sent = (await (await call(f, 'POST', messages, { content: 'x'.repeat(2000) })).json()) as {
      id: string
    }
    expect((await call(f, 'PATCH', `${messages}/${sent.id}`, { content: 'same' })).status).toBe(200)
    expect((await call(f, 'PATCH', `${messages}/${sent.id}`, { content: 'same' })).status).toBe(200)
    expect(f.message(sent.id)?.history).toEqual(['x'.repeat(2000), 'same', 'same'])
    expect((await call(f, 'POST', messages, { content: '  ' })).status).toBe(400)
  })

  test('a deleted message is Unknown Message (10008)', async () => {
    const f = await start()
    const messages = `/channels/${f.general.id}/messages`
    const sent = (await (await call(f, 'POST', messages, { content: 'bye' })).json()) as { id: string }
    f.deleteMessage(f.message(sent.id)!)
    const edit = await call(f, 'PATCH', `${messages}/${sent.id}`, { content: 'hello?' })
    expect([edit.status, ((await edit.json()) as { code: number }).code]).toEqual([404, 10008])
  })

  test('five sends or edits per 5 s per channel, then a 429 with Retry-After and the bucket headers', async () => {
    const clock = fakeClock(NEW_YEAR_2026)
    const f = await start({ clock })
    const messages = `/channels/${f.general.id}/messages`
    const remaining: string[] = []
    for (let i = 0; i < 5; i++) {
      const response = await call(f, 'POST', messages, { content: `m${i}` })
      remaining.push(response.headers.get('x-ratelimit-remaining') ?? '')
      expect(response.headers.get('x-ratelimit-limit')).toBe('5')
      expect(response.headers.get('x-ratelimit-bucket')).toBe('fake-channel-messages')
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0'])
    await clock.advance(1500)
    const limited = await call(f, 'POST', messages, { content: 'one too many' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('4')
    expect(limited.headers.get('x-ratelimit-reset-after')).toBe('3.500')
    const body = (await limited.json()) as { message: string; retry_after: number; global: boolean }
    expect(body).toEqual({ message: 'You are being rate limited.', retry_after: 3.5, global: false })
    await clock.advance(3499)
    expect((await call(f, 'POST', messages, { content: 'still too soon' })).status).toBe(429)
    await clock.advance(1)
    expect((await call(f, 'POST', messages, { content: 'a new window' })).status).toBe(200)
    const other = f.addChannel('other')
    expect((await call(f, 'POST', `/channels/${other.id}/messages`, { content: 'elsewhere' })).status).toBe(
      200,
    )
  })

  test('allowed_mentions decides who is pinged, and each one is recorded', async () => {
    const f = await start()
    const messages = `/channels/${f.general.id}/messages`
    const content = `@everyone <@${f.alice.id}> <@&${f.adminRole.id}>`
    const loud = (await (await call(f, 'POST', messages, { content })).json()) as {
      id: string
      mentions: unknown[]
    }
    const quiet = (await (
      await call(f, 'POST', messages, { content, allowed_mentions: { parse: [] } })
    ).json()) as { id: string; mentions: unknown[] }
    expect(f.message(loud.id)?.pings).toEqual({
      users: [f.alice.id],
      roles: [f.adminRole.id],
      everyone: true,
      repliedUser: false,
    })
    expect(loud.mentions).toHaveLength(1)
    expect(f.message(quiet.id)?.pings).toEqual({ users: [], roles: [], everyone: false, repliedUser: false })
    expect(f.message(quiet.id)?.allowedMentions).toEqual({ parse: [] })
  })

  test('files arrive as multipart files[n] with payload_json and are served back', async () => {
    const f = await start()
    const form = new FormData()
    form.append('payload_json', JSON.stringify({ content: 'see file' }))
    form.append(
      'files[0]',
      new Blob([new Uint8Array([1, 2, 3])], { type: 'application/octet-stream' }),
      'a.bin',
    )
    const response = await fetch(`${f.apiRoot}/v10/channels/${f.general.id}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${f.token}` },
      body: form,
    })
    const sent = (await response.json()) as {
      content: string
      attachments: { url: string; filename: string }[]
    }
    expect([sent.content, sent.attachments.map((a) => a.filename)]).toEqual(['see file', ['a.bin']])
    const download = await fetch(sent.attachments[0]!.url)
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
  })
})

describe('interactions', () => {
  test('an acknowledgement is taken until exactly 3 s, and is Unknown interaction (10062) after', async () => {
    const clock = fakeClock(NEW_YEAR_2026)
    const f = await start({ clock })
    const acknowledge = async (interaction: FakeInteraction) => {
      const path = `/interactions/${interaction.id}/${interaction.token}/callback`
      const response = await call(f, 'POST', path, { type: 5 }, false)
      return response.status === 204
        ? 204
        : [response.status, ((await response.json()) as { code: number }).code]
    }
    const onTime = f.slash({ name: 'ask', options: { prompt: 'hi' } })
    await clock.advance(3000)
    expect(await acknowledge(onTime)).toBe(204)
    const late = f.slash({ name: 'ask', options: { prompt: 'hi' } })
    await clock.advance(3001)
    expect(await acknowledge(late)).toEqual([404, 10062])
  })

  test('a second acknowledgement is refused (40060)', async () => {
    const f = await start()
    const interaction = f.slash({ name: 'ask', options: { prompt: 'hi' } })
    const path = `/interactions/${interaction.id}/${interaction.token}/callback`
    expect((await call(f, 'POST', path, { type: 5 }, false)).status).toBe(204)
    const again = await call(f, 'POST', path, { type: 5 }, false)
    expect([again.status, ((await again.json()) as { code: number }).code]).toEqual([400, 40060])
  })

  test('the deferred reply is edited as %40original until the token is exactly 15 minutes old, then 50027', async () => {
    const clock = fakeClock(NEW_YEAR_2026)
    const f = await start({ clock })
    const interaction = f.slash({ name: 'ask', options: { prompt: 'hi' } })
    await call(f, 'POST', `/interactions/${interaction.id}/${interaction.token}/callback`, { type: 5 }, false)
    const original = `/webhooks/${f.applicationId}/${interaction.token}/messages/%40original`
    const edited = await call(f, 'PATCH', original, { content: 'answer' }, false)
    expect(edited.status).toBe(200)
    await clock.advance(15 * 60_000)
    const last = await call(f, 'PATCH', original, { content: 'answer, at 15 minutes' }, false)
    expect(last.status).toBe(200)
    expect(f.messages(f.general).map((m) => [m.content, m.flags])).toEqual([['answer, at 15 minutes', 0]])
    await clock.advance(1)
    const expired = await call(f, 'PATCH', original, { content: 'late' }, false)
    expect([expired.status, ((await expired.json()) as { code: number }).code]).toEqual([401, 50027])
    expect(f.requests.at(-1)?.path).toBe(
      `/webhooks/${f.applicationId}/${interaction.token}/messages/@original`,
    )
  })
})
