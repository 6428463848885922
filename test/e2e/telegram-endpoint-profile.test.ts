import { afterEach, expect, test } from 'vitest'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  answerBy,
  askAndWait,
  CHAT,
  type E2eStack,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/**
 * What `npm run doctor` saved about the endpoint, as `npm start` uses it: the web search tool that
 * worked, no reasoning summary where refused, and images refused before any request where the
 * endpoint refuses them.
 */
let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

test('a photo is refused before any request where the endpoint refuses images', async () => {
  e2e = await startE2e(telegramPlatform())
  await e2e.herald.running.services.endpoint.markUnsupported('image-input')
  e2e.responses.route = answerBy(() => 'never sent')
  const update = e2e.platform.userSays({
    chat: CHAT,
    from: ADA,
    photo: { bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]), width: 64, height: 64 },
    caption: 'what is this?',
  })
  const reply = await replyTo(e2e.platform, update)
  expect(reply.text).toBe('The AI service behind this bot does not accept images. Please ask in words.')
  expect(e2e.responses.requests).toEqual([])
  expect(e2e.platform.downloads).toEqual([])
})

test('a question with web search on sends the tool the endpoint took, and no refused summary', async () => {
  e2e = await startE2e(telegramPlatform())
  const { endpoint } = e2e.herald.running.services
  await endpoint.setWebSearchTool('web_search_preview')
  await endpoint.markUnsupported('reasoning-summary')
  e2e.responses.route = answerBy(() => 'Searched.')
  const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: '/ask search:on effort:low news?' })
  expect(answer.text).toBe('Searched.')
  const body = e2e.responses.requests[0]!.body!
  expect(body.tools).toContainEqual({ type: 'web_search_preview' })
  expect(body.tools).not.toContainEqual({ type: 'web_search' })
  expect(body.reasoning).toEqual({ effort: 'low' })
})
