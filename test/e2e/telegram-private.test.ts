import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { citation, reasoningAnswer, webSearchAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  answerBy,
  askAndWait,
  CHAT,
  chatCalls,
  type E2eOptions,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  inPhases,
  promptOf,
  startE2e,
  telegramPlatform,
  textEvents,
} from './harness.ts'

/** A private chat with the bot, end to end: the real telegraf inside the real Herald, against the fakes. */
const ADA = { id: 42, is_bot: false, first_name: 'Ada', last_name: 'L' }

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(options: E2eOptions = {}): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), options)
  return e2e
}

describe('Telegram private chat, end to end', () => {
  test('a prompt streams into one message edited in place; the cursor and the Stop button go at the end', async () => {
    const { platform: tg, responses } = await start()
    const answer = 'Rayleigh scattering makes short blue wavelengths spread across the whole sky.'
    responses.enqueue(sse(textEvents(answer, 'resp_1', 8), { delayMs: 250 }))
    const { update, answer: message } = await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: 'why is the sky blue?',
    })

    expect([message.text, message.entities, message.reply_markup]).toEqual([answer, undefined, undefined])
    expect(message.reply_to_message?.message_id).toBe(update.message?.message_id)
    expect(tg.botMessages(CHAT)).toHaveLength(1)
    const calls = chatCalls(tg, CHAT.id)
    const [first, ...edits] = calls
    expect(first?.method).toBe('sendMessage')
    expect(first?.body.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Stop', callback_data: expect.stringMatching(/^stop:/) }]],
    })
    expect(edits.length).toBeGreaterThanOrEqual(2)
    expect(
      edits.every((c) => c.method === 'editMessageText' && c.body.message_id === message.message_id),
    ).toBe(true)
    // While streaming: a growing prefix of the answer with the cursor after it.
    const partial = edits.slice(0, -1).map((c) => String(c.body.text))
    expect(
      partial.some(
        (text) =>
          text.endsWith(' ▍') && answer.startsWith(text.slice(0, -2)) && text.length - 2 < answer.length,
      ),
    ).toBe(true)
    expect(edits.at(-1)?.body).toMatchObject({ text: answer, parse_mode: 'HTML' })
    expect(edits.at(-1)?.body.reply_markup).toBeUndefined()
    expect(tg.state.chatActions.filter((a) => a.chat === CHAT.id)[0]?.action).toBe('typing')
    expectCleanTelegram(e2e!)
  })

  test('the request carries model, instructions and input; the next message continues with previous_response_id', async () => {
    const { responses } = await start({ env: { INSTRUCTIONS: 'Answer like a ship captain.' } })
    responses.route = answerBy((prompt) => `Aye: ${prompt}`)
    const one = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'first question' })
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'second question' })

    expect(one.answer.text).toBe('Aye: first question')
    const [body] = responses.requests.map((r) => r.body)
    expect(body).toMatchObject({
      model: 'gpt-5-mini',
      instructions: 'Answer like a ship captain.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'first question' }] }],
      stream: true,
      store: true,
      reasoning: { effort: 'medium', summary: 'auto' },
    })
    expect(body?.previous_response_id).toBeUndefined()
    // Web search (on by default) and Herald's own function tools.
    const tools = (body?.tools ?? []) as { type: string; name?: string }[]
    expect(tools.map((t) => t.name ?? t.type)).toEqual(['web_search', 'calculate', 'current_time'])
    expect(responses.requests[1]?.body).toMatchObject({
      previous_response_id: 'resp_1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'second question' }] }],
    })
    expect(responses.requests[1]?.headers.authorization).toBe(`Bearer ${e2e!.herald.config.openai.apiKey}`)
    expectCleanTelegram(e2e!)
  })

  test('a reply to an older answer continues that branch, and /reset starts fresh', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy((prompt) => `On ${prompt}.`)
    const cats = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'cats' })
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'dogs' })
    await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: 'more about them',
      reply_to_message_id: cats.answer.message_id,
    })
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'and now?' })
    const reset = tg.userSays({ chat: CHAT, from: ADA, text: '/reset' })
    await tg.waitFor(() =>
      tg.botMessages(CHAT).find((m) => m.reply_to_message?.message_id === reset.message?.message_id),
    )
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'fresh start' })

    expect(responses.requests.map((r) => [promptOf(r.body), r.body?.previous_response_id])).toEqual([
      ['cats', undefined],
      ['dogs', 'resp_1'],
      ['more about them', 'resp_1'],
      ['and now?', 'resp_3'],
      ['fresh start', undefined],
    ])
    const resetReply = tg
      .botMessages(CHAT)
      .find((m) => m.reply_to_message?.message_id === reset.message?.message_id)
    expect(resetReply?.text).toBe('New conversation started.')
    expectCleanTelegram(e2e!)
  })

  test('a photo with a caption is sent upstream as text and a data URL image', async () => {
    const { platform: tg, responses } = await start()
    responses.route = answerBy(() => 'A small test pattern.')
    const bytes = new Uint8Array([
      0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ])
    const { answer } = await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      photo: { bytes, width: 640, height: 480 },
      caption: 'what is in this picture?',
    })

    expect(answer.text).toBe('A small test pattern.')
    expect(responses.requests[0]?.body?.input).toEqual([
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'what is in this picture?' },
          {
            type: 'input_image',
            image_url: `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}`,
          },
        ],
      },
    ])
    expect(tg.downloads).toHaveLength(1)
    expectCleanTelegram(e2e!)
  })

  test('a web search shows the query while searching and the answer ends with numbered source links', async () => {
    const { platform: tg, responses } = await start()
    const text = 'The sky is blue because air scatters blue light most.'
    const events = webSearchAnswer(
      'why is the sky blue',
      text,
      [
        citation('https://example.org/rayleigh', 'Rayleigh scattering', 0, 10),
        citation('https://example.com/sky', 'Why the sky is blue', 11, 20),
      ],
      { id: 'resp_search' },
    )
    responses.enqueue(inPhases(events, (e) => e.type === 'response.web_search_call.searching', 1200))
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'why is the sky blue?' })

    const shown = chatCalls(tg, CHAT.id).map((c) => String(c.body.text))
    expect(shown).toContain('▍\n\n<i>Searching “why is the sky blue”…</i>')
    expect(answer.text).toBe(`${text}\n\nSources\n1. Rayleigh scattering\n2. Why the sky is blue`)
    expect(answer.entities?.filter((e) => e.type === 'text_link').map((e) => e.url)).toEqual([
      'https://example.org/rayleigh',
      'https://example.com/sky',
    ])
    expectCleanTelegram(e2e!)
  })

  test('the reasoning summary shows collapsed while the model thinks, and stays out of the history', async () => {
    const { platform: tg, responses } = await start()
    const events = reasoningAnswer(['Considering **light** scattering.'], 'Blue light scatters most.', {
      id: 'resp_think',
    })
    responses.enqueue(inPhases(events, (e) => e.type === 'response.reasoning_summary_part.done', 1200))
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'why blue?' })

    const shown = chatCalls(tg, CHAT.id).map((c) => String(c.body.text))
    expect(shown).toContain(
      '<blockquote expandable>Considering <b>light</b> scattering.</blockquote>\n\n▍\n\n<i>Thinking…</i>',
    )
    expect(answer.text).toBe('Considering light scattering.\n\nBlue light scatters most.')
    expect(answer.entities?.[0]).toMatchObject({ type: 'expandable_blockquote', offset: 0 })
    const turn = await e2e!.herald.running.services.conversations.turnForMessage(
      'telegram:42',
      String(answer.message_id),
    )
    expect([turn?.assistantText, turn?.responseId]).toEqual(['Blue light scatters most.', 'resp_think'])
    expectCleanTelegram(e2e!)
  })

  test('/reasoning off drops the summary once the answer text starts', async () => {
    const { platform: tg, responses } = await start()
    tg.userSays({ chat: CHAT, from: ADA, text: '/reasoning off' })
    await tg.waitFor(() => tg.botMessages(CHAT).some((m) => m.text?.startsWith('Reasoning summaries kept')))
    const events = reasoningAnswer(['Considering scattering.'], 'Blue light scatters most.', {
      id: 'resp_plain',
    })
    responses.enqueue(inPhases(events, (e) => e.type === 'response.reasoning_summary_part.done', 1200))
    const { answer } = await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'why blue?' })

    const shown = chatCalls(tg, CHAT.id).map((c) => String(c.body.text))
    expect(shown.some((text) => text.startsWith('<blockquote expandable>Considering scattering.'))).toBe(true)
    expect(answer.text).toBe('Blue light scatters most.')
    expectCleanTelegram(e2e!)
  })

  test('a 429 mid-answer pauses the chat for retry_after and the final text still lands', async () => {
    const { platform: tg, responses } = await start()
    const answer = 'Patience is a virtue, and rate limits teach it well.'
    responses.enqueue(sse(textEvents(answer, 'resp_1', 6), { delayMs: 150 }))
    const before = finishedAnswers(e2e!).length
    tg.userSays({ chat: CHAT, from: ADA, text: 'teach me patience' })
    await tg.waitFor(() => tg.botMessages(CHAT)[0])
    tg.rateLimitNext(CHAT, 2)
    await tg.waitFor(() => finishedAnswers(e2e!).length > before, 10_000)

    expect(tg.botMessages(CHAT).map((m) => [m.text, m.reply_markup])).toEqual([[answer, undefined]])
    const limited = tg.calls.filter((c) => c.status === 429)
    expect(limited).toHaveLength(1)
    // Nothing was sent into the running retry_after (the fake records any such call as a violation).
    expect(tg.violations).toEqual([])
    expectCleanTelegram(e2e!, { rateLimits: 1 })
  })
})
