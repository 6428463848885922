import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, inject, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import type { Services } from '../../src/app/services.ts'
import { createServices } from '../../src/app/services.ts'
import { commands } from '../../src/commands/index.ts'
import type { ButtonPress, ChatRef, Herald, Invocation, UserRef } from '../../src/core/contracts/chat.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { createStore } from '../../src/core/store/open-store.ts'
import { type FakeResponsesApi, sse, startFakeResponsesApi } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import { captureLogs, type LogCapture, startUpstreamTap, type UpstreamTap } from '../helpers/bot-stack.ts'
import { type FakeSurface, fakeSurface } from '../helpers/fake-surface.ts'
import { until } from '../helpers/until.ts'

/**
 * Scale-out: two Herald processes (two sets of services and dispatchers, each with its own store
 * connection) on one store. The answer streams in process A; the Stop press or /cancel reaches B
 * (as a Telegram webhook behind a load balancer delivers it), and A's answer stops.
 */
const t = translator('en')
const chat: ChatRef = { platform: 'telegram', id: '-1001', kind: 'group', key: 'telegram:-1001' }
const bob: UserRef = { platform: 'telegram', id: '7', name: 'Bob', isAdmin: false }
const carol: UserRef = { platform: 'telegram', id: '8', name: 'Carol', isAdmin: false }
const admin: UserRef = { platform: 'telegram', id: '9', name: 'Ada', isAdmin: true }

interface Node {
  services: Services
  herald: Herald
  logs: LogCapture
}

let api: FakeResponsesApi
let tap: UpstreamTap
let dir: string
let nodes: Node[] = []
let events = 0

beforeEach(async () => {
  api = await startFakeResponsesApi()
  tap = await startUpstreamTap(api.url)
  dir = mkdtempSync(join(tmpdir(), 'herald-cross-stop-'))
  nodes = []
})

afterEach(async () => {
  for (const node of nodes) {
    for (const answer of node.services.answers.all()) answer.controller.abort()
    await Promise.allSettled(node.services.answers.all().map((a) => a.done))
    await node.services.client.close()
    await node.services.media.close()
    await node.services.store.close()
  }
  await tap.close()
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

type Backend = 'redis' | 'sqlite'

/** Two processes on one store: Redis under this test's own key prefix, or one SQLite file. */
async function twoProcesses(backend: Backend): Promise<[Node, Node]> {
  const storeUrl = backend === 'redis' ? inject('redisUrl') : `sqlite:${join(dir, 'herald.sqlite')}`
  const config = await loadConfig({
    OPENAI_API_KEY: 'sk-cross-stop-0123456789',
    OPENAI_BASE_URL: tap.url,
    STORE_URL: storeUrl,
    LOG_LEVEL: 'debug',
  })
  const prefix = `herald-test-${randomUUID()}:`
  const start = async (): Promise<Node> => {
    const logs = captureLogs()
    const log = createLogger({ level: 'debug', secrets: [], destination: { write: logs.write } })
    const store = await createStore(storeUrl, { prefix })
    const services = await createServices(config, { log, store })
    const node = { services, herald: createHerald(services, commands), logs }
    nodes.push(node)
    return node
  }
  return [await start(), await start()]
}

/** Bob asks in process A; the answer streams "Counting: one, two", then the model goes silent. */
async function askInA(a: Node) {
  const events = new Transcript({ id: 'resp_counting' })
    .start()
    .message(['Counting: one', ', two', ', three'])
    .completed().events
  api.enqueue(sse(events, { stallAfter: 6 }))
  const surface = fakeSurface({ chatKey: chat.key, pace: { perMessageMs: 100, perChatMs: 100 } })
  const notices: string[] = []
  const finished = a.herald.handle(invocation('ask', bob, surface, notices, { prompt: 'count slowly' }))
  const message = await waitFor(() =>
    surface.messages.find((m) => m.text.startsWith('Counting: one, two') && m.buttons.length > 0),
  )
  const stop = message.buttons[0]!.data
  expect(stop).toMatch(/^stop:/)
  return { surface, finished, message, stop, id: stop.slice('stop:'.length), notices }
}

function invocation(
  command: string,
  user: UserRef,
  surface: FakeSurface,
  notices: string[],
  args: Record<string, string> = {},
): Invocation {
  return {
    eventId: `telegram:update:${++events}`,
    command,
    args,
    user,
    chat,
    images: [],
    surface,
    notify: async (text) => {
      notices.push(text)
      return undefined
    },
  }
}

/** A press of `data` on `message` by `user`; resolves with what the presser was told. */
async function press(node: Node, user: UserRef, data: string, surface: FakeSurface): Promise<string[]> {
  const told: string[] = []
  const event: ButtonPress = {
    eventId: `telegram:update:${++events}`,
    data,
    user,
    chat,
    message: surface.messages[0]!.ref,
    surface,
    answer: async (text) => {
      if (text) told.push(text)
    },
    notify: async () => undefined,
  }
  await node.herald.press(event)
  return told
}

/** How each upstream exchange ended, once none is open any more. */
function upstreamOutcomes(): Promise<string[]> {
  const outcomes = () => tap.exchanges.map((x) => x.outcome)
  return waitFor(() => !outcomes().includes('open') && outcomes())
}

function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  return until(probe, 'the condition', timeoutMs)
}

describe.each(['redis', 'sqlite'] as const)('Stop and /cancel across processes (%s)', (backend) => {
  test('a Stop press handled by another process stops the answer: text kept, "Stopped." added', async () => {
    const [a, b] = await twoProcesses(backend)
    const asked = await askInA(a)
    expect(await b.services.answers.find(asked.id)).toMatchObject({
      id: asked.id,
      userKey: 'telegram:7',
      chat: { key: chat.key },
      owner: a.services.processId,
    })

    expect(await press(b, bob, asked.stop, asked.surface)).toEqual([t('ask.stopped')])
    await asked.finished
    expect(asked.surface.texts()).toEqual([`Counting: one, two\n\n<i>${t('reason.aborted')}</i>`])
    expect(asked.message.buttons).toEqual([])
    expect(await upstreamOutcomes()).toEqual(['closed'])
    expect(a.services.answers.all()).toEqual([])
    expect(a.logs.find('stop requested from another process')).toMatchObject([{ by: 'telegram:7' }])
    expect(await b.services.answers.find(asked.id)).toBeUndefined()
    expect(await b.services.answers.ofUser('telegram:7')).toEqual([])
  })

  test('another process refuses someone else’s press, and lets an admin stop the answer', async () => {
    const [a, b] = await twoProcesses(backend)
    const asked = await askInA(a)

    expect(await press(b, carol, asked.stop, asked.surface)).toEqual([t('button.not_yours')])
    expect(await b.services.answers.stopRequestOf(asked.id)).toBeUndefined()
    expect(a.services.answers.all().map((x) => x.id)).toEqual([asked.id])

    expect(await press(b, admin, asked.stop, asked.surface)).toEqual([t('ask.stopped')])
    await asked.finished
    expect(asked.surface.texts()).toEqual([`Counting: one, two\n\n<i>${t('reason.aborted')}</i>`])
    expect(a.logs.find('stop requested from another process')).toMatchObject([{ by: 'telegram:9' }])
  })

  test('/cancel in another process stops the caller’s answer there', async () => {
    const [a, b] = await twoProcesses(backend)
    const asked = await askInA(a)
    const notices: string[] = []

    await b.herald.handle(invocation('cancel', carol, asked.surface, notices))
    expect(notices).toEqual([t('cancel.none')])
    await b.herald.handle(invocation('cancel', bob, asked.surface, notices))
    expect(notices).toEqual([t('cancel.none'), t('cancel.done')])
    await asked.finished
    expect(asked.surface.texts()).toEqual([`Counting: one, two\n\n<i>${t('reason.aborted')}</i>`])
    expect(await upstreamOutcomes()).toEqual(['closed'])
  })

  test('a Stop press after the answer finished is stale in every process', async () => {
    const [a, b] = await twoProcesses(backend)
    const asked = await askInA(a)
    expect(await press(a, bob, asked.stop, asked.surface)).toEqual([t('ask.stopped')])
    await asked.finished

    expect(await press(b, bob, asked.stop, asked.surface)).toEqual([t('button.stale')])
    expect(await press(a, bob, asked.stop, asked.surface)).toEqual([t('button.stale')])
  })
})
