import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram, TgUpdate } from '../fakes/fake-telegram.ts'
import {
  answerBy,
  askAndWait,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  replyTo,
  startE2e,
  telegramPlatform,
  textEvents,
} from './harness.ts'

/** Herald's commands on Telegram, end to end: the menu, settings, usage, help and cancel. */
const ADA = { id: 42, is_bot: false, first_name: 'Ada', last_name: 'L' }
const ADMIN_ID = 900

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env: { TELEGRAM_ADMIN_IDS: String(ADMIN_ID) } })
  return e2e
}

/** Says a command in the private chat and resolves with the text of the bot's reply to it. */
async function command(text: string): Promise<string | undefined> {
  const update: TgUpdate = e2e!.platform.userSays({ chat: CHAT, from: ADA, text })
  return (await replyTo(e2e!.platform, update)).text
}

describe('Telegram commands, end to end', () => {
  test('start-up registers the command menu with setMyCommands, admin commands only for admins', async () => {
    const { platform: tg, herald } = await start()
    // /research is offered to everyone (a member's request becomes an approval card for admins).
    const everyone = [
      'ask',
      'image',
      'research',
      'reset',
      'model',
      'effort',
      'search',
      'reasoning',
      'voice',
      'pictures',
      'language',
      'usage',
      'cancel',
      'help',
    ]
    const admins = [...everyone, 'status']
    const menus = tg.callsTo('setMyCommands').map((c) => ({
      commands: (c.body.commands as { command: string }[]).map((x) => x.command),
      scope: c.body.scope,
      language: c.body.language_code,
    }))
    const adminChat = { type: 'chat', chat_id: ADMIN_ID }
    expect(menus).toEqual([
      { commands: everyone, scope: undefined, language: undefined },
      { commands: everyone, scope: undefined, language: 'zh' },
      { commands: admins, scope: adminChat, language: undefined },
      { commands: admins, scope: adminChat, language: 'zh' },
    ])
    expect(tg.state.commands.get('{"type":"default"}|')?.[0]).toEqual({
      command: 'ask',
      description: 'Ask the AI a question',
    })
    expect(herald.said).toContain('herald: telegram ready')
    expectCleanTelegram(e2e!)
  })

  test('/model, /effort and /search change what the next ask sends', async () => {
    const { responses } = await start()
    responses.route = answerBy(() => 'Done.')
    expect(await command('/model')).toMatch(
      /^Model: gpt-5-mini · effort: medium · web search: on · reasoning shown: on\nModels you can choose: gpt-5, gpt-5-mini, /,
    )
    expect(await command('/model gpt-5')).toBe('Model set to gpt-5.')
    expect(await command('/effort high')).toBe('Reasoning effort set to high.')
    expect(await command('/search off')).toBe('Web search is now off.')
    expect(await command('/effort')).toBe(
      'Model: gpt-5 · effort: high · web search: off · reasoning shown: on',
    )
    expect(await command('/search')).toBe(
      'Model: gpt-5 · effort: high · web search: off · reasoning shown: on',
    )
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'hello' })

    const body = responses.requests[0]?.body
    expect([body?.model, body?.reasoning]).toEqual(['gpt-5', { effort: 'high', summary: 'auto' }])
    expect(((body?.tools ?? []) as { type: string }[]).some((t) => t.type === 'web_search')).toBe(false)
    expectCleanTelegram(e2e!)
  })

  test('/usage shows what the person spent; /help explains the bot', async () => {
    const { responses } = await start()
    const usage = {
      input_tokens: 100_000,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 50_000,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 150_000,
    }
    responses.enqueue(sse(textEvents('Counted.', 'resp_1', 1, usage)))
    await askAndWait(e2e!, { chat: CHAT, from: ADA, text: 'count my tokens' })

    // gpt-5-mini: 100k input × $0.25/M + 50k output × $2/M = $0.125
    expect(await command('/usage')).toBe('Ada L: today $0.13 · this month $0.13')
    const help = await command('/help')
    expect(help?.split('\n')[0]).toBe('Herald: ask anything.')
    expect(help).toContain('/reset starts fresh')
    expectCleanTelegram(e2e!)
  })

  test('/cancel stops the running answer, keeping its text', async () => {
    const { platform: tg, responses } = await start()
    const slow = new Transcript({ id: 'resp_slow' })
      .start()
      .message(['Let me think', ' about that'])
      .completed()
    responses.enqueue(sse(slow.events, { stallAfter: slow.events.length - 4 }))
    const asked = tg.userSays({ chat: CHAT, from: ADA, text: 'a hard question' })
    const message = await tg.waitFor(() => {
      const m = tg.botMessages(CHAT)[0]
      return m?.text === 'Let me think about that ▍' && m
    }, 10_000)
    expect(await command('/cancel')).toBe('Stopped your running answer.')
    await tg.waitFor(() => finishedAnswers(e2e!).length === 1, 10_000)

    const final = tg.message(CHAT, message.message_id)
    expect([final?.text, final?.reply_markup, final?.reply_to_message?.message_id]).toEqual([
      'Let me think about that\n\nStopped.',
      undefined,
      asked.message?.message_id,
    ])
    expect(await command('/cancel')).toBe('You have no running answer.')
    expectCleanTelegram(e2e!)
  })
})
