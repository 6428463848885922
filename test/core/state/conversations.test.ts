import { describe, expect, test } from 'vitest'
import {
  createConversations,
  estimateTokens,
  type NewTurn,
  turnTokens,
} from '../../../src/core/state/conversations.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

const turn = (n: number, extra: Partial<NewTurn> = {}): NewTurn => ({
  responseId: `resp_${n}`,
  userText: `question ${n}`,
  assistantText: `answer ${n}`,
  model: 'gpt-5-mini',
  ...extra,
})

describe('estimateTokens', () => {
  test('counts a token per 4 characters and a token per CJK character', () => {
    expect(estimateTokens('')).toBe(0)
    expect(estimateTokens('abcd')).toBe(1)
    expect(estimateTokens('abcde')).toBe(2)
    expect(estimateTokens('你好世界')).toBe(4)
    expect(estimateTokens('こんにちは')).toBe(5)
    expect(estimateTokens('안녕')).toBe(2)
    expect(estimateTokens('hi 你好！')).toBe(4)
  })

  test('a turn costs its two messages plus 4 tokens each for framing', () => {
    const t = { id: 'x', chatKey: 'c', userText: 'abcdefgh', assistantText: '你好', model: 'm', at: 0 }
    expect(turnTokens(t)).toBe(2 + 2 + 8)
    expect(turnTokens({ ...t, imageNote: 'image: a.jpg' })).toBe(
      Math.ceil('abcdefgh\n[image: a.jpg]'.length / 4) + 2 + 8,
    )
  })
})

describe.each(BACKENDS)('conversations on %s', (backend) => {
  const fixture = storeFixture(backend)

  test('a reply to any bot message continues its branch; other messages continue the head', async () => {
    const conversations = createConversations({ store: await fixture.open(), mode: 'server' })
    expect(await conversations.resolve('tg:1')).toEqual({ mode: 'server', history: [] })
    const first = await conversations.linkMessages('tg:1', ['10', '11'], turn(1))
    const second = await conversations.linkMessages('tg:1', ['12'], turn(2, { parentTurnId: first.id }))

    expect(await conversations.resolve('tg:1')).toEqual({
      mode: 'server',
      previousResponseId: 'resp_2',
      history: [],
      parentTurnId: second.id,
    })
    expect(await conversations.resolve('tg:1', '11')).toEqual({
      mode: 'server',
      previousResponseId: 'resp_1',
      history: [],
      parentTurnId: first.id,
    })
    // Replying to a message the bot never linked continues the head.
    expect((await conversations.resolve('tg:1', '999')).previousResponseId).toBe('resp_2')
    // Messages are per chat.
    expect(await conversations.resolve('tg:2', '11')).toEqual({ mode: 'server', history: [] })
  })

  test('a message linked to a saved turn later continues that turn and leaves the head alone', async () => {
    const conversations = createConversations({ store: await fixture.open(), mode: 'server' })
    const first = await conversations.linkMessages('c', ['1'], turn(1))
    await conversations.linkMessages('c', ['2'], turn(2, { parentTurnId: first.id }))
    await conversations.linkMessage('c', 'voice-1', first.id)
    expect((await conversations.resolve('c', 'voice-1')).previousResponseId).toBe('resp_1')
    expect((await conversations.resolve('c')).previousResponseId).toBe('resp_2')
  })

  test('a branch from an old message becomes the head', async () => {
    const conversations = createConversations({ store: await fixture.open(), mode: 'server' })
    const first = await conversations.linkMessages('c', ['1'], turn(1))
    await conversations.linkMessages('c', ['2'], turn(2, { parentTurnId: first.id }))
    const branch = await conversations.linkMessages('c', ['3'], turn(3, { parentTurnId: first.id }))
    expect((await conversations.resolve('c')).previousResponseId).toBe('resp_3')
    expect((await conversations.turnForMessage('c', '3'))?.parentTurnId).toBe(first.id)
    await conversations.setHead('c', first.id)
    expect((await conversations.resolve('c')).previousResponseId).toBe('resp_1')
    expect(branch.chatKey).toBe('c')
  })

  test('reset starts fresh, and a reply to an old bot message still continues it', async () => {
    const conversations = createConversations({ store: await fixture.open(), mode: 'server' })
    await conversations.linkMessages('c', ['1'], turn(1))
    await conversations.reset('c')
    expect(await conversations.resolve('c')).toEqual({ mode: 'server', history: [] })
    expect((await conversations.resolve('c', '1')).previousResponseId).toBe('resp_1')
  })

  test('after a restart a reply to an old bot message continues it', async () => {
    const location = fixture.location()
    const before = createConversations({ store: await location.open(), mode: 'auto' })
    const first = await before.linkMessages('dc:chan', ['m1'], turn(1, { imageNote: 'image: cat.png' }))
    await before.linkMessages('dc:chan', ['m2'], turn(2, { parentTurnId: first.id }))

    const store = await location.open()
    const after = createConversations({ store, mode: 'auto' })
    expect(await after.resolve('dc:chan', 'm1')).toEqual({
      mode: 'server',
      previousResponseId: 'resp_1',
      history: [],
      parentTurnId: first.id,
    })
    const local = createConversations({ store, mode: 'local' })
    expect(await local.resolve('dc:chan')).toEqual({
      mode: 'local',
      history: [
        { role: 'user', content: 'question 1\n[image: cat.png]' },
        { role: 'assistant', content: 'answer 1' },
        { role: 'user', content: 'question 2' },
        { role: 'assistant', content: 'answer 2' },
      ],
      parentTurnId: (await local.turnForMessage('dc:chan', 'm2'))?.id,
    })
  })

  test('auto falls back to local history for good once the endpoint rejects server state', async () => {
    const location = fixture.location()
    const conversations = createConversations({
      store: await location.open(),
      mode: 'auto',
      endpointKey: 'relay',
    })
    const first = await conversations.linkMessages('c', ['1'], turn(1))
    expect(await conversations.effectiveMode()).toBe('server')
    expect((await conversations.resolve('c')).previousResponseId).toBe('resp_1')

    await conversations.markServerStateUnsupported()
    const expected = {
      mode: 'local',
      history: [
        { role: 'user', content: 'question 1' },
        { role: 'assistant', content: 'answer 1' },
      ],
      parentTurnId: first.id,
    }
    expect(await conversations.resolve('c')).toEqual(expected)

    // Another process, or this one after a restart, reads the flag from the store.
    const restarted = createConversations({
      store: await location.open(),
      mode: 'auto',
      endpointKey: 'relay',
    })
    expect(await restarted.effectiveMode()).toBe('local')
    expect(await restarted.resolve('c')).toEqual(expected)
    // The flag belongs to one endpoint.
    const other = createConversations({ store: await location.open(), mode: 'auto', endpointKey: 'openai' })
    expect(await other.effectiveMode()).toBe('server')
  })

  test('a parent turn without a response id continues with local history in server mode', async () => {
    const conversations = createConversations({ store: await fixture.open(), mode: 'server' })
    const first = await conversations.linkMessages('c', ['1'], turn(1, { responseId: undefined }))
    expect(await conversations.resolve('c')).toEqual({
      mode: 'local',
      history: [
        { role: 'user', content: 'question 1' },
        { role: 'assistant', content: 'answer 1' },
      ],
      parentTurnId: first.id,
    })
  })

  test('local history keeps the newest whole turns that fit the budget', async () => {
    const store = await fixture.open()
    const long = 'x'.repeat(400) // 100 tokens
    const writer = createConversations({ store, mode: 'local' })
    let parent: string | undefined
    for (let n = 1; n <= 4; n++) {
      parent = (
        await writer.linkMessages(
          'c',
          [`${n}`],
          turn(n, { userText: long, assistantText: `${long}${n}`, parentTurnId: parent }),
        )
      ).id
    }
    // Each turn: 100 + 101 + 8 = 209 tokens; 3 turns are 627.
    const fits = (budget: number) => createConversations({ store, mode: 'local', historyTokenBudget: budget })
    const answers = async (budget: number) =>
      (await fits(budget).resolve('c')).history
        .filter((m) => m.role === 'assistant')
        .map((m) => m.content.slice(400))
    expect(await answers(627)).toEqual(['2', '3', '4'])
    expect(await answers(626)).toEqual(['3', '4'])
    expect(await answers(208)).toEqual([])
    expect(await answers(100_000)).toEqual(['1', '2', '3', '4'])
    const shallow = createConversations({ store, mode: 'local', maxDepth: 2 })
    expect((await shallow.resolve('c')).history.map((m) => m.content.slice(400))).toEqual(['', '3', '', '4'])
  })
})

test('turns expire after their TTL', async () => {
  const clock = fakeClock(Date.UTC(2025, 0, 1))
  const store = await storeFixture('sqlite').open({ clock })
  const conversations = createConversations({ store, clock, mode: 'server', turnTtlMs: 30 * 86_400_000 })
  await conversations.linkMessages('c', ['1'], turn(1))
  await clock.advance(30 * 86_400_000 - 1)
  expect((await conversations.resolve('c', '1')).previousResponseId).toBe('resp_1')
  await clock.advance(1)
  expect(await conversations.resolve('c', '1')).toEqual({ mode: 'server', history: [] })
  expect(await conversations.turnForMessage('c', '1')).toBeUndefined()
})
