import { Telegraf } from 'telegraf'
import type { Message } from 'telegraf/types'
import { describe, expect, test } from 'vitest'
import { TelegramChats } from '../../../src/adapters/telegram/telegram-chats.ts'
import { MessageIntake } from '../../../src/adapters/telegram/telegram-messages.ts'
import type { BotIdentity } from '../../../src/adapters/telegram/telegram-triggers.ts'
import { detectEntities } from '../../fakes/fake-telegram.ts'
import { ADMIN_ID, memoryLog, recordingHerald, testCommands } from './telegram-harness.ts'

// The intake alone: a message in, an Invocation out; nothing here reaches a server.
const ME: BotIdentity = { id: 1, username: 'HeraldBot' }
const ADA = { id: 42, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', language_code: 'en' }
const ADMIN = { id: Number(ADMIN_ID), is_bot: false, first_name: 'Root' }
const GROUP = { id: -100, type: 'supergroup', title: 'Engine room' } as const

function intake(me: BotIdentity | undefined) {
  const recording = recordingHerald()
  const { telegram } = new Telegraf('1:test-token')
  const messages = new MessageIntake({
    telegram,
    herald: recording.herald,
    commands: testCommands,
    chats: new TelegramChats(telegram, undefined),
    admins: new Set([ADMIN_ID]),
    maxImageBytes: 1024,
    me: () => me,
    log: memoryLog().log,
  })
  return { messages, recording }
}

function said(text: string, extra: Record<string, unknown> = {}): Message {
  const entities = detectEntities(text)
  return {
    message_id: 7,
    date: 0,
    chat: { id: ADA.id, type: 'private', first_name: 'Ada' },
    from: ADA,
    text,
    ...(entities.length > 0 ? { entities } : {}),
    ...extra,
  } as Message
}

describe('MessageIntake: a Telegram message as an Invocation', () => {
  test('a private text is an ask with its text option, from the person, handed over to Herald', async () => {
    const { messages, recording } = intake(ME)
    const handoff = messages.take(500, said('why is the sky blue?'))
    expect([handoff?.what, handoff?.context]).toEqual(['handle', { updateId: 500, chat: 'telegram:42' }])
    expect(recording.invocations).toEqual([])
    await handoff?.run()
    const [invocation] = recording.invocations
    expect([invocation?.eventId, invocation?.command, invocation?.args, invocation?.images]).toEqual([
      'telegram:update:500',
      'ask',
      { prompt: 'why is the sky blue?' },
      [],
    ])
    expect(invocation?.user).toEqual({
      platform: 'telegram',
      id: '42',
      name: 'Ada Lovelace',
      isAdmin: false,
      locale: 'en',
    })
    expect(invocation?.surface.chatKey).toBe('telegram:42')
  })

  test('nothing is taken before the bot knows who it is, nor a message that is not for Herald', () => {
    expect(intake(undefined).messages.take(1, said('hello'))).toBeUndefined()
    const group = { chat: GROUP, from: ADA }
    expect(intake(ME).messages.take(2, said('just chatting', group))).toBeUndefined()
  })

  test('unreadable arguments reach Herald with the problem and no arguments', async () => {
    const { messages, recording } = intake(ME)
    await messages.take(3, said('/model gpt-4'))?.run()
    const [invocation] = recording.invocations
    expect([invocation?.command, invocation?.args, invocation?.problem?.key]).toEqual([
      'model',
      {},
      'args.one_of',
    ])
  })

  test('an admin is an admin; an anonymous admin speaks as the group, never with admin rights', async () => {
    const { messages, recording } = intake(ME)
    await messages.take(4, said('/help', { from: ADMIN }))?.run()
    const anonymous = {
      chat: GROUP,
      from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
      sender_chat: GROUP,
      author_signature: 'The Chief',
    }
    await messages.take(5, said('@HeraldBot status?', anonymous))?.run()
    expect(recording.invocations.map((i) => [i.user.id, i.user.name, i.user.isAdmin, i.chat.kind])).toEqual([
      [ADMIN_ID, 'Root', true, 'private'],
      ['-100', 'The Chief', false, 'group'],
    ])
  })

  test('a reply to one of the bot’s messages continues that branch; a reply to someone else does not', async () => {
    const { messages, recording } = intake(ME)
    const replyTo = (from: object) => ({
      chat: GROUP,
      reply_to_message: { message_id: 70, date: 0, chat: GROUP, from, text: 'earlier' },
    })
    await messages
      .take(6, said('and then?', replyTo({ id: ME.id, is_bot: true, first_name: 'Herald' })))
      ?.run()
    await messages.take(7, said('@HeraldBot and you?', replyTo(ADA)))?.run()
    expect(recording.invocations.map((i) => [i.args, i.replyTo])).toEqual([
      [{ prompt: 'and then?' }, '70'],
      [{ prompt: 'and you?' }, undefined],
    ])
  })

  test('a photo is one image ref, its largest size as Telegram announced it, with the caption as the prompt', async () => {
    const { messages, recording } = intake(ME)
    const photo = [
      { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 100 },
      { file_id: 'large', file_unique_id: 'l', width: 800, height: 800, file_size: 900 },
    ]
    const message = {
      message_id: 8,
      date: 0,
      chat: said('').chat,
      from: ADA,
      photo,
      caption: 'what is this?',
    }
    await messages.take(8, message as Message)?.run()
    const [invocation] = recording.invocations
    expect([invocation?.args, invocation?.images.map((i) => [i.mime, i.size])]).toEqual([
      { prompt: 'what is this?' },
      [['image/jpeg', 900]],
    ])
  })
})
