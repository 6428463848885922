import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest'
import { type AnswerRecords, createAnswerRecords } from '../../src/core/answers/answer-records.ts'
import { isAlive, startHeartbeat } from '../../src/core/answers/heartbeat.ts'
import { finaliseInterrupted } from '../../src/core/answers/interrupted.ts'
import type { Adapter, ChatRef, Platform } from '../../src/core/contracts/chat.ts'
import { silentLogger } from '../../src/core/contracts/log.ts'
import type { MessageRef, Rendered, Surface } from '../../src/core/contracts/surface.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { createStore } from '../../src/core/store/open-store.ts'
import type { Store } from '../../src/core/store/store.ts'
import { chatCalls } from '../e2e/harness.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { freePort } from '../helpers/bot-stack.ts'
import { type FakeClock, fakeClock } from '../helpers/fake-clock.ts'
import { type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * Crash safety: every answer in progress is recorded with the process streaming it, each process
 * keeps a heartbeat in the store, and only answers of processes whose heartbeat lapsed are finalised
 * as interrupted, once, by whichever process gets to them first.
 */
const t = translator('en')
const LINE = t('ask.interrupted')
const TTL_MS = 3000
const chat: ChatRef = { platform: 'telegram', id: '900', kind: 'private', key: 'telegram:900' }

/** A Telegram-shaped adapter whose surface records every edit. */
function recordingAdapter(): { adapter: Adapter; edits: Array<{ ref: MessageRef; content: Rendered }> } {
  const edits: Array<{ ref: MessageRef; content: Rendered }> = []
  let next = 1
  const surface: Surface = {
    chatKey: chat.key,
    limit: 4096,
    pace: { perMessageMs: 1000, perChatMs: 1000 },
    format: 'telegram-html',
    send: async () => ({ id: String(next++), chatId: chat.id }),
    edit: async (ref, content) => void edits.push({ ref, content }),
  }
  const adapter: Adapter = {
    platform: 'telegram',
    start: async () => {},
    stop: async () => {},
    healthy: () => true,
    surfaceFor: () => surface,
  }
  return { adapter, edits }
}

describe('heartbeats and finalising', () => {
  let clock: FakeClock
  let store: Store

  beforeEach(async () => {
    clock = fakeClock(1_000_000)
    store = await createStore('sqlite::memory:', { clock })
  })
  afterEach(async () => {
    await store.close()
  })

  test('a heartbeat holds while it is renewed and ends with stop', async () => {
    const heartbeat = await startHeartbeat(store, {
      processId: 'p1',
      ttlMs: TTL_MS,
      clock,
      log: silentLogger,
    })
    await clock.advance(10 * TTL_MS)
    expect(await isAlive(store, 'p1')).toBe(true)
    await heartbeat.stop()
    expect(await isAlive(store, 'p1')).toBe(false)
  })

  test('a process that stops renewing (it crashed) is gone once the ttl has passed', async () => {
    // Its own timers never fire again: its clock is frozen while the store's time goes on.
    await startHeartbeat(store, { processId: 'p2', ttlMs: TTL_MS, clock: fakeClock(), log: silentLogger })
    await clock.advance(TTL_MS - 1)
    expect(await isAlive(store, 'p2')).toBe(true)
    await clock.advance(1)
    expect(await isAlive(store, 'p2')).toBe(false)
  })

  /** An answer of `owner` showing one message with a cursor and a Stop button, recorded in the store. */
  async function recordAnswer(owner: string): Promise<string> {
    const id = randomUUID()
    const content: Rendered = {
      text: `Answer of ${owner} ▍`,
      format: 'telegram-html',
      buttons: [{ label: 'Stop', data: `stop:${id}` }],
    }
    const records = recordsOf(owner)
    const started = await records.start({ id, userKey: `telegram:${id}`, chat })
    if (!started.ok) throw new Error('expected to start')
    const surface = recordingAdapter().adapter.surfaceFor(chat)
    await started.answer.wrap({ ...surface, send: async () => ({ id, chatId: chat.id }) }).send(content)
    await until(async () => (await records.find(id))?.messages.length === 1, 'the record')
    return id
  }

  function recordsOf(processId: string): AnswerRecords {
    return createAnswerRecords({ store, clock, log: silentLogger, processId })
  }

  const ending = (owner: string) => `Answer of ${owner}\n\n<i>${LINE}</i>`

  test('only answers of processes that are gone are finalised, each once', async () => {
    await startHeartbeat(store, { processId: 'me', ttlMs: TTL_MS, clock, log: silentLogger })
    await startHeartbeat(store, { processId: 'live', ttlMs: TTL_MS, clock, log: silentLogger })
    await startHeartbeat(store, {
      processId: 'crashed',
      ttlMs: TTL_MS,
      clock: fakeClock(),
      log: silentLogger,
    })
    const mine = await recordAnswer('me')
    const live = await recordAnswer('live')
    const crashed = await recordAnswer('crashed')
    await clock.advance(TTL_MS)

    const a = recordingAdapter()
    const b = recordingAdapter()
    const adaptersOf = (adapter: Adapter) => new Map<Platform, Adapter>([['telegram', adapter]])
    // Two processes sweep at the same moment.
    const counts = await Promise.all([
      finaliseInterrupted(store, recordsOf('me'), adaptersOf(a.adapter), {
        processId: 'me',
        line: () => LINE,
        log: silentLogger,
      }),
      finaliseInterrupted(store, recordsOf('other'), adaptersOf(b.adapter), {
        processId: 'other',
        line: () => LINE,
        log: silentLogger,
      }),
    ])
    const edits = [...a.edits, ...b.edits].map((e) => [e.ref.id, e.content.text, e.content.buttons])
    expect(edits).toEqual([[crashed, ending('crashed'), []]])
    expect(counts[0] + counts[1]).toBe(1)
    expect((await recordsOf('other').everywhere()).map((r) => r.id).sort()).toEqual([mine, live].sort())
  })
})

async function webhookEnv(): Promise<{ HTTP_PORT: string; TELEGRAM_WEBHOOK_URL: string }> {
  const port = await freePort()
  return { HTTP_PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/hook` }
}

describe('a second process on one Redis', () => {
  let stack: Stack | undefined
  afterEach(async () => {
    await stack?.close()
    stack = undefined
  })

  test('leaves the answer another live process is streaming alone, at start-up and after', async () => {
    const prefix = `herald-test-${randomUUID()}:`
    stack = await startStack({
      store: () => createStore(inject('redisUrl'), { prefix }),
      env: { STORE_URL: inject('redisUrl'), PROCESS_HEARTBEAT_MS: '1000', ...(await webhookEnv()) },
    })
    const fake = stack.telegram!
    const answer = 'A slow answer that outlives a second process starting and sweeping twice.'
    stack.responses.enqueue(sse(textAnswer(answer, 25), { delayMs: 200 }))
    fake.userSays({ chat: { id: 901, type: 'private' }, text: 'take your time' })
    await until(() => chatCalls(fake, 901).some((c) => c.status === 200), 'the first message')

    // Both processes in webhook mode, as replicas behind a load balancer are.
    const second = await stack.startNode(await webhookEnv())
    expect(second.logs.find('herald started')).toHaveLength(1)
    await stack.answersFinished(1)
    expect(telegramTexts(fake, 901)).toEqual([answer])
    const touched = chatCalls(fake, 901).filter((c) => String(c.body.text ?? '').includes(LINE))
    expect(touched).toEqual([])
  })
})
