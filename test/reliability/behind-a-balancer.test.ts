import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, inject, test } from 'vitest'
import { createStore } from '../../src/core/store/open-store.ts'
import { chatCalls } from '../e2e/harness.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { TgChat, TgUser } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import {
  type HeraldNode,
  httpGet,
  type Stack,
  startStack,
  telegramTexts,
  until,
  WEBHOOK_SECRET,
} from './stack.ts'

/**
 * Two Herald processes on one Redis behind a round-robin balancer, Telegram in webhook mode: the
 * deployment of README "Scale out". Four people asking at once in one group are spread over both
 * processes, which together stay within the group's limit (the fake Telegram answers 429 past 1
 * call a second in a chat); a rolling restart drops no answer.
 */
const group: TgChat = { id: -1007, type: 'supergroup', title: 'Busy group' }
const people: TgUser[] = [1, 2, 3, 4].map((id) => ({ id: 700 + id, is_bot: false, first_name: `P${id}` }))

/** Forwards each request to the next node in turn, as a load balancer does. */
async function roundRobin(nodes: () => readonly HeraldNode[], port: number): Promise<Server> {
  let next = 0
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const all = nodes()
    const node = all[next++ % all.length]!
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => k.startsWith('x-') || k === 'content-type'),
    ) as Record<string, string>
    const answer = await fetch(`${node.url}${req.url}`, {
      method: req.method ?? 'POST',
      headers,
      body: Buffer.concat(chunks),
    })
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' })
    res.end(Buffer.from(await answer.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return server
}

describe('two processes behind a balancer', () => {
  let stack: Stack | undefined
  let balancer: Server | undefined
  afterEach(async () => {
    await stack?.close()
    await new Promise((resolve) => (balancer ? balancer.close(resolve) : resolve(undefined)))
    stack = undefined
    balancer = undefined
  })

  /** Both processes in webhook mode on one Redis, the balancer in front. */
  async function twoBehindBalancer(env: Record<string, string> = {}): Promise<Stack> {
    const prefix = `herald-test-${randomUUID()}:`
    const port = await freePort()
    const webhook = `http://127.0.0.1:${port}/telegram/hook`
    const started = await startStack({
      store: () => createStore(inject('redisUrl'), { prefix }),
      env: { STORE_URL: inject('redisUrl'), TELEGRAM_WEBHOOK_URL: webhook, LOG_LEVEL: 'info', ...env },
    })
    stack = started
    balancer = await roundRobin(() => started.nodes, port)
    await started.startNode({ TELEGRAM_WEBHOOK_URL: webhook })
    return started
  }

  test('four people asking at once in one group: no 429, every answer in full, both processes answer', async () => {
    const stack = await twoBehindBalancer()
    const fake = stack.telegram!
    const answers = people.map((p) => `${p.first_name}, here is your answer in full.`)
    stack.responses.route = (req) => {
      const asked = JSON.stringify(req.body)
      const i = people.findIndex((p) => asked.includes(`question from ${p.first_name}`))
      return sse(textAnswer(answers[i] ?? 'unknown', 2))
    }
    for (const person of people) {
      fake.userSays({ chat: group, from: person, text: `/ask question from ${person.first_name}` })
    }
    await stack.answersFinished(4, 30_000)

    expect(telegramTexts(fake, group.id).sort()).toEqual([...answers].sort())
    expect(chatCalls(fake, group.id).filter((c) => c.status === 429)).toEqual([])
    expect(fake.violations).toEqual([])
    // The balancer spread the asks: both processes answered.
    expect(stack.nodes.map((node) => node.logs.find('answer finished').length)).toEqual([2, 2])
  })

  test('a rolling restart drops no answer: the draining process finishes its own, the other takes the new ones', async () => {
    const stack = await twoBehindBalancer({ SHUTDOWN_GRACE_MS: '10000' })
    const fake = stack.telegram!
    const [first, second] = stack.nodes
    const slow = 'A long answer that is still streaming when its process is told to stop.'
    stack.responses.enqueue(sse(textAnswer(slow, 12), { delayMs: 150 }))
    // The balancer's first delivery goes to the first process.
    fake.userSays({ chat: { id: 801, type: 'private' }, text: 'take your time' })
    await until(() => telegramTexts(fake, 801).length > 0, 'the slow answer under way')

    // SIGTERM to the first process (what a rolling restart does): it stops taking updates and drains.
    const draining = first!.stop()
    // A balancer's health check takes it out; a delivery that still reaches it is refused, and retried.
    await until(async () => (await httpGet(first!, '/healthz')).status === 503, 'the draining process red')
    stack.responses.enqueue(sse(textAnswer('Answered by the other process.', 2)))
    const update = fake.userSays({ chat: { id: 802, type: 'private' }, text: 'anyone there?' })
    const refused = await fake.deliverWebhook(`${first!.url}/telegram/hook`, update, WEBHOOK_SECRET)
    expect(refused.status).toBe(503)
    await stack.answersFinished(2, 20_000)
    await draining

    expect(telegramTexts(fake, 801)).toEqual([slow])
    expect(telegramTexts(fake, 802)).toEqual(['Answered by the other process.'])
    expect(first!.logs.find('answer finished')).toHaveLength(1)
    expect(second!.logs.find('answer finished')).toHaveLength(1)
    // The update the draining process refused was answered once, by the other.
    expect(stack.responses.requests).toHaveLength(2)
  })
})
