import { afterEach, describe, expect, test } from 'vitest'
import type {
  TelegramAdapter,
  TelegramAdapterOptions,
} from '../../../src/adapters/telegram/telegram-adapter.ts'
import { telegramChatRef } from '../../../src/adapters/telegram/telegram-adapter.ts'
import type { Herald } from '../../../src/core/contracts/chat.ts'
import {
  ConfigError,
  FormatRejected,
  Gone,
  RateLimited,
  SurfaceError,
} from '../../../src/core/contracts/errors.ts'
import { type FakeTelegram, type FakeTelegramOptions, startFakeTelegram } from '../../fakes/fake-telegram.ts'
import { ADMIN_ID, adapterFor, memoryLog, type RecordingHerald, recordingHerald } from './telegram-harness.ts'

const ADA = { id: 42, is_bot: false, first_name: 'Ada', last_name: 'L' }
const BOB = { id: 5, is_bot: false, first_name: 'Bob' }
const PRIVATE = { id: 42, type: 'private' as const, first_name: 'Ada' }
const GROUP = { id: -100, type: 'supergroup' as const, title: 'Team' }

let fake: FakeTelegram
let adapter: TelegramAdapter | undefined

afterEach(async () => {
  await adapter?.stop()
  adapter = undefined
  await fake?.close()
})

async function run(
  recording: RecordingHerald | Herald,
  options: { fake?: FakeTelegramOptions; adapter?: Partial<TelegramAdapterOptions> } = {},
): Promise<TelegramAdapter> {
  fake = await startFakeTelegram({ rateLimits: false, ...options.fake })
  const herald = 'herald' in recording ? recording.herald : recording
  adapter = adapterFor(fake, herald, options.adapter)
  await adapter.start()
  return adapter
}

describe('the Telegram adapter, long polling', () => {
  test('a private message is an ask with the user, the chat and the update id', async () => {
    const recording = recordingHerald()
    await run(recording)
    const update = fake.userSays({ chat: PRIVATE, from: ADA, text: 'why is the sky blue?' })
    const inv = await fake.waitFor(() => recording.invocations[0])
    expect({ ...inv, surface: undefined, notify: undefined }).toEqual({
      eventId: `telegram:update:${update.update_id}`,
      command: 'ask',
      args: { prompt: 'why is the sky blue?' },
      user: { platform: 'telegram', id: '42', name: 'Ada L', isAdmin: false },
      chat: { platform: 'telegram', id: '42', kind: 'private', key: 'telegram:42' },
      images: [],
      surface: undefined,
      notify: undefined,
    })
    expect(inv.surface.chatKey).toBe('telegram:42')
    expect(adapter?.healthy()).toBe(true)
  })

  test('start registers the commands in English, in Chinese, and with admin commands for admins', async () => {
    await run(recordingHerald())
    const everyone = [
      { command: 'ask', description: 'Ask a question' },
      { command: 'model', description: 'Choose the model' },
      { command: 'help', description: 'How to use Herald' },
    ]
    const everyoneZh = [
      { command: 'ask', description: '提问' },
      { command: 'model', description: '选择模型' },
      { command: 'help', description: '使用说明' },
    ]
    const adminScope = { type: 'chat', chat_id: Number(ADMIN_ID) }
    expect(fake.callsTo('setMyCommands').map((c) => c.body)).toEqual([
      { commands: everyone },
      { commands: everyoneZh, language_code: 'zh' },
      {
        commands: [...everyone, { command: 'research', description: 'Deep research (admins)' }],
        scope: adminScope,
      },
      {
        commands: [...everyoneZh, { command: 'research', description: '深度研究（管理员）' }],
        scope: adminScope,
        language_code: 'zh',
      },
    ])
  })

  test('in a group only mentions, replies to the bot and commands for this bot reach Herald', async () => {
    const recording = recordingHerald()
    const telegram = await run(recording)
    fake.userSays({ chat: GROUP, from: BOB, text: 'hello' })
    const botMessage = await telegram
      .surfaceFor(telegramChatRef(GROUP))
      .send({ text: 'earlier answer', format: 'plain' })
    const said = (text: string, extra: { reply_to_message_id?: number } = {}) =>
      fake.userSays({ chat: GROUP, from: BOB, text, ...extra })
    said('just chatting')
    said('/ask@OtherBot hello')
    said('@HeraldBot')
    said('a reply to Bob', { reply_to_message_id: 1 })
    said('hey @HeraldBot what is 2+2?')
    said('/ask hello there')
    said('/ask@HeraldBot effort:high why?')
    said('go on', { reply_to_message_id: Number(botMessage.id) })
    await fake.waitFor(() => recording.invocations.length === 4)
    expect(recording.invocations.map((i) => [i.command, i.args, i.replyTo, i.chat.kind])).toEqual([
      ['ask', { prompt: 'hey what is 2+2?' }, undefined, 'group'],
      ['ask', { prompt: 'hello there' }, undefined, 'group'],
      ['ask', { effort: 'high', prompt: 'why?' }, undefined, 'group'],
      ['ask', { prompt: 'go on' }, botMessage.id, 'group'],
    ])
  })

  test('a command with bad arguments reaches Herald with the problem and no arguments, to be answered there', async () => {
    const recording = recordingHerald()
    await run(recording)
    fake.userSays({ chat: PRIVATE, from: ADA, text: '/model gpt-0' })
    const bad = await fake.waitFor(() => recording.invocations[0])
    expect([bad.command, bad.args, bad.problem]).toEqual([
      'model',
      {},
      { key: 'args.one_of', params: { option: 'model', choices: ['gpt-5', 'gpt-5-mini'] } },
    ])
    fake.userSays({ chat: PRIVATE, from: ADA, text: '/start' })
    const help = await fake.waitFor(() => recording.invocations[1])
    expect([help.command, help.args, help.problem]).toEqual(['help', {}, undefined])
    expect(fake.botMessages(42)).toEqual([])
  })

  test('notify sends plain text escaped for HTML, with buttons, quoting the user', async () => {
    const recording = recordingHerald({
      handle: async (inv) => {
        await inv.notify('Run research for <about $12> & more?', {
          buttons: [
            { label: 'Start', data: 'research:go:1' },
            { label: 'Cancel', data: 'research:no:1' },
          ],
        })
      },
    })
    await run(recording)
    const update = fake.userSays({ chat: PRIVATE, from: ADA, text: 'research this' })
    const card = await fake.waitFor(() => fake.botMessages(42)[0])
    expect([card.text, card.entities, card.reply_markup, card.reply_to_message?.message_id]).toEqual([
      'Run research for <about $12> & more?',
      undefined,
      {
        inline_keyboard: [
          [
            { text: 'Start', callback_data: 'research:go:1' },
            { text: 'Cancel', callback_data: 'research:no:1' },
          ],
        ],
      },
      update.message?.message_id,
    ])
  })

  test('an admin is marked as one', async () => {
    const recording = recordingHerald()
    await run(recording)
    fake.userSays({
      chat: { id: 999, type: 'private' },
      from: { id: 999, is_bot: false, first_name: 'Root' },
      text: '/research cats',
    })
    const inv = await fake.waitFor(() => recording.invocations[0])
    expect([inv.command, inv.args, inv.user.isAdmin]).toEqual(['research', { topic: 'cats' }, true])
  })

  test('an answer streams through the surface, and Telegram refusals arrive as Herald errors', async () => {
    const outcomes: string[] = []
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => outcomes.push('ok'),
        (err: unknown) => {
          if (err instanceof RateLimited) outcomes.push(`RateLimited ${err.retryAfterMs}`)
          else if (err instanceof FormatRejected) outcomes.push('FormatRejected')
          else if (err instanceof Gone) outcomes.push('Gone')
          else if (err instanceof SurfaceError) outcomes.push(`SurfaceError transient=${err.transient}`)
          else outcomes.push(String(err))
        },
      )
    const recording = recordingHerald({
      async handle({ surface }) {
        const ref = await surface.send({ text: 'Hel', format: 'telegram-html' })
        await outcome(surface.edit(ref, { text: 'Hello', format: 'telegram-html' }))
        await outcome(surface.edit(ref, { text: 'Hello', format: 'telegram-html' }))
        await outcome(surface.edit(ref, { text: 'x'.repeat(4097), format: 'telegram-html' }))
        await outcome(surface.edit(ref, { text: 'if a < b', format: 'telegram-html' }))
        await outcome(surface.edit(ref, { text: 'Hello <b>world</b>', format: 'telegram-html' }))
        const second = await surface.send({ text: 'part 2', format: 'telegram-html' })
        fake.deleteMessage(42, Number(second.id))
        await outcome(surface.edit(second, { text: 'part 2, more', format: 'telegram-html' }))
        fake.rateLimitNext(42, 3)
        await outcome(surface.edit(ref, { text: 'Hello world!', format: 'telegram-html' }))
        outcomes.push('done')
      },
    })
    await run(recording)
    const question = fake.userSays({ chat: PRIVATE, from: ADA, text: 'say hello' })
    await fake.waitFor(() => outcomes.includes('done'))
    expect(outcomes).toEqual([
      'ok',
      'ok',
      'SurfaceError transient=false',
      'FormatRejected',
      'ok',
      'Gone',
      'RateLimited 3000',
      'done',
    ])
    expect(fake.botMessages(42).map((m) => [m.text, m.entities, m.reply_to_message?.message_id])).toEqual([
      ['Hello world', [{ type: 'bold', offset: 6, length: 5 }], question.message?.message_id],
    ])
  })

  test('a second chat is answered while the first answer is still running', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const recording = recordingHerald({
      async handle(inv) {
        if (inv.chat.id === '42') await gate
        await inv.surface.send({ text: `answer for ${inv.chat.id}`, format: 'plain' })
      },
    })
    await run(recording)
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'slow question' })
    await fake.waitFor(() => recording.invocations.length === 1)
    fake.userSays({
      chat: { id: 7, type: 'private' },
      from: { id: 7, is_bot: false, first_name: 'Cy' },
      text: 'quick',
    })
    await fake.waitFor(() => fake.botMessages(7).length === 1)
    expect(fake.botMessages(42)).toEqual([])
    release()
    const answer = await fake.waitFor(() => fake.botMessages(42)[0])
    expect(answer.text).toBe('answer for 42')
  })

  test('a photo with a caption is a prompt whose image downloads through getFile', async () => {
    const recording = recordingHerald()
    await run(recording)
    const bytes = new Uint8Array(2048).map((_, i) => (i * 7) % 256)
    fake.userSays({ chat: PRIVATE, from: ADA, photo: { bytes }, caption: 'what is this?' })
    fake.userSays({ chat: PRIVATE, from: ADA, photo: { bytes } })
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'next' })
    await fake.waitFor(() => recording.invocations.length === 2)
    const [photo, next] = recording.invocations
    expect([photo?.args, photo?.images.length, photo?.images[0]?.size, next?.args]).toEqual([
      { prompt: 'what is this?' },
      1,
      2048,
      { prompt: 'next' },
    ])
    expect(await photo?.images[0]?.fetch()).toEqual({ mime: 'image/jpeg', bytes })
    expect(fake.downloads).toEqual(['photos/file_2'])
  })

  test('a photo over the limit is refused before downloading, and a short download is caught', async () => {
    const recording = recordingHerald()
    await run(recording, { adapter: { maxImageBytes: 1000 } })
    fake.userSays({ chat: PRIVATE, from: ADA, photo: { bytes: new Uint8Array(2000) }, caption: 'big' })
    fake.userSays({
      chat: PRIVATE,
      from: ADA,
      photo: { bytes: new Uint8Array(100), fileSize: 120 },
      caption: 'lying',
    })
    await fake.waitFor(() => recording.invocations.length === 2)
    const errors = await Promise.all(
      recording.invocations.map((inv) => inv.images[0]!.fetch().catch((e: Error) => e)),
    )
    expect(errors.map((e) => [e.constructor.name, (e as Error).message])).toEqual([
      ['InputError', 'limits.image_too_large'],
      ['SurfaceError', 'telegram file download: got 100 bytes, expected 120'],
    ])
    expect(fake.callsTo('getFile').length).toBe(1)
  })

  test('a button press reaches Herald with its data and is answered as a toast', async () => {
    const recording = recordingHerald({ press: (press) => press.answer('Cancelled') })
    const telegram = await run(recording)
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'hi' })
    const ref = await telegram
      .surfaceFor(telegramChatRef(PRIVATE))
      .send({ text: 'Research?', format: 'plain', buttons: [{ label: 'Cancel', data: 'research:cancel:1' }] })
    const update = fake.press(42, Number(ref.id), 'research:cancel:1', ADA)
    const press = await fake.waitFor(() => recording.presses[0])
    expect([press.eventId, press.data, press.user.id, press.chat.key, press.message]).toEqual([
      `telegram:update:${update.update_id}`,
      'research:cancel:1',
      '42',
      'telegram:42',
      ref,
    ])
    await fake.waitFor(() => fake.state.callbackAnswers.length === 1)
    expect(fake.state.callbackAnswers).toEqual([
      { id: update.callback_query?.id, text: 'Cancelled', show_alert: false },
    ])
  })

  test('a press Herald does not answer is answered anyway, so the button stops spinning', async () => {
    const recording = recordingHerald()
    const telegram = await run(recording)
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'hi' })
    const ref = await telegram
      .surfaceFor(telegramChatRef(PRIVATE))
      .send({ text: 'Go?', format: 'plain', buttons: [{ label: 'Go', data: 'go' }] })
    const update = fake.press(42, Number(ref.id), 'go', ADA)
    await fake.waitFor(() => fake.state.callbackAnswers.length === 1)
    expect(fake.state.callbackAnswers).toEqual([{ id: update.callback_query?.id, show_alert: false }])
  })

  test('an update that breaks the handler is logged and polling goes on', async () => {
    const recording = recordingHerald()
    const { log, lines } = memoryLog()
    await run(recording, { adapter: { log } })
    const broken = fake.injectUpdate({
      message: { message_id: 1, date: 0, from: ADA, text: 'no chat' } as never,
    })
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'still there?' })
    const inv = await fake.waitFor(() => recording.invocations[0])
    expect(inv.args).toEqual({ prompt: 'still there?' })
    expect(lines.filter((l) => l.msg === 'telegram: update handler failed').map((l) => l.updateId)).toEqual([
      broken.update_id,
    ])
    expect(adapter?.healthy()).toBe(true)
  })

  test('a Herald that throws is logged and the next message is still handled', async () => {
    const { log, lines } = memoryLog()
    let calls = 0
    const herald: Herald = {
      handle: () => {
        calls++
        if (calls === 1) throw new Error('boom')
        return Promise.resolve()
      },
      press: () => Promise.resolve(),
    }
    await run(herald, { adapter: { log } })
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'one' })
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'two' })
    await fake.waitFor(() => calls === 2)
    expect(
      lines
        .filter((l) => l.msg === 'telegram: handle failed')
        .map((l) => (l.err as { message: string }).message),
    ).toEqual(['boom'])
  })

  test('a failed poll makes the adapter unhealthy until polling recovers', async () => {
    const recording = recordingHerald()
    await run(recording)
    fake.failNext('getUpdates', 429, 'Too Many Requests: retry after 1', 1)
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'one' })
    await fake.waitFor(() => adapter?.healthy() === false)
    await fake.waitFor(() => fake.pollWaiting, 4000)
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'two' })
    await fake.waitFor(() => recording.invocations.length === 2)
    expect(adapter?.healthy()).toBe(true)
  })

  test('stop ends polling and start refuses a wrong token with the variable to fix', async () => {
    const recording = recordingHerald()
    const telegram = await run(recording)
    await telegram.stop()
    expect(telegram.healthy()).toBe(false)
    const polls = fake.callsTo('getUpdates').length
    fake.userSays({ chat: PRIVATE, from: ADA, text: 'anyone?' })
    await new Promise((r) => setTimeout(r, 50))
    expect([fake.callsTo('getUpdates').length, recording.invocations.length]).toEqual([polls, 0])

    adapter = adapterFor({ ...fake, token: '1:wrong' }, recording.herald)
    const err = await adapter.start().catch((e: unknown) => e)
    expect([err instanceof ConfigError, (err as ConfigError).variable]).toEqual([true, 'TELEGRAM_BOT_TOKEN'])
    expect(adapter.healthy()).toBe(false)
  })
})
