import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { Env } from '../../src/app/config.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { chatCalls } from '../e2e/harness.ts'
import { type FakeResponsesApi, sse, startFakeResponsesApi } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { type FakeTelegram, startFakeTelegram } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import { type HeraldChild, spawnHerald } from './child.ts'
import { type HeraldNode, KEY, startNodeFromEnv, TELEGRAM_TOKEN, telegramTexts, until } from './stack.ts'

/**
 * Stopping and crashing, with Herald in a child process as `npm start` runs it. SIGTERM stops
 * polling, lets the running answer finish within SHUTDOWN_GRACE_MS (or finalises it as interrupted
 * past it), flushes and exits 0. After a crash (SIGKILL) the next process finalises the answer left
 * mid-stream once the dead one's heartbeat has lapsed.
 */
const t = translator('en')
const LINE = t('ask.interrupted')
const CHAT = 1001
const ANSWER = 'Counting slowly: one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve.'

let dir: string
let telegram: FakeTelegram
let responses: FakeResponsesApi
let child: HeraldChild | undefined
let node: HeraldNode | undefined

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-shutdown-'))
  telegram = await startFakeTelegram({ token: TELEGRAM_TOKEN })
  responses = await startFakeResponsesApi()
})

afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null)
    child.process.kill('SIGKILL')
  await child?.exited
  await node?.stop()
  child = undefined
  node = undefined
  await telegram.close()
  await responses.close()
  rmSync(dir, { recursive: true, force: true })
})

async function env(more: Env = {}): Promise<Env> {
  return {
    OPENAI_API_KEY: KEY,
    OPENAI_BASE_URL: responses.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
    HTTP_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    ...more,
  }
}

/** Starts the child, asks once and resolves when the answer's first message is shown. */
async function startAndAsk(vars: Env, deltas: number, delayMs: number): Promise<HeraldChild> {
  const started = spawnHerald(await env(vars))
  child = started
  await started.waitForLine((line) => line === 'herald: telegram ready', 'the ready line')
  responses.enqueue(sse(textAnswer(ANSWER, deltas), { delayMs }))
  telegram.userSays({ chat: { id: CHAT, type: 'private' }, text: 'count slowly' })
  await until(() => telegram.botMessages(CHAT).some((m) => m.text?.startsWith('Counting')), 'the first text')
  return started
}

describe('SIGTERM', () => {
  test('stops polling, lets the running answer finish, and exits 0', async () => {
    const herald = await startAndAsk({ SHUTDOWN_GRACE_MS: '15000' }, 12, 150)
    herald.process.kill('SIGTERM')
    await herald.waitForLog('stopping: no new work; letting running answers finish')
    const late = telegram.userSays({ chat: { id: CHAT, type: 'private' }, text: 'one more?' })

    expect(await herald.exited).toBe(0)
    expect(telegramTexts(telegram, CHAT)).toEqual([ANSWER])
    expect(telegram.botMessages(CHAT)[0]!.reply_markup).toBeUndefined()
    // The message that came after the signal waits for the next process.
    expect(responses.requests).toHaveLength(1)
    expect(telegram.pendingUpdates.map((u) => u.update_id)).toEqual([late.update_id])
    const messages = herald.logs().map((line) => line.msg)
    expect(messages).toContain('answer finished')
    expect(messages.at(-1)).toBe('stopped')
    expect(herald.stderr.filter((line) => line !== '')).toEqual([])
  })

  test('past SHUTDOWN_GRACE_MS the answer is finalised as interrupted, and the exit is still 0', async () => {
    const herald = await startAndAsk({ SHUTDOWN_GRACE_MS: '300' }, 40, 200)
    herald.process.kill('SIGTERM')
    expect(await herald.exited).toBe(0)

    const [shown] = telegramTexts(telegram, CHAT)
    expect(shown!.endsWith(`\n\n${LINE}`)).toBe(true)
    const partial = shown!.slice(0, -`\n\n${LINE}`.length)
    expect(partial.length).toBeGreaterThan(0)
    expect(ANSWER.startsWith(partial)).toBe(true)
    expect(telegram.botMessages(CHAT)[0]!.reply_markup).toBeUndefined()
    const finished = herald.logs().find((line) => line.msg === 'answer finished')
    expect(finished).toMatchObject({ status: 'incomplete', reason: 'interrupted' })
  })
})

describe('a crash', () => {
  test('the next process finalises the answer left mid-stream once the heartbeat lapsed', async () => {
    const vars = { PROCESS_HEARTBEAT_MS: '1000' }
    const herald = await startAndAsk(vars, 40, 200)
    // Let the record of the message in progress reach the store (it is written at most every 2 s).
    await until(() => chatCalls(telegram, CHAT).filter((c) => c.status === 200).length >= 3, 'a few edits')
    herald.process.kill('SIGKILL')
    expect(await herald.exited).toBe(null)
    const before = telegramTexts(telegram, CHAT)[0]!
    expect(before.endsWith(LINE)).toBe(false)

    node = await startNodeFromEnv(await env(vars))
    const [shown] = await until(() => {
      const texts = telegramTexts(telegram, CHAT)
      return texts[0]?.endsWith(`\n\n${LINE}`) && texts
    }, 'the interrupted line')
    const partial = shown!.slice(0, -`\n\n${LINE}`.length)
    expect(ANSWER.startsWith(partial)).toBe(true)
    expect(partial).not.toContain('▍')
    expect(telegram.botMessages(CHAT)[0]!.reply_markup).toBeUndefined()
    expect(telegramTexts(telegram, CHAT)).toHaveLength(1)
  })
})
