import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeDiscord, FakeMessage, FakeUser } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import { botMessages, type DiscordE2E, mention, startDiscordE2E } from './discord-harness.ts'

/**
 * One guild channel, two people: Chen's Discord is in Chinese (`zh-CN`), Bob's in English. At
 * default settings each reads Herald's own words in their language.
 */
const en = translator('en')
const zh = translator('zh')

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

/** Runs a slash command and resolves with the text it answered with (a reply or a private follow-up). */
async function run(fake: FakeDiscord, name: string, user: FakeUser, options: Record<string, string> = {}) {
  const interaction = fake.slash({ name, options, user })
  const reply = await fake.waitFor(() =>
    fake
      .messages(fake.general, { ephemeral: true })
      .find((m) => m.interaction?.id === interaction.id && m.content !== ''),
  )
  return reply.content
}

function buttonLabels(message: FakeMessage): string[] {
  const rows = message.components as Array<{ components: Array<{ label?: string }> }>
  return rows.flatMap((row) => row.components.flatMap((button) => (button.label ? [button.label] : [])))
}

describe('Discord: each person in their own language', () => {
  test('help, refusals and the Stop button follow each person’s Discord language', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const chen = fake.addUser('chen', { locale: 'zh-CN' })
    const { bob } = fake

    expect((await run(fake, 'help', chen)).split('\n')[0]).toBe('**Herald**：有问必答。')
    expect((await run(fake, 'help', bob)).split('\n')[0]).toBe('**Herald**: ask anything.')
    expect(await run(fake, 'model', chen, { name: 'gpt-5' })).toBe(zh('policy.admin_only'))
    expect(await run(fake, 'model', bob, { name: 'gpt-5' })).toBe(en('policy.admin_only'))

    const story = new Transcript({ id: 'resp_chen' }).start().message(['从前', '有座山']).completed()
    upstream.enqueue(sse(story.events, { stallAfter: story.events.length - 4 }))
    fake.slash({ name: 'ask', options: { prompt: '讲个故事' }, user: chen })
    const live = await fake.waitFor(() => {
      const m = fake.messages(fake.general).find((x) => x.content.startsWith('从前有座山'))
      return m && buttonLabels(m).length > 0 && m
    })
    expect(buttonLabels(live)).toEqual(['停止'])
  })

  test('a mention carries no locale: the one Discord reported on the person’s last command is used', async () => {
    e2e = await startDiscordE2E()
    const { fake } = e2e
    const chen = fake.addUser('chen', { locale: 'zh-CN' })
    await run(fake, 'help', chen)
    fake.userMessage({ content: mention(fake, ''), author: chen })
    fake.userMessage({ content: mention(fake, ''), author: fake.bob })
    const replies = await fake.waitFor(() => {
      const found = botMessages(fake).filter(
        (m) => m.content === zh('ask.empty') || m.content === en('ask.empty'),
      )
      return found.length === 2 && found
    })
    expect(replies.map((m) => m.content).sort()).toEqual([en('ask.empty'), zh('ask.empty')].sort())
  })
})
