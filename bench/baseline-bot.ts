/**
 * The load bench's floor: the smallest bot that answers through the same two services. telegraf
 * long polling, one undici request per message, the SSE read with eventsource-parser, one
 * `sendMessage` when the stream ends (waiting out a 429's `retry_after`), nothing stored, nothing
 * edited. It is what Herald is measured against, not a bot anyone should run.
 *
 * Environment: BOT_TOKEN, API_ROOT (the Bot API root), OPENAI_BASE_URL (ending in /v1).
 */
import { createParser } from 'eventsource-parser'
import { Telegraf } from 'telegraf'
import { request } from 'undici'

const bot = new Telegraf(process.env.BOT_TOKEN ?? '', {
  telegram: { apiRoot: process.env.API_ROOT ?? 'https://api.telegram.org' },
})
const baseUrl = process.env.OPENAI_BASE_URL ?? ''

async function complete(prompt: string): Promise<string> {
  const response = await request(`${baseUrl}/responses`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-baseline', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-5-mini', input: prompt, stream: true }),
  })
  let text = ''
  const parser = createParser({
    onEvent: (event) => {
      const data = JSON.parse(event.data) as { type: string; delta?: string }
      if (data.type === 'response.output_text.delta') text += data.delta ?? ''
    },
  })
  const decoder = new TextDecoder()
  for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }))
  return text
}

async function reply(chatId: number, text: string): Promise<void> {
  for (;;) {
    try {
      await bot.telegram.sendMessage(chatId, text)
      return
    } catch (error) {
      const retryAfter = (error as { parameters?: { retry_after?: number } }).parameters?.retry_after
      if (retryAfter === undefined) throw error
      await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000))
    }
  }
}

bot.on('text', (ctx) => {
  // Not awaited: long polling waits for every handler of a batch before it fetches the next.
  void complete(ctx.message.text)
    .then((text) => reply(ctx.chat.id, text))
    .catch((error: unknown) => console.error(error))
})
void bot.launch()
process.once('SIGTERM', () => bot.stop('SIGTERM'))
