import { existsSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { answerBy } from '../e2e/harness.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { type HeraldNode, httpGet, metric, type Stack, startStack, telegramTexts, until } from './stack.ts'

/**
 * Each platform stands on its own, with both connected: a polling conflict, a revoked token, a
 * gateway closed for good and a frame discord.js cannot build never end the process or touch the
 * other platform's answers. Transient trouble heals by itself; what needs a person stops that
 * platform with one line naming the fix, and /healthz and herald_platform_up say so meanwhile.
 * The supervisor's delays are shortened here (its schedule is tested exactly in
 * test/app/platform-supervisor.test.ts).
 */
const CHAT = 801
const FAST = { firstMs: 100, maxMs: 400 }
const CONFLICT =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'
const FRAME = new URL(
  '../../../shared/real-traffic/discord/gateway-interaction-create-slash-no-options.json',
  import.meta.url,
)
const hasFrame = existsSync(FRAME)
if (!hasFrame) console.log(`skipping the recorded-frame test: ${FRAME.pathname} is absent`)
let stack: Stack | undefined

afterEach(async () => {
  await stack?.close()
  stack = undefined
})

async function start(): Promise<Stack> {
  stack = await startStack({ discord: {}, platformBackoff: FAST })
  stack.responses.route = answerBy((prompt) => `Re: ${prompt}`)
  await until(() => stack!.telegram!.pollWaiting, 'a held getUpdates')
  return stack
}

interface Health {
  status: number
  down: string[]
  states: Record<string, { state: string; reason?: string }>
  up: { telegram: number; discord: number }
}

async function health(node: HeraldNode = stack!.herald): Promise<Health> {
  const { status, body } = await httpGet(node, '/healthz')
  const { down, states } = JSON.parse(body) as Pick<Health, 'down' | 'states'>
  const metrics = (await httpGet(node, '/metrics')).body
  const up = {
    telegram: metric(metrics, 'herald_platform_up', { platform: 'telegram' }),
    discord: metric(metrics, 'herald_platform_up', { platform: 'discord' }),
  }
  return { status, down, states, up }
}

/** Log lines about a platform's state (warn and above, or the recovery line), in order. */
function stateLines(node: HeraldNode = stack!.herald): string[] {
  return node.logs
    .records()
    .filter((r) => typeof r.state === 'string' || String(r.msg).endsWith(': up again'))
    .map((r) => String(r.msg))
}

/** Mentions the bot on Discord; resolves with the bot's reply once it is complete. */
async function askDiscord(text: string): Promise<string> {
  const fake = stack!.discord!
  const asked = fake.userMessage({ content: `<@${fake.bot.id}> ${text}` })
  const reply = await until(
    () =>
      fake
        .messages(fake.general)
        .find(
          (m) =>
            m.author.id === fake.bot.id &&
            m.reference?.message_id === asked.id &&
            m.content === `Re: ${text}`,
        ),
    `the Discord answer to "${text}"`,
    15_000,
  )
  return reply.content
}

async function askTelegram(text: string): Promise<string> {
  const fake = stack!.telegram!
  fake.userSays({ chat: { id: CHAT, type: 'private' }, text })
  return until(
    () => telegramTexts(fake, CHAT).find((t) => t === `Re: ${text}`),
    `the Telegram answer to "${text}"`,
    15_000,
  )
}

describe('Telegram', () => {
  test('three 409 Conflicts in a row: polling resumes with backoff, the next message is answered, Discord throughout', async () => {
    const { telegram: tg } = await start()
    tg!.failNext('getUpdates', 409, CONFLICT, undefined, 3)
    // The held poll delivers this one; the three polls after it are refused.
    const one = askTelegram('one')
    const during = await until(async () => {
      const h = await health()
      // /healthz and /metrics are two requests: wait for a sample where both saw the conflict.
      return h.status === 503 && h.up.telegram === 0 && h
    }, 'the conflict in /healthz and /metrics')
    expect(during).toMatchObject({ down: ['telegram'], up: { telegram: 0, discord: 1 } })
    expect(during.states.telegram).toMatchObject({
      state: 'retrying',
      reason: 'telegram: another process is polling with this bot token (409 Conflict)',
    })
    expect(await askDiscord('still there?')).toBe('Re: still there?')

    expect(await one).toBe('Re: one')
    expect(await askTelegram('two')).toBe('Re: two')
    expect(tg!.callsTo('getUpdates').filter((c) => c.status === 409)).toHaveLength(3)
    await until(() => stateLines().length === 2, 'the recovery line')
    expect(stateLines()).toEqual([
      'telegram retrying: telegram: another process is polling with this bot token (409 Conflict)',
      'telegram: up again',
    ])
    expect(await health()).toMatchObject({ status: 200, down: [], up: { telegram: 1, discord: 1 } })
    expect(telegramTexts(tg!, CHAT)).toEqual(['Re: one', 'Re: two'])
  })

  test('a revoked token stops Telegram with one line naming it; no more polls; Discord answers on', async () => {
    const { telegram: tg } = await start()
    tg!.revokeToken()
    await until(() => stateLines().length > 0, 'the stop line')
    const polls = tg!.callsTo('getUpdates').length
    expect(await askDiscord('are you there?')).toBe('Re: are you there?')

    expect(stateLines()).toEqual([
      'telegram stopped: TELEGRAM_BOT_TOKEN: rejected by the Bot API (401): the token was revoked or reset; set the current one from @BotFather',
    ])
    expect(tg!.callsTo('getUpdates')).toHaveLength(polls)
    const h = await health()
    expect(h).toMatchObject({ status: 503, down: ['telegram'], up: { telegram: 0, discord: 1 } })
    expect(h.states.telegram).toMatchObject({
      state: 'stopped',
      reason: expect.stringMatching(/^TELEGRAM_BOT_TOKEN: /),
    })
  })

  test('an exception in Herald’s own handler drops that update; the next one is served', async () => {
    const { telegram: tg } = await start()
    // A message without a chat: Herald's handler throws on it.
    tg!.injectUpdate({
      message: { message_id: 1, date: 0, from: { id: CHAT, is_bot: false, first_name: 'Ada' }, text: 'hi' },
    })
    await until(
      () => stack!.herald.logs.find('telegram: update handler failed').length === 1,
      'the logged failure',
    )
    expect(await askTelegram('next')).toBe('Re: next')
    expect((await health()).status).toBe(200)
  })
})

describe('Discord', () => {
  test.skipIf(!hasFrame)(
    'a frame discord.js cannot build is dropped while a Telegram answer streams: it finishes, Discord answers after',
    async () => {
      const { telegram: tg, discord: dc, responses } = await start()
      const answer = 'One, two, three, four, five, six, seven, eight, nine, ten.'
      responses.route = undefined
      responses.enqueue(sse(textAnswer(answer, 10), { delayMs: 150 }))
      tg!.userSays({ chat: { id: CHAT, type: 'private' }, text: 'count to ten' })
      await until(() => tg!.callsTo('sendMessage').length > 0, 'the answer streaming')

      // An interaction as Discord sent them before 2024: no entitlements, no authorizing_integration_owners.
      const recorded = JSON.parse(readFileSync(FRAME, 'utf8')) as { d: Record<string, unknown> }
      const { entitlements: _e, authorizing_integration_owners: _a, ...old } = recorded.d
      dc!.gateway.sendRaw('INTERACTION_CREATE', old)
      const dropped = await until(
        () =>
          stack!.herald.logs.find(
            'discord: gateway event INTERACTION_CREATE dropped: discord.js could not handle it',
          )[0],
        'the dropped event',
      )
      expect(dropped).toMatchObject({ platform: 'discord', event: 'INTERACTION_CREATE' })

      await stack!.answersFinished(1)
      expect(telegramTexts(tg!, CHAT)).toEqual([answer])
      responses.route = answerBy((prompt) => `Re: ${prompt}`)
      expect(await askDiscord('after that frame?')).toBe('Re: after that frame?')
      expect(await health()).toMatchObject({ status: 200, up: { telegram: 1, discord: 1 } })
      expect(stateLines()).toEqual([])
    },
  )

  test('a GUILD_CREATE discord.js cannot build: the client is rebuilt and answers again', async () => {
    const { discord: dc } = await start()
    const identified = dc!.gateway.stats.identifies
    // A guild whose channel list holds a null: discord.js fails half-way through filling its cache.
    dc!.gateway.sendRaw('GUILD_CREATE', { id: '990000000000000001', name: 'Broken', channels: [null] })
    await until(() => stateLines().at(-1) === 'discord: up again', 'the rebuilt client')
    expect(stateLines()).toEqual([
      expect.stringMatching(/^discord retrying: discord: discord.js failed on GUILD_CREATE: TypeError/),
      'discord: up again',
    ])
    expect(dc!.gateway.stats.identifies).toBe(identified + 1)
    expect(await askDiscord('rebuilt?')).toBe('Re: rebuilt?')
    expect(await askTelegram('and here?')).toBe('Re: and here?')
  })

  test.each([
    [
      4004,
      'Authentication failed.',
      'discord stopped: DISCORD_TOKEN: rejected by the gateway (4004 Authentication failed): the token was reset; set the current one from the Developer Portal (Bot → Reset Token)',
    ],
    [
      4014,
      'Disallowed intent(s).',
      'discord stopped: DISCORD_TOKEN: the gateway refused a privileged intent (4014 Disallowed intents): enable Message Content Intent in the Developer Portal (Bot → Privileged Gateway Intents)',
    ],
  ])(
    'a gateway closed with %i stops Discord with one line naming the fix; Telegram answers on',
    async (code, reason, line) => {
      const { discord: dc } = await start()
      dc!.gateway.closeWith(code, reason)
      await until(() => stateLines().length > 0, 'the stop line')
      expect(await askTelegram('still here?')).toBe('Re: still here?')
      expect(stateLines()).toEqual([line])
      const h = await health()
      expect(h).toMatchObject({ status: 503, down: ['discord'], up: { telegram: 1, discord: 0 } })
      expect(h.states.discord).toMatchObject({ state: 'stopped' })
      expect(dc!.gateway.connectedSessions).toBe(0)
    },
  )
})

describe('a second copy started by mistake', () => {
  test('once it is stopped, the first answers again on every platform', async () => {
    const { telegram: tg } = await start()
    const second = await stack!.startNode()
    // Both poll with one token: each new getUpdates ends the other's with a 409.
    await until(
      () => tg!.callsTo('getUpdates').filter((c) => c.status === 409).length >= 2,
      'the two copies in conflict',
    )
    await second.stop()
    await until(
      async () => (await health()).status === 200 && tg!.pollWaiting,
      'the first copy polling again',
    )
    expect(await askTelegram('who answers?')).toBe('Re: who answers?')
    expect(await askDiscord('and on Discord?')).toBe('Re: and on Discord?')
    await until(
      () => stack!.herald.logs.find('answer finished').length === 2,
      'both answered by the first copy',
    )
    expect(second.logs.find('answer finished')).toEqual([])
  })
})
