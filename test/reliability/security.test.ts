import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { promptOf } from '../e2e/harness.ts'
import { apiError, sse } from '../fakes/fake-responses-api.ts'
import { errorEventAnswer, functionCallAnswer, textAnswer } from '../fakes/fake-responses-transcripts.ts'
import type { TgUser } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import {
  DISCORD_TOKEN,
  httpGet,
  KEY,
  type Stack,
  startStack,
  TELEGRAM_ADMIN,
  TELEGRAM_TOKEN,
  telegramTexts,
  until,
  WEBHOOK_SECRET,
} from './stack.ts'

/**
 * Security, end to end: every privileged path checks for an admin before anything is sent; no
 * secret reaches a log, an error or a chat; the webhook refuses deliveries without the secret; and
 * nothing in Herald can run model output as code.
 */
const t = translator('en')
const GROUP = -1200
const member: TgUser = { id: 1201, is_bot: false, first_name: 'Member' }
const admin: TgUser = { id: TELEGRAM_ADMIN, is_bot: false, first_name: 'Admin' }
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

describe('privileged paths', () => {
  test('research, approvals, group settings and status are refused to a member, and nothing is sent', async () => {
    stack = await startStack()
    const fake = stack.telegram!
    const group = { id: GROUP, type: 'group' as const, title: 'Team' }
    const lastBotText = async (chat: number, count: number) =>
      (await until(() => fake.botMessages(chat).length >= count && fake.botMessages(chat), 'a reply'))[
        count - 1
      ]!

    fake.userSays({ chat: { id: member.id, type: 'private' }, from: member, text: '/research the moon' })
    expect((await lastBotText(member.id, 1)).text).toBe(t('research.refused_private'))

    fake.userSays({ chat: group, from: member, text: '/model gpt-5' })
    expect((await lastBotText(GROUP, 1)).text).toBe(t('policy.admin_only'))
    fake.userSays({ chat: group, from: member, text: '/status' })
    expect((await lastBotText(GROUP, 2)).text).toBe(t('policy.admin_only'))

    // A member's research in a group becomes a request only an admin can approve.
    fake.userSays({ chat: group, from: member, text: '/research the moon' })
    const card = await lastBotText(GROUP, 3)
    const approve = card
      .reply_markup!.inline_keyboard.flat()
      .find((b) => b.text === t('research.button_approve'))!
    const press = fake.press(GROUP, card.message_id, approve.callback_data!, member)
    const answered = await until(
      () => fake.state.callbackAnswers.find((a) => a.id === press.callback_query!.id),
      'the press answered',
    )
    expect(answered.text).toBe(t('research.admins_only'))

    // The admin may see the status.
    fake.userSays({ chat: group, from: admin, text: '/status' })
    expect((await lastBotText(GROUP, 4)).text).toMatch(/^Status: uptime/)
    expect(stack.responses.requests).toEqual([])
  })
})

describe('secrets', () => {
  test('the API key, the bot tokens and the webhook secret are in no log, no message and no endpoint', async () => {
    stack = await startStack({ discord: {} })
    const telegram = stack.telegram!
    const discord = stack.discord!
    stack.responses.enqueue(
      sse(textAnswer('A normal answer.', 2)),
      apiError(401, {
        message: `Incorrect API key provided: ${KEY}. Also ${TELEGRAM_TOKEN} and ${DISCORD_TOKEN}.`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      }),
      sse(errorEventAnswer('Partial answer', 'server_error', `Upstream failed for key ${KEY}`)),
    )
    telegram.userSays({ chat: { id: 1210, type: 'private' }, text: 'hello' })
    await stack.answersFinished(1)
    telegram.userSays({ chat: { id: 1210, type: 'private' }, text: `my key is ${KEY}, is that bad?` })
    await stack.answersFinished(2)
    discord.userMessage({ content: `<@${discord.bot.id}> and now?` })
    await stack.answersFinished(3)

    const endpoints = [
      (await httpGet(stack.herald, '/metrics')).body,
      (await httpGet(stack.herald, '/healthz')).body,
    ]
    await stack.herald.stop()
    const sent = [
      ...telegram.calls.map((call) => JSON.stringify(call.body)),
      ...discord.requests.map((request) => JSON.stringify(request.body ?? null)),
    ]
    const everything = [...stack.output(), ...endpoints, ...sent]
    const secrets = [KEY, TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(':')[1]!, DISCORD_TOKEN, WEBHOOK_SECRET]
    expect(secrets.filter((secret) => everything.some((text) => text.includes(secret)))).toEqual([])
    // The failures were logged, scrubbed, and shown as one line without the upstream words.
    expect(stack.herald.logs.lines.filter((line) => line.includes('[redacted]')).length).toBeGreaterThan(0)
    expect(telegramTexts(telegram, 1210)[1]).toBe(
      t('reason.failed', {
        message:
          'The AI service rejected the bot’s credentials. Please tell the bot’s operator to check OPENAI_API_KEY.',
      }),
    )
  })
})

describe('the Telegram webhook', () => {
  test('refuses deliveries without the right secret, handling nothing', async () => {
    const port = await freePort()
    stack = await startStack({
      env: { HTTP_PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` },
    })
    const fake = stack.telegram!
    expect(fake.webhook).toEqual({ url: `http://127.0.0.1:${port}/hook`, secret: WEBHOOK_SECRET })
    const update = {
      update_id: 999_001,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 1220, type: 'private' as const },
        from: member,
        text: 'hi',
      },
    }
    const url = `http://127.0.0.1:${port}/hook`
    expect((await fake.deliverWebhook(url, update)).status).toBe(401)
    expect((await fake.deliverWebhook(url, update, 'not-the-secret')).status).toBe(401)
    expect((await fake.deliverWebhook(url, update, `${WEBHOOK_SECRET}x`)).status).toBe(401)
    stack.responses.enqueue(sse(textAnswer('Delivered properly.', 1)))
    expect((await fake.deliverWebhook(url, update, WEBHOOK_SECRET)).status).toBe(200)
    await stack.answersFinished(1)
    expect(stack.responses.requests.map((r) => promptOf(r.body))).toEqual(['hi'])
    expect(stack.herald.logs.find('telegram webhook: wrong or missing secret token')).toHaveLength(3)
  })
})

describe('model output is never run', () => {
  const SRC = fileURLToPath(new URL('../../src', import.meta.url))
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? files(join(dir, entry.name))
        : entry.name.endsWith('.ts')
          ? [join(dir, entry.name)]
          : [],
    )

  test('no source imports a shell or a code evaluator, or evaluates strings', () => {
    const forbidden = [
      /from ['"](node:)?child_process['"]/,
      /from ['"](node:)?vm['"]/,
      /from ['"](node:)?worker_threads['"]/,
      /(^|[^.\w])eval\s*\(/m,
      /new\s+Function\s*\(/,
      /import\s*\(\s*[^'"\s]/,
    ]
    const hits = files(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8')
      return forbidden
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${relative(SRC, file)}: ${pattern}`)
    })
    expect(hits).toEqual([])
  })

  test('a call to a tool Herald does not have is answered with an error, not run', async () => {
    stack = await startStack()
    stack.responses.enqueue(
      sse(functionCallAnswer('shell', JSON.stringify({ command: 'rm -rf /' }), 'call_sh')),
      sse(textAnswer('I cannot run commands.', 1)),
    )
    stack.telegram!.userSays({ chat: { id: 1230, type: 'private' }, text: 'delete everything' })
    await stack.answersFinished(1)
    expect(telegramTexts(stack.telegram!, 1230)).toEqual(['I cannot run commands.'])
    const followUp = stack.responses.requests[1]!.body!.input as Array<Record<string, unknown>>
    expect(followUp.find((item) => item.type === 'function_call_output')).toMatchObject({
      call_id: 'call_sh',
      output: 'error: there is no tool named "shell"',
    })
  })
})
