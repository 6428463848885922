import { describe, expect, test } from 'vitest'
import { AnswerMessageIds, deletedMessages } from '../../../src/adapters/discord/discord-deletions.ts'

describe('deletedMessages', () => {
  test('reads MESSAGE_DELETE and MESSAGE_DELETE_BULK dispatches', () => {
    expect(deletedMessages({ t: 'MESSAGE_DELETE', d: { id: '5', channel_id: '1', guild_id: '9' } })).toEqual([
      { channelId: '1', messageId: '5' },
    ])
    expect(deletedMessages({ t: 'MESSAGE_DELETE_BULK', d: { ids: ['5', '6'], channel_id: '1' } })).toEqual([
      { channelId: '1', messageId: '5' },
      { channelId: '1', messageId: '6' },
    ])
  })

  test('ignores other dispatches and malformed ones', () => {
    expect(deletedMessages({ t: 'MESSAGE_CREATE', d: { id: '5', channel_id: '1' } })).toEqual([])
    expect(deletedMessages({ t: 'MESSAGE_DELETE', d: { id: 5, channel_id: '1' } })).toEqual([])
    expect(deletedMessages({ t: 'MESSAGE_DELETE', d: { id: '5' } })).toEqual([])
    expect(deletedMessages({ t: 'MESSAGE_DELETE_BULK', d: { ids: ['5', 6], channel_id: '1' } })).toEqual([
      { channelId: '1', messageId: '5' },
    ])
    expect(deletedMessages({ t: 'MESSAGE_DELETE', d: null })).toEqual([])
    expect(deletedMessages({ t: null, d: undefined })).toEqual([])
  })
})

describe('AnswerMessageIds', () => {
  test('a moved answer is reported by its first id; the message it left is not reported', () => {
    const ids = new AnswerMessageIds()
    ids.moved('111', '222')
    expect(ids.answerIdOf('222')).toBe('111')
    expect(ids.answerIdOf('111')).toBeUndefined()
    expect(ids.answerIdOf('333')).toBe('333')
  })

  test('remembers only the last moves', () => {
    const ids = new AnswerMessageIds(2)
    ids.moved('a1', 'b1')
    ids.moved('a2', 'b2')
    ids.moved('a3', 'b3')
    expect([ids.answerIdOf('b1'), ids.answerIdOf('a1')]).toEqual(['b1', 'a1'])
    expect([ids.answerIdOf('b2'), ids.answerIdOf('a2')]).toEqual(['a2', undefined])
    expect([ids.answerIdOf('b3'), ids.answerIdOf('a3')]).toEqual(['a3', undefined])
  })
})
