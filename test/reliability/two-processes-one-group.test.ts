import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, inject, test } from 'vitest'
import { createStore } from '../../src/core/store/open-store.ts'
import { chatCalls, freePort } from '../e2e/harness.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { TgChat, TgUser } from '../fakes/fake-telegram.ts'
import { type HeraldNode, type Stack, startStack, telegramTexts } from './stack.ts'

/**
 * Two Herald processes on one Redis behind a round-robin balancer (Telegram in webhook mode), four
 * people asking at once in one group: the updates are spread over both processes, and together
 * they stay within the group's limit (the fake Telegram answers 429 past 1 call a second in a chat).
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

describe('two processes answering in one group', () => {
  let stack: Stack | undefined
  let balancer: Server | undefined
  afterEach(async () => {
    await stack?.close()
    await new Promise((resolve) => (balancer ? balancer.close(resolve) : resolve(undefined)))
    stack = undefined
    balancer = undefined
  })

  test('four people asking at once: no 429, every answer in full, updates handled by both', async () => {
    const prefix = `herald-test-${randomUUID()}:`
    const port = await freePort()
    const webhook = `http://127.0.0.1:${port}/telegram/hook`
    stack = await startStack({
      store: () => createStore(inject('redisUrl'), { prefix }),
      env: { STORE_URL: inject('redisUrl'), TELEGRAM_WEBHOOK_URL: webhook, LOG_LEVEL: 'info' },
    })
    const running = stack
    balancer = await roundRobin(() => running.nodes, port)
    await stack.startNode({ TELEGRAM_WEBHOOK_URL: webhook })
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
})
