import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { apiError, sse } from '../fakes/fake-responses-api.ts'
import { errorEventAnswer, textAnswer } from '../fakes/fake-responses-transcripts.ts'
import {
  botMessages,
  type DiscordE2E,
  ephemerals,
  mention,
  messageWrites,
  OPENAI_KEY,
  startDiscordE2E,
} from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')
const ZWSP = '\u200b'
const noPings = { users: [], roles: [], everyone: false, repliedUser: false }

describe('mentions in model output', () => {
  test('ping nobody: every send and edit has allowed_mentions parse [] and the content is neutralised', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const role = fake.adminRole.id
    const user = fake.bob.id
    const output = `Hey @everyone and @here, ping <@&${role}>, <@${user}> and <@!${user}>.`
    const shown =
      `Hey @${ZWSP}everyone and @${ZWSP}here, ping <@${ZWSP}&${role}>, <@${ZWSP}${user}> ` +
      `and <@${ZWSP}!${user}>.`
    upstream.enqueue(sse(textAnswer(output, 4)), sse(textAnswer(output, 4)))
    const interaction = fake.slash({ name: 'ask', options: { prompt: 'mention everyone' } })
    await e2e.answersFinished(1)
    fake.userMessage({ content: mention(fake, 'mention everyone again'), author: fake.bob })
    await e2e.answersFinished(2)

    const answers = botMessages(fake)
    expect(answers.map((m) => m.content)).toEqual([shown, shown])
    expect(answers[0]!.id).toBe(interaction.originalId)
    for (const message of answers) {
      expect(message.pings).toEqual(noPings)
      for (const content of message.history) {
        expect(content).not.toMatch(/@(everyone|here)/)
        expect(content).not.toMatch(/<@[!&]?\d/)
      }
    }
    const withContent = messageWrites(fake).filter(
      (r) => typeof (r.body as { content?: unknown }).content === 'string',
    )
    // Both ways in: the interaction's webhook and ordinary channel messages.
    expect(withContent.some((r) => r.route.startsWith('/webhooks/'))).toBe(true)
    expect(withContent.some((r) => r.route.startsWith('/channels/'))).toBe(true)
    for (const request of withContent) {
      expect((request.body as { allowed_mentions?: unknown }).allowed_mentions).toEqual({
        parse: [],
        replied_user: false,
      })
    }
  })
})

describe('secrets', () => {
  test('the OpenAI key and the Discord token appear in no log line and no message', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(
      sse(textAnswer('A normal answer.', 2)),
      // A relay that echoes the key it was given in its error.
      apiError(401, {
        message: `Incorrect API key provided: ${OPENAI_KEY}. You can find your API key at https://platform.openai.com.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
      // A stream that fails midway, its error event echoing the key.
      sse(errorEventAnswer('Partial answer', 'server_error', `Upstream failed for key ${OPENAI_KEY}`)),
    )
    fake.userMessage({ content: mention(fake, 'hello') })
    await e2e.answersFinished(1)
    const failing = fake.slash({ name: 'ask', options: { prompt: 'this one fails' } })
    await e2e.answersFinished(2)
    const cut = fake.userMessage({ content: mention(fake, 'this one fails midway') })
    await e2e.answersFinished(3)
    fake.slash({ name: 'status', user: fake.alice })
    fake.slash({ name: 'model', options: { name: 'gpt-5' }, user: fake.bob })
    await fake.waitFor(() => ephemerals(fake).length === 2)
    await e2e.restart()

    // A failure is one clear line in the chat, without the upstream's words; partial text is kept.
    // Discord Markdown: the underscores of OPENAI_API_KEY go out escaped.
    expect(fake.message(failing.originalId!)!.content).toBe(
      `-# ${t('reason.failed', { message: t('errors.auth') }).replace(/_/g, '\\_')}`,
    )
    const partial = botMessages(fake).find((m) => m.reference?.message_id === cut.id)!
    expect(partial.content).toBe(
      `Partial answer\n\n-# ${t('reason.failed', { message: t('errors.server') })}`,
    )
    // The key did reach the logs' writer, inside the logged upstream errors, and was scrubbed.
    const failures = e2e.logs.filter((l) => l.msg === 'answer failed')
    expect(failures).toHaveLength(2)
    for (const line of failures) expect(JSON.stringify(line)).toContain('[redacted]')
    expect(upstream.requests.every((r) => r.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true)

    const everything = [
      ...e2e.rawLogs,
      ...e2e.said,
      ...[...fake.world.messages.values()].flatMap((m) => m.history),
      ...fake.requests.map((r) => JSON.stringify([r.path, r.query, r.body])),
    ].join('\n')
    for (const secret of [OPENAI_KEY, fake.token]) {
      expect(everything).not.toContain(secret)
      expect(everything).not.toContain(encodeURIComponent(secret))
    }
  })
})
