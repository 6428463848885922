import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import { sketchPng } from '../fakes/png.ts'
import {
  ADA,
  answerBy,
  askAndWait,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** /pictures on Telegram, end to end: the image tool offered to ordinary asks, never forced. */
let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function command(text: string): Promise<string | undefined> {
  const tg = e2e!.platform
  return (await replyTo(tg, tg.userSays({ chat: CHAT, from: ADA, text }))).text
}

const imageTools = (body: Record<string, unknown> | undefined) =>
  (body!.tools as { type: string }[]).filter((tool) => tool.type === 'image_generation')

describe('pictures in ordinary answers on Telegram, end to end', () => {
  test('off by default; /pictures on offers the tool unforced, and a picture the model draws is shown', async () => {
    e2e = await startE2e(telegramPlatform())
    const { platform: tg, responses } = e2e
    responses.route = answerBy(() => 'Words only.')
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'Hello?' })
    expect(imageTools(responses.requests[0]!.body)).toEqual([])

    expect(await command('/pictures on')).toBe('Pictures drawn in answers when asked for: on.')
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'Hello again?' })
    const offered = responses.requests.at(-1)!.body!
    expect(imageTools(offered)).toEqual([
      { type: 'image_generation', model: 'gpt-image-1', partial_images: 2, output_format: 'png' },
    ])
    expect(offered.tool_choice).toBeUndefined()

    const picture = sketchPng(3, 3)
    responses.route = () =>
      sse(
        new Transcript({ id: 'resp_fox', model: 'gpt-5-mini' })
          .start()
          .image({ partials: [], final: picture, revisedPrompt: 'A fox', size: '1024x1024', quality: 'low' })
          .completed().events,
      )
    await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'Draw me a fox.' })
    const photo = tg.botMessages(CHAT).find((m) => m.photo !== undefined)!
    expect(photo.caption).toBe('A fox')
    expect(Buffer.from(tg.state.find(CHAT.id, photo.message_id)!.media!.at(-1)!.bytes)).toEqual(
      Buffer.from(picture),
    )
    expectCleanTelegram(e2e)
  })

  test('a relay without the image tool: the answer is written without it, and it is not offered again', async () => {
    e2e = await startE2e(telegramPlatform())
    const { responses } = e2e
    responses.options.rejectImageTool = true
    responses.route = answerBy(() => 'Words only.')
    await command('/pictures on')
    const first = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'Hello?' })
    expect(first.answer.text).toBe('Words only.')
    const second = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'Hello again?' })
    expect(second.answer.text).toBe('Words only.')
    expect(responses.requests.map((r) => imageTools(r.body).length)).toEqual([1, 0, 0])
    expectCleanTelegram(e2e)
  })
})
