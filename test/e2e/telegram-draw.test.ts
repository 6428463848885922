import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { apiError, imageResult, sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram, TgMessage } from '../fakes/fake-telegram.ts'
import { sketchPng } from '../fakes/png.ts'
import {
  ADA,
  askAndWait,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  inPhases,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** /image on Telegram, end to end: a picture drawn live in one photo message, its costs and refusals. */
const t = translator('en')
const ADMIN_ID = 900
const steps = [sketchPng(1, 3), sketchPng(2, 3), sketchPng(3, 3)] as const

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(env: Record<string, string> = {}): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env: { TELEGRAM_ADMIN_IDS: String(ADMIN_ID), ...env } })
  return e2e
}

/** A drawing; `phased`: streamed in three phases 1.3 s apart (first partial, second partial, the picture). */
function drawing(id: string, revisedPrompt = 'A blue fox in the snow', phased = true) {
  const events = new Transcript({ id, model: 'gpt-5-mini' })
    .start()
    .image({
      partials: [steps[0], steps[1]],
      final: steps[2],
      revisedPrompt,
      size: '1024x1024',
      quality: 'low',
    })
    .completed().events
  if (!phased) return sse(events)
  return inPhases(events, (e) => e.type === 'response.image_generation_call.partial_image', 1300)
}

/** Which sketch step some bytes are (1–3). */
const stepOf = (bytes: Uint8Array) =>
  steps.findIndex((png) => Buffer.from(png).equals(Buffer.from(bytes))) + 1

/** The image tools of a recorded request (the function tools are there too). */
const imageTools = (body: Record<string, unknown>) =>
  (body.tools as { type: string }[]).filter((tool) => tool.type === 'image_generation')

function photoHistory(fake: FakeTelegram, message: TgMessage) {
  return fake.state.find(message.chat.id, message.message_id)!.media!.map((m) => [stepOf(m.bytes), m.caption])
}

describe('/image on Telegram, end to end', () => {
  test('one photo takes shape in place, partial by partial at the chat pace, and ends as the picture', async () => {
    const { platform: tg, responses } = await start()
    responses.route = () => drawing('resp_draw')
    const { answer } = await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: '/image quality:low a fox in the snow',
    })

    expect(photoHistory(tg, answer)).toEqual([
      [1, t('status.drawing')],
      [2, t('status.drawing')],
      [3, 'A blue fox in the snow'],
    ])
    const photoCalls = tg.calls.filter((c) => ['sendPhoto', 'editMessageMedia'].includes(c.method))
    expect(photoCalls.map((c) => c.method)).toEqual(['sendPhoto', 'editMessageMedia', 'editMessageMedia'])
    const gaps = photoCalls.slice(1).map((c, i) => c.at - photoCalls[i]!.at)
    expect(gaps.every((gap) => gap >= 1100)).toBe(true)
    // The picture is the answer: no text message besides it.
    expect(tg.callsTo('sendMessage')).toEqual([])
    const sent = responses.requests[0]!.body!
    expect([sent.model, imageTools(sent), sent.tool_choice]).toEqual([
      'gpt-5-mini',
      [
        {
          type: 'image_generation',
          model: 'gpt-image-1',
          partial_images: 2,
          quality: 'low',
          output_format: 'png',
        },
      ],
      { type: 'image_generation' },
    ])
    // gpt-5-mini tokens (18 µUSD) + a low 1024² picture ($0.011) + 2 partials × 100 tokens × $40/1M.
    expect(finishedAnswers(e2e!).map((r) => r.usd)).toEqual([0.019018])
    expectCleanTelegram(e2e!)
  })

  test('a reply to the picture continues from it, with the image tool offered, not forced', async () => {
    const { platform: tg, responses } = await start()
    let n = 0
    responses.route = () =>
      ++n === 1 ? drawing('resp_fox', 'A fox', false) : drawing('resp_blue', 'The fox, now blue', false)
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: '/image a fox' })
    const { answer: changed } = await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: 'make it blue',
      reply_to_message_id: answer.message_id,
    })
    const again = responses.requests[1]!.body!
    expect([again.previous_response_id, imageTools(again).length, again.tool_choice]).toEqual([
      'resp_fox',
      1,
      undefined,
    ])
    expect(photoHistory(tg, changed).at(-1)).toEqual([3, 'The fox, now blue'])
    expectCleanTelegram(e2e!)
  })

  test('a relay without the image tool: one progress line, then the picture from the images endpoint', async () => {
    const { platform: tg, responses } = await start()
    responses.options.rejectImageTool = true
    responses.enqueueFor(
      '/v1/images/generations',
      imageResult(steps[2], { revisedPrompt: 'A fox' }),
      imageResult(steps[1]),
    )
    const first = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: '/image a fox' })
    expect(first.answer.text).toBe(t('image.no_preview'))
    const photo = await tg.waitFor(() => tg.botMessages(CHAT.id).find((m) => m.photo))
    expect(photoHistory(tg, photo)).toEqual([[3, 'A fox']])
    // Remembered: the next picture goes straight to the images endpoint.
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: '/image another fox' })
    expect(responses.requests.map((r) => r.pathname)).toEqual([
      '/v1/responses',
      '/v1/images/generations',
      '/v1/images/generations',
    ])
    // The image model's own tokens: 20 × $5 + 272 × $40 per 1M.
    expect(finishedAnswers(e2e!).map((r) => r.usd)).toEqual([0.01098, 0.01098])
    expectCleanTelegram(e2e!)
  })

  test('a refusal by the safety system is one clear line', async () => {
    const { responses } = await start()
    responses.options.rejectImageTool = true
    responses.enqueueFor(
      '/v1/images/generations',
      apiError(400, {
        message: 'Your request was rejected as a result of our safety system.',
        type: 'image_generation_user_error',
        code: 'moderation_blocked',
      }),
    )
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: '/image something forbidden' })
    const line = await e2e!.platform.waitFor(() =>
      e2e!.platform.botMessages(CHAT.id).find((m) => m.text?.includes(t('image.refused'))),
    )
    expect(line.text).toBe(t('reason.failed', { message: t('image.refused') }))
    expectCleanTelegram(e2e!)
  })

  test('refusals come before any request: a command kept for admins, no prompt', async () => {
    const { platform: tg, responses } = await start({ COMMAND_PERMISSIONS: 'image=admins' })
    const refusal = async (text: string, from = ADA) => {
      const update = tg.userSays({ chat: { ...CHAT, id: from.id, first_name: from.first_name }, from, text })
      return (await replyTo(tg, update)).text
    }
    expect(await refusal('/image a fox')).toBe(t('policy.admin_only'))
    expect(await refusal('/image', { id: ADMIN_ID, is_bot: false, first_name: 'Root' })).toBe(
      t('image.empty'),
    )
    expect(responses.requests).toEqual([])
    expectCleanTelegram(e2e!)
  })

  test('a picture that would pass the daily budget is refused before any request', async () => {
    const { platform: tg, responses } = await start({ BUDGET_USER_DAILY_USD: '0.01' })
    const update = tg.userSays({ chat: CHAT, from: ADA, text: '/image quality:low a fox' })
    // A low picture costs $0.011 (and its partials more): past the $0.01 cap before anything is spent.
    const midnight = new Date((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000)
    expect((await replyTo(tg, update)).text).toBe(t('budget.refused.user', { resetsAt: midnight }))
    expect(responses.requests).toEqual([])
    expectCleanTelegram(e2e!)
  })
})
