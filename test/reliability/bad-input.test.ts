import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { promptOf } from '../e2e/harness.ts'
import type { FakeDiscord } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram, TgMessage } from '../fakes/fake-telegram.ts'
import { type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * Bad input gets one clear line and never reaches the Responses API: an empty prompt, a prompt over
 * the limit, an image too large or of the wrong type, unknown command options, a model or effort not
 * allowed, and button presses with forged or stale data.
 */
const t = translator('en')
const MAX_PROMPT = 60
const MB = 1024 * 1024
let stack: Stack
let telegram: FakeTelegram
let discord: FakeDiscord
let nextChat = 1100

beforeAll(async () => {
  stack = await startStack({
    discord: {},
    env: { MAX_PROMPT_CHARS: String(MAX_PROMPT), MAX_IMAGE_BYTES: String(MB), USER_REQUESTS_PER_MINUTE: '0' },
  })
  telegram = stack.telegram!
  discord = stack.discord!
})

afterAll(async () => {
  // Nothing above reached the API; an ordinary ask still does.
  stack.responses.enqueue(sse(textAnswer('Fine.', 1)))
  const chat = nextChat++
  telegram.userSays({ chat: { id: chat, type: 'private' }, text: 'a fine question' })
  await until(() => telegramTexts(telegram, chat).includes('Fine.'), 'the ordinary answer')
  expect(stack.responses.requests.map((r) => promptOf(r.body))).toEqual(['quick one', 'a fine question'])
  await stack.close()
})

/** A private Telegram chat says `text`; resolves with the bot's one reply. */
async function telegramSays(text: string, photo?: { bytes: Uint8Array }): Promise<string> {
  const chat = nextChat++
  telegram.userSays({ chat: { id: chat, type: 'private' }, text, ...(photo ? { photo, caption: text } : {}) })
  const [reply] = await until(
    () => {
      const texts = telegramTexts(telegram, chat)
      return texts.length > 0 && texts
    },
    `a reply to "${text.slice(0, 30)}"`,
  )
  return reply!
}

/** The reply to a slash command (private or not). */
async function slash(name: string, options: Record<string, string | boolean>): Promise<string> {
  const interaction = discord.slash({ name, options, user: discord.bob })
  const reply = await until(
    () =>
      discord
        .messages(discord.general, { ephemeral: true })
        .find((m) => m.interaction?.id === interaction.id && m.content !== ''),
    `the reply to /${name}`,
  )
  return reply.content
}

describe('prompts', () => {
  test('an empty one: /ask with nothing after it, a bare mention, a blank slash prompt', async () => {
    expect(await telegramSays('/ask')).toBe(t('ask.empty'))
    const mention = discord.userMessage({ content: `<@${discord.bot.id}>`, author: discord.bob })
    const reply = await until(
      () => discord.messages(discord.general).find((m) => m.reference?.message_id === mention.id),
      'the reply to the mention',
    )
    expect(reply.content).toBe(t('ask.empty'))
    expect(await slash('ask', { prompt: '   ' })).toBe(t('ask.empty'))
  })

  test('one over MAX_PROMPT_CHARS', async () => {
    const long = 'x'.repeat(MAX_PROMPT + 1)
    expect(await telegramSays(long)).toBe(t('input.too_long', { length: MAX_PROMPT + 1, max: MAX_PROMPT }))
  })
})

describe('images', () => {
  test('a photo over MAX_IMAGE_BYTES is refused before it is downloaded', async () => {
    const bytes = new Uint8Array(1.5 * MB)
    const reply = await telegramSays('what is this?', { bytes })
    expect(reply).toBe(t('limits.image_too_large', { size: 1.5, max: 1 }))
    expect(telegram.downloads).toEqual([])
  })

  test('an attachment that is not JPEG, PNG, GIF or WebP', async () => {
    const message = discord.userMessage({
      content: `<@${discord.bot.id}> what is this?`,
      author: discord.bob,
      attachments: [{ filename: 'scan.bmp', contentType: 'image/bmp', bytes: new Uint8Array(64) }],
    })
    const reply = await until(
      () => discord.messages(discord.general).find((m) => m.reference?.message_id === message.id),
      'the reply',
    )
    expect(reply.content).toBe(t('limits.image_type', { mime: 'image/bmp' }))
  })
})

describe('command options', () => {
  test('an option the command does not have (a forged interaction)', async () => {
    expect(await slash('ask', { prompt: 'hi', colour: 'red' })).toBe(
      t('input.bad_args', { error: t('args.unknown', { option: 'colour' }) }),
    )
    expect(await slash('reset', { everything: true })).toBe(
      t('input.bad_args', { error: t('args.unknown', { option: 'everything' }) }),
    )
  })

  test('a value outside the choices, or of the wrong type', async () => {
    expect(await slash('ask', { prompt: 'hi', effort: 'extreme' })).toBe(
      t('input.bad_args', { error: 'effort must be one of minimal, low, medium, high' }),
    )
    expect(await slash('ask', { prompt: 'hi', search: 'yes please' })).toBe(
      t('input.bad_args', { error: 'search must be on or off' }),
    )
    expect(await telegramSays('/ask effort:extreme why?')).toBe(
      t('input.bad_args', { error: 'effort must be one of minimal, low, medium, high' }),
    )
    expect(await telegramSays('/help me please')).toBe(t('input.bad_args', { error: t('args.none') }))
  })

  test('a model that is not offered, and an effort the model does not take', async () => {
    expect(await telegramSays('/ask model:gpt-nonexistent why?')).toBe(
      t('models.unknown', { model: 'gpt-nonexistent' }),
    )
    expect(await telegramSays('/ask model:o3 effort:minimal why?')).toBe(
      t('models.effort_unsupported', { model: 'o3', effort: 'minimal', allowed: 'low, medium, high' }),
    )
  })
})

describe('buttons', () => {
  /** A press of a button with `data` under a bot message, as Telegram would deliver it (no such button needed). */
  function forgedPress(message: TgMessage, data: string): string {
    const id = `forged-${nextChat++}`
    telegram.state.openCallbacks.add(id)
    telegram.injectUpdate({
      callback_query: { id, from: message.chat as never, message, chat_instance: '1', data },
    })
    return id
  }

  async function answerTo(id: string): Promise<string | undefined> {
    const found = await until(
      () => telegram.state.callbackAnswers.find((a) => a.id === id),
      `the answer to press ${id}`,
    )
    return found.text
  }

  test('forged data and a Stop of a finished answer are stale', async () => {
    const chat = nextChat++
    stack.responses.enqueue(sse(textAnswer('Done already.', 2), { delayMs: 300 }))
    telegram.userSays({ chat: { id: chat, type: 'private' }, text: 'quick one' })
    await until(() => telegramTexts(telegram, chat).includes('Done already.'), 'the answer')
    const [answer] = telegram.botMessages(chat)
    expect(answer!.reply_markup).toBeUndefined()
    const forged = [
      forgedPress(answer!, 'stop:000000000000'),
      forgedPress(answer!, 'research:approve:nope'),
      forgedPress(answer!, '$(rm -rf /)'),
    ]
    for (const id of forged) expect(await answerTo(id)).toBe(t('button.stale'))
    // Pressing the Stop button the finished answer had.
    const markup = (c: { body: Record<string, unknown> }) => JSON.stringify(c.body.reply_markup ?? '')
    const withStop = telegram.calls.find((c) => markup(c).includes('stop:'))
    const data = /"callback_data\\?":\\?"(stop:[^"\\]+)/.exec(markup(withStop!))?.[1]
    expect(data).toMatch(/^stop:/)
    expect(await answerTo(forgedPress(answer!, data!))).toBe(t('button.stale'))
  })
})
