import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  allLogLines,
  answerBy,
  type E2eStack,
  finishedAnswers,
  startE2e,
  telegramPlatform,
} from '../e2e/harness.ts'
import type { FakeTelegram, TgMessage, TgUpdate } from '../fakes/fake-telegram.ts'
import { hasRealTraffic, listFiles, readRecording } from './real-traffic.ts'

/**
 * Every recorded Telegram update (and bare message, wrapped as the update it came in) replayed
 * through the real Herald and telegraf: nothing crashes, and only what addressed the bot is
 * answered. Then a few recordings with their text changed to mention the bot, for where the
 * answer goes (forum topics) and who is speaking (anonymous admins, channels).
 */
type Json = Record<string, unknown>

/** Group answers are paced at one edit every 3 s; a busy machine needs room beyond that. */
const WAIT_MS = 15_000

/** The chats whose recorded messages address the bot: private chats with a prompt (text or a captioned photo). */
const ADDRESSED = new Set([27433968, 1459074222, 408258968])

function recordedUpdates(): { name: string; update: Omit<TgUpdate, 'update_id'> }[] {
  return listFiles('telegram')
    .filter((name) => name.endsWith('.json'))
    .map((name) => {
      const data = JSON.parse(readRecording('telegram', name)) as Json
      if (name.startsWith('update-')) {
        const { update_id: _id, ...update } = data
        return { name, update }
      }
      const isChannelPost = (data.chat as Json | undefined)?.type === 'channel'
      return { name, update: { [isChannelPost ? 'channel_post' : 'message']: data } }
    })
}

function messageOf(update: Json): TgMessage | undefined {
  for (const key of ['message', 'edited_message', 'channel_post']) {
    if (update[key]) return update[key] as TgMessage
  }
  const query = update.callback_query as Json | undefined
  return query?.message as TgMessage | undefined
}

/** The recording's message with its text replaced by a mention of the bot (entities to match). */
function mentioning(name: string, text: string, key = 'message'): Omit<TgUpdate, 'update_id'> {
  const recorded = recordedUpdates().find((r) => r.name === name)!.update
  const message = (recorded.message ?? recorded.channel_post) as Json
  return {
    [key]: {
      ...message,
      text: `@HeraldBot ${text}`,
      entities: [{ type: 'mention', offset: 0, length: 10 }],
    },
  }
}

describe.skipIf(!hasRealTraffic)('recorded Telegram updates through the adapter', () => {
  let e2e: E2eStack<FakeTelegram>
  const sentTo = (chat: number) =>
    e2e.platform.calls.filter((c) => c.method === 'sendMessage' && Number(c.body.chat_id) === chat)

  beforeAll(async () => {
    // The bot's id as its token says: the fake's default (123456) is also the recordings' anonymised user.
    e2e = await startE2e(telegramPlatform({ bot: { id: 7654321 } }))
    e2e.responses.route = answerBy(() => 'Understood.')
  })
  afterAll(() => e2e?.close())

  test('every update is taken without a crash, and only those addressing the bot are answered', async () => {
    const updates = recordedUpdates()
    expect(updates).toHaveLength(27)
    for (const { update } of updates) {
      const chat = messageOf(update as Json)?.chat
      if (chat && chat.id !== 0) e2e.platform.state.addChat(chat)
      e2e.platform.injectUpdate(update)
    }
    await e2e.platform.waitFor(
      () => finishedAnswers(e2e).length >= 2 && e2e.platform.pendingUpdates.length === 0,
      WAIT_MS,
    )
    await e2e.platform.waitFor(() => [...ADDRESSED].every((chat) => sentTo(chat).length > 0), WAIT_MS)

    const answered = new Set(
      e2e.platform.calls.filter((c) => c.method === 'sendMessage').map((c) => Number(c.body.chat_id)),
    )
    expect([...answered].sort()).toEqual([...ADDRESSED].sort())
    const errors = allLogLines(e2e).filter((line) => (JSON.parse(line) as { level: number }).level >= 50)
    expect(errors).toEqual([])
  })

  test('a mention inside a forum topic is answered in that topic', async () => {
    const update = mentioning('update-forum-topic-message-reply-to-topic-root.json', 'what is new here?')
    const chat = (update.message as TgMessage).chat
    e2e.platform.injectUpdate(update)
    const reply = await e2e.platform.waitFor(() => sentTo(chat.id)[0], WAIT_MS)
    expect(reply.body.message_thread_id).toBe(33)
  })

  test('a mention in the General topic is answered there, without a thread id', async () => {
    const update = mentioning(
      'update-forum-general-topic-reply-has-thread-id-without-is-topic.json',
      'hello?',
    )
    const message = update.message as TgMessage
    // Same chat as the topic test: wait for this answer's own reply.
    e2e.platform.injectUpdate(update)
    const repliesTo = (c: { body: Json }) => {
      const target = c.body.reply_parameters
      const parsed = (typeof target === 'string' ? JSON.parse(target) : target) as Json | undefined
      return parsed?.message_id === message.message_id
    }
    const reply = await e2e.platform.waitFor(() => sentTo(message.chat.id).find(repliesTo), WAIT_MS)
    expect(reply.body.message_thread_id).toBeUndefined()
  })

  test('an anonymous admin is answered as the group, without admin rights', async () => {
    const update = mentioning('message-anonymous-admin-forward-sender-chat.json', 'summarise this')
    const chat = (update.message as TgMessage).chat
    e2e.platform.injectUpdate(update)
    const finished = await e2e.platform.waitFor(
      () => finishedAnswers(e2e).find((a) => a.chat === `telegram:${chat.id}`),
      WAIT_MS,
    )
    expect(finished).toMatchObject({ user: `telegram:${chat.id}`, status: 'completed' })
    expect(sentTo(chat.id)).toHaveLength(1)
  })

  test('a channel post is never answered, even one naming the bot', async () => {
    const update = mentioning('message-channel-post-giveaway-no-from.json', 'hello', 'channel_post')
    const chat = (update.channel_post as TgMessage).chat
    e2e.platform.state.addChat(chat)
    e2e.platform.injectUpdate(update)
    // Updates are taken in order: once what comes after it is answered, the post was passed over.
    const asked = e2e.platform.userSays({
      chat: { id: 77, type: 'private', first_name: 'Ada' },
      text: 'still there?',
    })
    await e2e.platform.waitFor(() => sentTo(asked.message!.chat.id).length > 0, WAIT_MS)
    expect(sentTo(chat.id)).toEqual([])
  })
})
