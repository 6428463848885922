import type { Message } from 'telegraf/types'
import { describe, expect, test } from 'vitest'
import { classifyMessage } from '../../../src/adapters/telegram/telegram-triggers.ts'
import { detectEntities } from '../../fakes/fake-telegram.ts'
import { testCommands } from './telegram-harness.ts'

const ME = { id: 1, username: 'HeraldBot' }
const BOB = { id: 5, is_bot: false, first_name: 'Bob' }

function groupMessage(text: string, extra: Record<string, unknown> = {}): Message {
  const entities = detectEntities(text)
  return {
    message_id: 10,
    date: 0,
    chat: { id: -1, type: 'group', title: 'G' },
    from: BOB,
    text,
    ...(entities.length > 0 ? { entities } : {}),
    ...extra,
  } as Message
}

function promptOf(message: Message): string | undefined {
  const trigger = classifyMessage(message, ME, testCommands)
  return trigger?.kind === 'prompt' ? trigger.text : undefined
}

describe('which Telegram messages are for Herald', () => {
  test('a mention is removed from the prompt wherever it is, with its separator', () => {
    expect(
      [
        '@HeraldBot why?',
        '@heraldbot, why?',
        'tell me @HeraldBot why',
        'why, @HeraldBot',
        'ask @HeraldBot: what now',
      ].map((t) => promptOf(groupMessage(t))),
    ).toEqual(['why?', 'why?', 'tell me why', 'why,', 'ask what now'])
  })

  test('a mention of someone else, or of the bot inside a word, is not a trigger', () => {
    expect([promptOf(groupMessage('@HeraldBotFan hi')), promptOf(groupMessage('hi @someone'))]).toEqual([
      undefined,
      undefined,
    ])
  })

  test('a text mention of the bot (a mention without username) is a trigger', () => {
    const text = 'Herald, hello'
    const message = groupMessage(text, {
      entities: [
        { type: 'text_mention', offset: 0, length: 6, user: { id: 1, is_bot: true, first_name: 'Herald' } },
      ],
    })
    expect(promptOf(message)).toBe('hello')
  })

  test('messages from bots are never triggers', () => {
    expect(
      classifyMessage(groupMessage('@HeraldBot hi', { from: { ...BOB, is_bot: true } }), ME, testCommands),
    ).toBe(undefined)
  })

  test('commands are matched case-insensitively and unknown commands are ignored', () => {
    const trigger = classifyMessage(groupMessage('/ASK@heraldbot hi'), ME, testCommands)
    expect(trigger?.kind === 'command' ? [trigger.command.name, trigger.argsText] : undefined).toEqual([
      'ask',
      'hi',
    ])
    expect(classifyMessage(groupMessage('/unknown hi'), ME, testCommands)).toBe(undefined)
  })

  test('an anonymous admin (the group as sender) is heard; other bots and channels are not', () => {
    const anonymous = { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' }
    const group = { id: -1, type: 'supergroup', title: 'G' }
    const channel = { id: -100777, type: 'channel', title: 'News' }
    const channelBot = { id: 136817688, is_bot: true, first_name: 'Channel', username: 'Channel_Bot' }
    const otherBot = { id: 9, is_bot: true, first_name: 'Other' }
    expect(
      [
        groupMessage('@HeraldBot status?', { from: anonymous, sender_chat: group, author_signature: 'Ann' }),
        groupMessage('@HeraldBot status?', { from: channelBot, sender_chat: channel }),
        groupMessage('@HeraldBot status?', {
          from: channelBot,
          sender_chat: channel,
          is_automatic_forward: true,
        }),
        groupMessage('@HeraldBot status?', { from: otherBot }),
        groupMessage('@HeraldBot status?', { from: BOB, is_automatic_forward: true }),
      ].map(promptOf),
    ).toEqual(['status?', undefined, undefined, undefined, undefined])
  })
})
