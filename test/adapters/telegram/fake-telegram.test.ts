import { afterEach, describe, expect, test } from 'vitest'
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../../fakes/fake-telegram.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

let fake: FakeTelegram

async function start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  fake = await startFakeTelegram(options)
  return fake
}

afterEach(async () => {
  await fake?.close()
})

async function api(method: string, body: Record<string, unknown> = {}) {
  const response = await fetch(`${fake.url}bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const PRIVATE = { id: 42, type: 'private' as const, first_name: 'Ada' }
const GROUP = { id: -100, type: 'supergroup' as const, title: 'Team' }

describe('the fake Telegram Bot API', () => {
  test('a wrong token is 401 Unauthorized and an unknown method is 404 Not Found', async () => {
    await start()
    const wrong = await fetch(`${fake.url}bot1:wrong/getMe`, { method: 'POST' })
    expect([wrong.status, await wrong.json()]).toEqual([
      401,
      { ok: false, error_code: 401, description: 'Unauthorized' },
    ])
    expect(await api('sendSticker', {})).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found' },
    })
  })

  test('sendMessage parses HTML and refuses what Telegram refuses', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    const sent = await api('sendMessage', { chat_id: 42, text: '<b>Hi</b> &amp; bye', parse_mode: 'HTML' })
    expect(sent.body.result).toMatchObject({
      message_id: 2,
      text: 'Hi & bye',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
      from: { id: fake.bot.id, is_bot: true },
    })
    const errors = await Promise.all([
      api('sendMessage', { chat_id: 42, text: 'a < b', parse_mode: 'HTML' }),
      api('sendMessage', { chat_id: 42, text: '<b> </b>', parse_mode: 'HTML' }),
      api('sendMessage', { chat_id: 42, text: '' }),
      api('sendMessage', { chat_id: 42, text: 'x'.repeat(4097) }),
      api('sendMessage', { chat_id: 7, text: 'x' }),
    ])
    expect(errors.map((e) => [e.status, e.body.description])).toEqual([
      [400, 'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2'],
      [400, 'Bad Request: text must be non-empty'],
      [400, 'Bad Request: message text is empty'],
      [400, 'Bad Request: message is too long'],
      [400, 'Bad Request: chat not found'],
    ])
  })

  test('4096 code points fit, emoji counting one each', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    const sent = await api('sendMessage', { chat_id: 42, text: '😀'.repeat(4096) })
    expect(sent.status).toBe(200)
  })

  test('an identical edit is "message is not modified"; an edit of a deleted message is "not found"', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    const keyboard = { inline_keyboard: [[{ text: 'Stop', callback_data: 'stop' }]] }
    await api('sendMessage', { chat_id: 42, text: '<b>a</b>', parse_mode: 'HTML', reply_markup: keyboard })
    const same = await api('editMessageText', {
      chat_id: 42,
      message_id: 2,
      text: '<b>a</b>',
      parse_mode: 'HTML',
      reply_markup: keyboard,
    })
    expect(same).toEqual({
      status: 400,
      body: {
        ok: false,
        error_code: 400,
        description:
          'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      },
    })
    // Without reply_markup the keyboard goes, so the same text is a change.
    const withoutKeyboard = await api('editMessageText', {
      chat_id: 42,
      message_id: 2,
      text: '<b>a</b>',
      parse_mode: 'HTML',
    })
    expect(withoutKeyboard.status).toBe(200)
    expect(fake.message(42, 2)?.reply_markup).toBeUndefined()
    const userMessage = await api('editMessageText', { chat_id: 42, message_id: 1, text: 'x' })
    fake.deleteMessage(42, 2)
    const deleted = await api('editMessageText', { chat_id: 42, message_id: 2, text: 'b' })
    expect([userMessage.body.description, deleted.body.description]).toEqual([
      "Bad Request: message can't be edited",
      'Bad Request: message to edit not found',
    ])
  })

  test('a private chat allows one call a second; the 429 carries retry_after', async () => {
    await start()
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    await api('sendMessage', { chat_id: 42, text: 'one' })
    const second = await api('sendMessage', { chat_id: 42, text: 'two' })
    expect(second).toEqual({
      status: 429,
      body: {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      },
    })
    expect(fake.violations).toEqual([])
    await api('editMessageText', { chat_id: 42, message_id: 2, text: 'three' })
    expect(fake.violations.map((v) => v.method)).toEqual(['editMessageText'])
  })

  test('rateLimitNext makes the next call a 429 with the given seconds', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: GROUP, from: { id: 5, is_bot: false, first_name: 'Bo' }, text: 'hi' })
    fake.rateLimitNext(GROUP, 12)
    const limited = await api('sendMessage', { chat_id: GROUP.id, text: 'x' })
    expect(limited.body).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 12',
      parameters: { retry_after: 12 },
    })
  })

  test('callback_data is limited to 64 bytes', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    const markup = (data: string) => ({ inline_keyboard: [[{ text: 'b', callback_data: data }]] })
    const ok = await api('sendMessage', { chat_id: 42, text: 'x', reply_markup: markup('é'.repeat(32)) })
    const tooLong = await api('sendMessage', {
      chat_id: 42,
      text: 'x',
      reply_markup: markup(`${'é'.repeat(32)}a`),
    })
    expect([ok.status, tooLong.body.description]).toEqual([200, 'Bad Request: BUTTON_DATA_INVALID'])
  })

  test('getUpdates holds until an update arrives and confirms by offset', async () => {
    await start()
    const held = api('getUpdates', { timeout: 30 })
    await fake.waitFor(() => fake.pollWaiting)
    const update = fake.userSays({ chat: PRIVATE, text: '/ask@HeraldBot hi @someone' })
    const first = await held
    expect(first.body.result).toEqual([update])
    expect(update.message?.entities).toEqual([
      { type: 'bot_command', offset: 0, length: 14 },
      { type: 'mention', offset: 18, length: 8 },
    ])
    const again = await api('getUpdates', { offset: update.update_id + 1, timeout: 0 })
    expect(again.body.result).toEqual([])
  })

  test('a long poll is held until exactly its timeout, then answered with an empty list', async () => {
    const clock = fakeClock(1_000_000)
    await start({ clock })
    const held = api('getUpdates', { timeout: 30 })
    await fake.waitFor(() => fake.pollWaiting)
    await clock.advance(29_999)
    expect([fake.pollWaiting, fake.callsTo('getUpdates')]).toEqual([true, []])
    await clock.advance(1)
    expect((await held).body).toEqual({ ok: true, result: [] })
    expect(fake.pollWaiting).toBe(false)
    expect(fake.callsTo('getUpdates').map((c) => [c.at, c.status])).toEqual([[1_000_000, 200]])
  })

  test('a long poll is held at most maxPollWaitMs, whatever timeout the bot asks for', async () => {
    const clock = fakeClock()
    await start({ clock, maxPollWaitMs: 50_000 })
    const held = api('getUpdates', { timeout: 120 })
    await fake.waitFor(() => fake.pollWaiting)
    await clock.advance(49_999)
    expect(fake.pollWaiting).toBe(true)
    await clock.advance(1)
    expect((await held).body).toEqual({ ok: true, result: [] })
  })

  test('getUpdates is a 409 Conflict while a webhook is set', async () => {
    await start()
    await api('setWebhook', { url: 'https://example.com/hook', secret_token: 's3cret' })
    expect((await api('getUpdates', {})).body.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    expect(fake.webhook).toEqual({ url: 'https://example.com/hook', secret: 's3cret' })
  })

  test('sendMessageDraft is a 404 when the server is too old for it', async () => {
    await start({ draftSupported: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    expect((await api('sendMessageDraft', { chat_id: 42, draft_id: 1, text: 'x' })).body).toEqual({
      ok: false,
      error_code: 404,
      description: 'Not Found',
    })
  })

  test('a photo is stored as sizes whose largest file downloads with getFile', async () => {
    await start()
    const bytes = new Uint8Array(100).map((_, i) => i)
    const update = fake.userSays({ chat: PRIVATE, photo: { bytes }, caption: 'what is this?' })
    const largest = update.message?.photo?.at(-1)
    const file = (await api('getFile', { file_id: largest?.file_id })).body.result as {
      file_path: string
      file_size: number
    }
    const download = await fetch(`${fake.url}file/bot${fake.token}/${file.file_path}`)
    expect([file.file_size, new Uint8Array(await download.arrayBuffer())]).toEqual([100, bytes])
  })

  test('a pressed button needs a message that shows it, and its query is answered once', async () => {
    await start({ rateLimits: false })
    fake.userSays({ chat: PRIVATE, text: 'hi' })
    await api('sendMessage', {
      chat_id: 42,
      text: 'x',
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
    })
    expect(() => fake.press(42, 2, 'other')).toThrow('message 2 has no button "other"')
    const update = fake.press(42, 2, 'go')
    const id = update.callback_query?.id
    expect((await api('answerCallbackQuery', { callback_query_id: id, text: 'ok' })).status).toBe(200)
    expect((await api('answerCallbackQuery', { callback_query_id: id })).body.description).toBe(
      'Bad Request: query is too old and response timeout expired or query ID is invalid',
    )
  })
})

describe('the fake Telegram with group privacy mode', () => {
  test('only commands for the bot, mentions of it and replies to it reach the bot', async () => {
    await start({ privacyMode: true, rateLimits: false })
    const said = (text: string, reply?: number) =>
      fake.userSays({
        chat: GROUP,
        from: { id: 5, is_bot: false, first_name: 'Bo' },
        text,
        ...(reply !== undefined ? { reply_to_message_id: reply } : {}),
      })
    said('chatting')
    said('/ask@OtherBot x')
    const command = said('/ask x')
    const mention = said('hi @HeraldBot')
    const answer = await api('sendMessage', { chat_id: GROUP.id, text: 'answer' })
    const reply = said('thanks', (answer.body.result as { message_id: number }).message_id)
    said('thanks Bo', 1)
    expect(fake.pendingUpdates.map((u) => u.update_id)).toEqual(
      [command, mention, reply].map((u) => u.update_id),
    )
  })
})
