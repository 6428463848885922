import { afterEach, describe, expect, test } from 'vitest'
import { apiError, rateLimited, serverError, sse } from '../fakes/fake-responses-api.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  allLogLines,
  answerBy,
  askAndWait,
  CHAT,
  chatCalls,
  E2E_OPENAI_KEY,
  type E2eStack,
  expectCleanTelegram,
  expectNoLeaks,
  finishedAnswers,
  startE2e,
  telegramOutgoingTexts,
  telegramPlatform,
  textEvents,
} from './harness.ts'

/** What goes wrong, end to end: deleted messages, upstream errors, and secrets that must never show. */

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

describe('Telegram failures, end to end', () => {
  test('deleting the answer mid-stream aborts the upstream stream, and the bot serves the next message', async () => {
    e2e = await startE2e(telegramPlatform(), { tap: true })
    const { platform: tg, responses, tap } = e2e
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')
    responses.enqueue(sse(textEvents(long, 'resp_long', 60), { delayMs: 60 }))
    tg.userSays({ chat: CHAT, from: ADA, text: 'talk for a while' })
    const message = await tg.waitFor(() => {
      const m = tg.botMessages(CHAT)[0]
      return m?.text?.startsWith('word0') && m
    }, 10_000)
    const deletedAt = tg.calls.length
    tg.deleteMessage(CHAT, message.message_id)
    await tg.waitFor(() => finishedAnswers(e2e!).length === 1, 10_000)

    // One edit finds the message gone; nothing more is sent for that answer.
    const after = tg.calls
      .slice(deletedAt)
      .filter((c) => ['sendMessage', 'editMessageText'].includes(c.method))
    expect(after.map((c) => [c.method, c.status, c.error])).toEqual([
      ['editMessageText', 400, 'Bad Request: message to edit not found'],
    ])
    expect(finishedAnswers(e2e)[0]).toMatchObject({
      status: 'incomplete',
      reason: 'aborted',
      outcome: 'gone',
    })
    // Herald closed the upstream stream before its end.
    await tg.waitFor(() => tap?.exchanges[0]?.outcome !== 'open')
    expect(tap?.exchanges.map((x) => x.outcome)).toEqual(['closed'])

    responses.route = answerBy(() => 'Still here.')
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'are you there?' })
    expect(answer.text).toBe('Still here.')
    // The refused edit is the only one: Telegram answered it 400 because the person deleted the message.
    expect(tg.calls.filter((c) => c.status >= 400 && c.method !== 'getUpdates')).toHaveLength(1)
    expect(tg.violations).toEqual([])
    expectNoLeaks(e2e, telegramOutgoingTexts(tg))
  })

  test('an upstream 500 before the first byte is retried, then ends in one clear line', async () => {
    e2e = await startE2e(telegramPlatform())
    const { platform: tg, responses } = e2e
    responses.enqueue(serverError(500), serverError(500), serverError(500))
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'hello?' })

    expect(responses.requests).toHaveLength(3)
    expect([answer.text, answer.reply_markup]).toEqual([
      'The answer failed: The AI service had an internal error. Please try again.',
      undefined,
    ])
    expect(tg.botMessages(CHAT)).toHaveLength(1)
    expectCleanTelegram(e2e)
  })

  test('an upstream 429 is retried after its retry-after; a retry that succeeds streams the answer', async () => {
    e2e = await startE2e(telegramPlatform())
    const { responses } = e2e
    responses.enqueue(
      rateLimited({ retryAfterMs: '20' }),
      rateLimited({ retryAfterMs: '20' }),
      rateLimited({ retryAfterMs: '20' }),
    )
    const failed = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'first try' })
    expect(failed.answer.text).toBe(
      'The answer failed: The AI service is busy right now. Please try again in a minute.',
    )
    responses.enqueue(rateLimited({ retryAfterMs: '20' }), sse(textEvents('Got through.', 'resp_ok')))
    const ok = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'second try' })

    expect(ok.answer.text).toBe('Got through.')
    expect(responses.requests).toHaveLength(5)
    expectCleanTelegram(e2e)
  })

  test('secrets never reach a chat or a log, even when the upstream error repeats the key', async () => {
    e2e = await startE2e(telegramPlatform())
    const { platform: tg, responses } = e2e
    responses.enqueue(
      apiError(401, {
        message: `Incorrect API key provided: ${E2E_OPENAI_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
    )
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'hi' })

    expect(answer.text).toBe(
      'The answer failed: The AI service rejected the bot’s credentials. Please tell the bot’s operator to check OPENAI_API_KEY.',
    )
    expect(responses.requests).toHaveLength(1)
    const calls = chatCalls(tg, CHAT.id)
    expect(calls.every((c) => !String(c.body.text).includes('Incorrect API key'))).toBe(true)
    // The operator's log tells what happened, with the key scrubbed.
    expect(allLogLines(e2e).some((line) => line.includes('Incorrect API key provided: [redacted]'))).toBe(
      true,
    )
    expect(e2e.secrets).toEqual(expect.arrayContaining([E2E_OPENAI_KEY, tg.token]))
    expectCleanTelegram(e2e)
  })
})
