import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, inject, test } from 'vitest'
import { createStore } from '../../src/core/store/open-store.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { freePort } from '../helpers/bot-stack.ts'
import { type Stack, startStack, telegramTexts, until, WEBHOOK_SECRET } from './stack.ts'

/**
 * Each platform event is handled once, even when the platform delivers it again (a retried webhook)
 * or two processes sharing one Redis see it: the dispatcher claims the event id in the store first.
 */
const CHAT = 801
const HOOK_PATH = '/telegram/hook'
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

/** Every Herald of the test on the real Redis, under a key prefix of its own. */
function redisStores() {
  const prefix = `herald-test-${randomUUID()}:`
  return () => createStore(inject('redisUrl'), { prefix })
}

async function webhookEnv(): Promise<{ HTTP_PORT: string; TELEGRAM_WEBHOOK_URL: string }> {
  const port = await freePort()
  return { HTTP_PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}${HOOK_PATH}` }
}

describe('two processes sharing one Redis', () => {
  test('a Telegram update delivered to both, and retried, is answered once', async () => {
    stack = await startStack({
      store: redisStores(),
      env: { STORE_URL: inject('redisUrl'), ...(await webhookEnv()) },
    })
    const second = await stack.startNode(await webhookEnv())
    const fake = stack.telegram!
    const [first] = stack.nodes
    stack.responses.enqueue(sse(textAnswer('Only once.', 2)), sse(textAnswer('Never sent.', 2)))

    // Telegram posts to the webhook set last (the second process); a load balancer could pick either.
    const update = fake.userSays({ chat: { id: CHAT, type: 'private' }, text: 'hello' })
    await stack.answersFinished(1)
    const again = await fake.deliverWebhook(`${first!.url}${HOOK_PATH}`, update, WEBHOOK_SECRET)
    const retried = await fake.deliverWebhook(`${second.url}${HOOK_PATH}`, update, WEBHOOK_SECRET)
    expect([again.status, retried.status]).toEqual([200, 200])

    const event = `telegram:update:${update.update_id}`
    const skipped = () =>
      stack!.nodes.flatMap((node) => node.logs.find('event already handled')).filter((l) => l.event === event)
    await until(() => skipped().length === 2, 'both repeats to be recognised')
    expect(stack.responses.requests).toHaveLength(1)
    expect(telegramTexts(fake, CHAT)).toEqual(['Only once.'])
    expect(stack.finished()).toHaveLength(1)
  })

  test('a Discord message and a slash command seen by both are answered once', async () => {
    stack = await startStack({
      telegram: false,
      discord: {},
      store: redisStores(),
      env: { STORE_URL: inject('redisUrl') },
    })
    await stack.startNode()
    const fake = stack.discord!
    stack.responses.enqueue(
      sse(textAnswer('Mention answered once.', 2)),
      sse(textAnswer('Slash answered once.', 2)),
      sse(textAnswer('Never sent.', 2)),
    )
    const mention = fake.userMessage({ content: `<@${fake.bot.id}> hello` })
    await stack.answersFinished(1)
    const slash = fake.slash({ name: 'ask', options: { prompt: 'hello again' }, user: fake.bob })
    await stack.answersFinished(2)

    const event = `discord:message:${mention.id}`
    await until(
      () => stack!.nodes.some((n) => n.logs.find('event already handled').some((l) => l.event === event)),
      'the second process to skip the mention',
    )
    // The slow process's acknowledgement of the interaction is refused (40060) or never sent.
    const callbacks = fake.requests.filter((r) => r.params.interaction === slash.id)
    expect(callbacks.filter((r) => r.status === 204)).toHaveLength(1)
    expect(stack.responses.requests).toHaveLength(2)
    const replies = fake
      .messages(fake.general)
      .filter((m) => m.author.id === fake.bot.id)
      .map((m) => m.content)
    expect(replies).toEqual(['Mention answered once.', 'Slash answered once.'])
  })
})
