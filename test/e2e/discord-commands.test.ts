import { afterEach, describe, expect, test } from 'vitest'
import { commands } from '../../src/commands/index.ts'
import { translator, usd } from '../../src/core/i18n/i18n.ts'
import type { FakeChannel, FakeDiscord, FakeUser } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript, textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { botMessages, type DiscordE2E, ephemerals, mention, startDiscordE2E } from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')

/**
 * Runs a slash command and resolves with what it answered: its filled deferred reply, or its
 * private (ephemeral) follow-up, once the deferred reply is filled or removed.
 */
async function run(
  fake: FakeDiscord,
  name: string,
  user: FakeUser,
  options: Record<string, string | boolean> = {},
  channel: FakeChannel = fake.general,
): Promise<{ text: string; private: boolean }> {
  const interaction = fake.slash({ name, options, user, channel })
  const reply = await fake.waitFor(() =>
    fake
      .messages(channel, { ephemeral: true })
      .find((m) => m.interaction?.id === interaction.id && m.content !== ''),
  )
  await fake.waitFor(() => {
    const original = fake.message(interaction.originalId ?? '')
    return original !== undefined && (original.deleted || original.content !== '')
  })
  return { text: reply.content, private: (reply.flags & 64) !== 0 }
}

const refusal = { text: t('policy.admin_only'), private: true }

describe('settings commands in a guild', () => {
  test('/model, /effort and /search are refused privately to a non-admin and apply for an admin', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const { alice, bob } = fake
    expect(await run(fake, 'model', bob, { name: 'gpt-5' })).toEqual(refusal)
    expect(await run(fake, 'effort', bob, { level: 'high' })).toEqual(refusal)
    expect(await run(fake, 'search', bob, { enabled: false })).toEqual(refusal)
    // A refused command leaves no "thinking…" reply behind.
    expect(botMessages(fake)).toEqual([])

    expect(await run(fake, 'model', alice, { name: 'gpt-5' })).toEqual({
      text: t('settings.model_set', { model: 'gpt-5' }),
      private: false,
    })
    expect(await run(fake, 'effort', alice, { level: 'high' })).toEqual({
      text: t('settings.effort_set', { effort: 'high' }),
      private: false,
    })
    expect(await run(fake, 'search', alice, { enabled: false })).toEqual({
      text: t('settings.search_set', { search: t('settings.off') }),
      private: false,
    })

    upstream.enqueue(sse(textAnswer('Configured.', 2)))
    fake.userMessage({ content: mention(fake, 'which settings?'), author: bob })
    await e2e.answersFinished(1)
    const body = upstream.requests[0]!.body!
    expect(body).toMatchObject({ model: 'gpt-5', reasoning: { effort: 'high', summary: 'auto' } })
    // Herald's own function tools only: no web search.
    expect((body.tools as { type: string }[]).map((tool) => tool.type)).toEqual(['function', 'function'])
  })

  test('in a DM anyone may choose their own settings', async () => {
    e2e = await startDiscordE2E()
    const { fake } = e2e
    const dm = fake.dmChannel(fake.bob)
    expect(await run(fake, 'model', fake.bob, { name: 'gpt-4.1' }, dm)).toEqual({
      text: t('settings.model_set', { model: 'gpt-4.1' }),
      private: false,
    })
  })
})

describe('/usage, /help, /reset, /cancel', () => {
  test('/usage shows a member their spending and an admin the top spenders too', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const usage = {
      input_tokens: 100_000,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 50_000,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 150_000,
    }
    // gpt-5-mini: 100k input × $0.25/M + 50k output × $2/M = $0.125.
    upstream.enqueue(sse(new Transcript().start().message(['Costly', ' answer.']).completed(usage).events))
    fake.userMessage({ content: mention(fake, 'spend something') })
    await e2e.answersFinished(1)

    expect(await run(fake, 'usage', fake.bob)).toEqual({
      text: t('usage.line', { who: 'bob', today: usd(0), month: usd(0) }),
      private: true,
    })
    const top = `1. alice (discord:${fake.alice.id}): $0.13 · requests: 1`
    expect(await run(fake, 'usage', fake.alice)).toEqual({
      text: [
        t('usage.line', { who: 'alice', today: '$0.13', month: '$0.13' }),
        '',
        t('usage.top_day'),
        top,
        '',
        t('usage.top_month'),
        top,
      ].join('\n'),
      private: true,
    })
  })

  test('/help answers privately, listing the commands a member may use in the channel', async () => {
    e2e = await startDiscordE2E()
    expect(await run(e2e.fake, 'help', e2e.fake.bob)).toEqual({ text: memberHelp(), private: true })
    expect(botMessages(e2e.fake)).toEqual([])
  })

  test('/reset makes the next ask start a new conversation', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(
      sse(textAnswer('First.', 2, { id: 'resp_a' })),
      sse(textAnswer('Second.', 2, { id: 'resp_b' })),
      sse(textAnswer('Fresh start.', 2, { id: 'resp_c' })),
    )
    fake.userMessage({ content: mention(fake, 'one') })
    await e2e.answersFinished(1)
    fake.userMessage({ content: mention(fake, 'two') })
    await e2e.answersFinished(2)
    expect(await run(fake, 'reset', fake.bob)).toEqual({ text: t('reset.done'), private: false })
    fake.userMessage({ content: mention(fake, 'three') })
    await e2e.answersFinished(3)
    expect(upstream.requests.map((r) => r.body!.previous_response_id)).toEqual([
      undefined,
      'resp_a',
      undefined,
    ])
  })

  test('/cancel stops the caller’s running answer, and says so when there is none', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    expect(await run(fake, 'cancel', fake.bob)).toEqual({ text: t('cancel.none'), private: true })
    const events = new Transcript().start().message(['Thinking', ' out loud', ' forever']).completed().events
    upstream.enqueue(sse(events, { stallAfter: 6 }))
    fake.userMessage({ content: mention(fake, 'never stop'), author: fake.bob })
    const answer = await fake.waitFor(() =>
      botMessages(fake).find((m) => m.content.startsWith('Thinking out loud')),
    )
    expect(await run(fake, 'cancel', fake.bob)).toEqual({ text: t('cancel.done'), private: true })
    await e2e.answersFinished(1)
    expect(fake.message(answer.id)).toMatchObject({
      content: `Thinking out loud\n\n-# ${t('reason.aborted')}`,
      components: [],
    })
    expect(ephemerals(fake).map((m) => m.content)).toEqual([t('cancel.none'), t('cancel.done')])
  })
})

describe('registration and restarts', () => {
  test('slash commands are registered in the guild once, and not again on a restart', async () => {
    e2e = await startDiscordE2E()
    const { fake } = e2e
    const puts = () => fake.requests.filter((r) => r.method === 'PUT' && r.route.includes('/commands'))
    const gets = () => fake.requests.filter((r) => r.method === 'GET' && r.route.includes('/commands'))
    expect(puts().map((r) => r.path)).toEqual([
      `/applications/${fake.applicationId}/guilds/${fake.guild.id}/commands`,
    ])
    expect(fake.commands().map((c) => c.name)).toEqual([])
    const registered = fake.commands(fake.guild.id)
    expect(registered.map((c) => c.name).sort()).toEqual(
      [
        'ask',
        'cancel',
        'effort',
        'help',
        'image',
        'language',
        'model',
        'reasoning',
        'research',
        'reset',
        'search',
        'status',
        'usage',
        'voice',
        'pictures',
      ].sort(),
    )
    expect(registered.find((c) => c.name === 'ask')?.options).toMatchObject([
      { name: 'prompt', type: 3, required: true, max_length: 6000 },
      { name: 'model', type: 3 },
      {
        name: 'effort',
        type: 3,
        choices: ['minimal', 'low', 'medium', 'high'].map((c) => ({ name: c, value: c })),
      },
      { name: 'search', type: 5 },
      { name: 'image', type: 11 },
    ])
    expect(registered.find((c) => c.name === 'status')?.default_member_permissions).toBe('0')

    await e2e.restart()
    expect(puts()).toHaveLength(1)
    expect(gets()).toHaveLength(2)
    expect(e2e.said.filter((line) => line === 'herald: discord ready')).toHaveLength(2)
  })

  test('a restart on the same SQLite file keeps conversations and settings', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(
      sse(textAnswer('Before the restart.', 2, { id: 'resp_before' })),
      sse(textAnswer('After the restart.', 2, { id: 'resp_after' })),
      sse(textAnswer('Replying to the old one.', 2, { id: 'resp_reply' })),
    )
    await run(fake, 'model', fake.alice, { name: 'gpt-5-nano' })
    fake.userMessage({ content: mention(fake, 'remember this') })
    await e2e.answersFinished(1)
    const [, before] = botMessages(fake)
    expect(before!.content).toBe('Before the restart.')

    await e2e.restart()
    fake.userMessage({ content: mention(fake, 'do you remember?') })
    await e2e.answersFinished(2)
    fake.userMessage({ content: 'and this one?', replyTo: before! })
    await e2e.answersFinished(3)
    expect(upstream.requests.map((r) => [r.body!.model, r.body!.previous_response_id])).toEqual([
      ['gpt-5-nano', undefined],
      ['gpt-5-nano', 'resp_before'],
      ['gpt-5-nano', 'resp_before'],
    ])
  })
})

/** /help for a member in a guild channel: settings and /status are the admins' there. */
function memberHelp(): string {
  const names = ['ask', 'image', 'research', 'reset', 'usage', 'cancel', 'help']
  const lines = commands.filter((c) => names.includes(c.name)).map((c) => `/${c.name}: ${c.description.en}`)
  expect(lines).toHaveLength(names.length)
  return [t('help.intro'), ...lines].join('\n')
}
