import { Telegram } from 'telegraf'
import { afterEach, describe, expect, test } from 'vitest'
import { telegramChatRef } from '../../../src/adapters/telegram/telegram-adapter.ts'
import { DraftUnavailable } from '../../../src/adapters/telegram/telegram-errors.ts'
import {
  createSurfaceShared,
  createTelegramSurface,
  TELEGRAM_GROUP_PACE,
  TELEGRAM_PRIVATE_PACE,
  type TelegramSurfaceOptions,
} from '../../../src/adapters/telegram/telegram-surface.ts'
import { FormatRejected, Gone, RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'
import type { Surface } from '../../../src/core/contracts/surface.ts'
import {
  type FakeTelegram,
  type FakeTelegramOptions,
  startFakeTelegram,
  TELEGRAM_RATE_LIMITS,
} from '../../fakes/fake-telegram.ts'
import { sketchPng } from '../../fakes/png.ts'

const PRIVATE = { id: 42, type: 'private' as const, first_name: 'Ada' }
const GROUP = { id: -100, type: 'supergroup' as const, title: 'Team' }
const BOB = { id: 5, is_bot: false, first_name: 'Bob' }

let fake: FakeTelegram

afterEach(async () => {
  await fake?.close()
})

async function setup(
  options: FakeTelegramOptions & { group?: boolean; surface?: Partial<TelegramSurfaceOptions> } = {},
): Promise<Surface> {
  fake = await startFakeTelegram({ rateLimits: false, ...options })
  const chat = options.group ? GROUP : PRIVATE
  fake.userSays({
    chat,
    from: options.group ? BOB : { id: 42, is_bot: false, first_name: 'Ada' },
    text: 'question',
  })
  const telegram = new Telegram(fake.token, { apiRoot: fake.url })
  return createTelegramSurface({
    telegram,
    chat: telegramChatRef(chat),
    shared: createSurfaceShared(),
    ...options.surface,
  })
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  )
}

describe('the Telegram surface', () => {
  test('private and group chats have Telegram pace, limit and format', async () => {
    const privateSurface = await setup()
    expect([
      privateSurface.chatKey,
      privateSurface.limit,
      privateSurface.format,
      privateSurface.pace,
    ]).toEqual(['telegram:42', 4096, 'telegram-html', TELEGRAM_PRIVATE_PACE])
    await fake.close()
    const groupSurface = await setup({ group: true })
    expect([groupSurface.chatKey, groupSurface.pace, groupSurface.draft]).toEqual([
      'telegram:-100',
      TELEGRAM_GROUP_PACE,
      undefined,
    ])
  })

  test('send quotes the user message once, in HTML, without link previews', async () => {
    const surface = await setup({ surface: { replyToMessageId: 1 } })
    const first = await surface.send({ text: '<b>Hi</b>', format: 'telegram-html' })
    const second = await surface.send({ text: 'more', format: 'telegram-html' })
    expect([first, second]).toEqual([
      { id: '2', chatId: '42' },
      { id: '3', chatId: '42' },
    ])
    expect(fake.callsTo('sendMessage').map((c) => c.body)).toEqual([
      {
        chat_id: '42',
        text: '<b>Hi</b>',
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_parameters: { message_id: 1, allow_sending_without_reply: true },
      },
      { chat_id: '42', text: 'more', parse_mode: 'HTML', link_preview_options: { is_disabled: true } },
    ])
    expect(fake.message(42, 2)?.reply_to_message?.message_id).toBe(1)
  })

  test('an identical edit resolves: "message is not modified" never reaches the engine', async () => {
    const surface = await setup()
    const ref = await surface.send({ text: 'same', format: 'telegram-html' })
    await surface.edit(ref, { text: 'same', format: 'telegram-html' })
    expect(fake.callsTo('editMessageText').map((c) => [c.status, c.error])).toEqual([
      [
        400,
        'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      ],
    ])
  })

  test('buttons stay through edits that leave them out and go with an empty list', async () => {
    const surface = await setup()
    const ref = await surface.send({
      text: 'a',
      format: 'telegram-html',
      buttons: [{ label: 'Stop', data: 'stop:1' }],
    })
    await surface.edit(ref, { text: 'ab', format: 'telegram-html' })
    expect(fake.message(42, 2)?.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Stop', callback_data: 'stop:1' }]],
    })
    await surface.edit(ref, { text: 'abc', format: 'telegram-html', buttons: [] })
    expect([fake.message(42, 2)?.text, fake.message(42, 2)?.reply_markup]).toEqual(['abc', undefined])
  })

  test('4096 characters fit; one more is a permanent SurfaceError on send and edit', async () => {
    const surface = await setup()
    const ref = await surface.send({ text: 'x'.repeat(4096), format: 'telegram-html' })
    const sendErr = await failure(surface.send({ text: 'x'.repeat(4097), format: 'telegram-html' }))
    const editErr = await failure(surface.edit(ref, { text: 'y'.repeat(4097), format: 'telegram-html' }))
    expect([sendErr instanceof SurfaceError, (sendErr as SurfaceError).transient]).toEqual([true, false])
    expect([editErr instanceof SurfaceError, (editErr as SurfaceError).transient]).toEqual([true, false])
    expect((editErr as Error).message).toBe('telegram editMessageText: 400 Bad Request: MESSAGE_TOO_LONG')
  })

  test('HTML Telegram cannot parse is FormatRejected, and plain text goes through as is', async () => {
    const surface = await setup()
    const err = await failure(surface.send({ text: 'if a < b', format: 'telegram-html' }))
    expect(err).toBeInstanceOf(FormatRejected)
    const ref = await surface.send({ text: 'if a < b', format: 'plain' })
    expect([
      fake.message(42, Number(ref.id))?.text,
      fake.callsTo('sendMessage').at(-1)?.body.parse_mode,
    ]).toEqual(['if a < b', undefined])
  })

  test('editing a message the user deleted is Gone, and so is a chat that blocked the bot', async () => {
    const surface = await setup()
    const ref = await surface.send({ text: 'a', format: 'telegram-html' })
    fake.deleteMessage(42, Number(ref.id))
    expect(await failure(surface.edit(ref, { text: 'ab', format: 'telegram-html' }))).toBeInstanceOf(Gone)
    fake.blockBot(42)
    expect(await failure(surface.send({ text: 'c', format: 'telegram-html' }))).toBeInstanceOf(Gone)
  })

  test('a 429 is RateLimited for retry_after in ms, from the flood limit or forced', async () => {
    const surface = await setup({ rateLimits: TELEGRAM_RATE_LIMITS })
    const ref = await surface.send({ text: 'a', format: 'telegram-html' })
    const natural = await failure(surface.edit(ref, { text: 'ab', format: 'telegram-html' }))
    expect([natural instanceof RateLimited, (natural as RateLimited).retryAfterMs]).toEqual([true, 1000])
    await fake.close()
    const forcedSurface = await setup()
    fake.rateLimitNext(42, 7)
    const forced = await failure(forcedSurface.send({ text: 'a', format: 'telegram-html' }))
    expect((forced as RateLimited).retryAfterMs).toBe(7000)
  })

  test('a 5xx is a transient SurfaceError', async () => {
    const surface = await setup()
    fake.failNext('sendMessage', 502, 'Bad Gateway')
    const err = await failure(surface.send({ text: 'a', format: 'telegram-html' }))
    expect([err instanceof SurfaceError, (err as SurfaceError).transient]).toEqual([true, true])
  })

  test('callback data over 64 bytes is refused by Telegram as a permanent error', async () => {
    const surface = await setup()
    const err = await failure(
      surface.send({ text: 'a', format: 'telegram-html', buttons: [{ label: 'x', data: 'd'.repeat(65) }] }),
    )
    expect([(err as SurfaceError).transient, (err as Error).message]).toEqual([
      false,
      'telegram sendMessage: 400 Bad Request: BUTTON_DATA_INVALID',
    ])
  })

  test('draft sends sendMessageDraft in a private chat', async () => {
    const surface = await setup()
    await surface.draft?.(7, { text: '<i>thinking</i>', format: 'telegram-html' })
    expect(fake.state.drafts.get(42)).toEqual({
      draft_id: 7,
      text: 'thinking',
      entities: [{ type: 'italic', offset: 0, length: 8 }],
    })
  })

  test('without sendMessageDraft on the server, draft throws DraftUnavailable and stops asking', async () => {
    const shared = createSurfaceShared()
    const surface = await setup({ draftSupported: false, surface: { shared } })
    const first = await failure(surface.draft!(1, { text: 'a', format: 'telegram-html' }))
    const second = await failure(surface.draft!(1, { text: 'ab', format: 'telegram-html' }))
    expect([
      first instanceof DraftUnavailable,
      second instanceof DraftUnavailable,
      shared.draftAvailable,
    ]).toEqual([true, true, false])
    expect(fake.callsTo('sendMessageDraft').length).toBe(1)
  })

  test('sendFile uploads a document with a caption cut to 1024 characters', async () => {
    const surface = await setup()
    const bytes = new TextEncoder().encode('# Report\n')
    const ref = await surface.sendFile!('report.md', bytes, 'c'.repeat(1100))
    const message = fake.message(42, Number(ref.id))
    expect([message?.document?.file_name, message?.document?.file_size, message?.caption?.length]).toEqual([
      'report.md',
      9,
      1024,
    ])
    expect(fake.state.files.get(message!.document!.file_id)?.bytes).toEqual(bytes)
  })

  test('typing sends the typing chat action', async () => {
    const surface = await setup()
    await surface.typing!()
    expect(fake.state.chatActions.map((a) => [a.chat, a.action])).toEqual([[42, 'typing']])
  })
})

describe('pictures on the Telegram surface', () => {
  const picture = (step: number, caption?: string) => ({
    bytes: sketchPng(step, 3),
    mime: 'image/png',
    name: 'image.png',
    ...(caption ? { caption } : {}),
  })

  test('a photo is sent, then replaced in place with editMessageMedia, its caption last', async () => {
    const surface = await setup({ surface: { replyToMessageId: 1 } })
    const ref = await surface.sendPicture!(picture(1))
    await surface.editPicture!(ref, picture(2))
    await surface.editPicture!(ref, picture(3, 'A blue fox'))
    // The same picture again is "not modified" at Telegram, and not an error here.
    await surface.editPicture!(ref, picture(3, 'A blue fox'))
    const stored = fake.state.find(42, Number(ref.id))!
    expect(stored.media!.map((m) => [...m.bytes])).toEqual([1, 2, 3].map((step) => [...sketchPng(step, 3)]))
    expect(stored.media!.map((m) => m.caption)).toEqual(['', '', 'A blue fox'])
    expect(stored.message.photo).toEqual([expect.objectContaining({ width: 16, height: 16 })])
    // It quotes the question, as text answers do (a multipart call, where telegraf needs the JSON text).
    expect(stored.message.reply_to_message?.message_id).toBe(1)
    const file = await surface.sendFile!('notes.md', new TextEncoder().encode('# Notes'))
    expect(fake.state.find(42, Number(file.id))!.message.reply_to_message).toBeUndefined()
  })

  test('Telegram refuses what is not a picture, and a text message cannot become one', async () => {
    const surface = await setup()
    const notPicture = await failure(
      surface.sendPicture!({ bytes: new Uint8Array([1, 2, 3]), mime: 'image/png', name: 'x.png' }),
    )
    expect(notPicture).toBeInstanceOf(SurfaceError)
    expect((notPicture as SurfaceError).message).toContain('IMAGE_PROCESS_FAILED')
    const text = await surface.send({ text: 'hello', format: 'telegram-html' })
    const edited = await failure(surface.editPicture!(text, picture(1)))
    expect((edited as SurfaceError).message).toContain('there is no media in the message to edit')
  })
})
