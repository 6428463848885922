import { afterEach, describe, expect, test } from 'vitest'
import { createDiscordAdapter } from '../../../src/adapters/discord/discord-adapter.ts'
import { ConfigError } from '../../../src/core/contracts/errors.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import { startFakeDiscord } from '../../fakes/fake-discord.ts'
import {
  type Harness,
  nextInvocation,
  nextPress,
  recordingHerald,
  startHarness,
  testCommands,
} from './discord-harness.ts'

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const puts = (harness: Harness) =>
  harness.fake.requests.filter((r) => r.method === 'PUT' && r.route.includes('/commands'))

describe('start-up', () => {
  test('logs in, turns healthy and registers the slash commands in the configured guild', async () => {
    h = await startHarness()
    expect(h.adapter.healthy()).toBe(true)
    expect(puts(h).map((r) => r.path)).toEqual([
      `/applications/${h.fake.applicationId}/guilds/${h.fake.guild.id}/commands`,
    ])
    const [ask, search, research] = h.fake.commands(h.fake.guild.id)
    expect(ask).toMatchObject({
      name: 'ask',
      type: 1,
      description: 'Ask Herald',
      description_localizations: { 'zh-CN': '向 Herald 提问' },
      default_member_permissions: null,
      options: [
        {
          type: 3,
          name: 'prompt',
          description: 'Your question',
          description_localizations: { 'zh-CN': '你的问题' },
          required: true,
          max_length: 4000,
        },
        {
          type: 3,
          name: 'effort',
          description: 'Reasoning effort',
          description_localizations: { 'zh-CN': '推理强度' },
          choices: [
            { name: 'low', value: 'low' },
            { name: 'high', value: 'high' },
          ],
        },
      ],
    })
    expect(search?.options).toEqual([
      {
        type: 5,
        name: 'on',
        description: 'On?',
        description_localizations: { 'zh-CN': '开启？' },
        required: true,
      },
    ])
    expect(research?.default_member_permissions).toBe('0')
    expect(h.fake.commands()).toEqual([])
  })

  test('skips registration when Discord already has the same commands, and updates changed ones', async () => {
    h = await startHarness()
    const again = await startHarness({ reuse: h.fake })
    await again.close()
    expect(puts(h)).toHaveLength(1)
    const changed = testCommands.map((c) =>
      c.name === 'search' ? { ...c, description: { en: 'Search the web', zh: '网页搜索' } } : c,
    )
    const third = await startHarness({ reuse: h.fake, commands: changed })
    await third.close()
    expect(puts(h)).toHaveLength(2)
    expect(h.fake.commands(h.fake.guild.id).find((c) => c.name === 'search')?.description).toBe(
      'Search the web',
    )
  })

  test('registers globally when no guild is configured', async () => {
    h = await startHarness({ config: { guildIds: [] } })
    expect(puts(h).map((r) => r.path)).toEqual([`/applications/${h.fake.applicationId}/commands`])
    expect(h.fake.commands().map((c) => c.name)).toEqual(['ask', 'search', 'research'])
  })

  test('a rejected token stops start-up with one line naming DISCORD_TOKEN', async () => {
    const fake = await startFakeDiscord()
    const adapter = createDiscordAdapter({
      config: { token: 'not-the-token', apiRoot: fake.apiRoot, guildIds: [], adminIds: [], adminRoleIds: [] },
      herald: recordingHerald(),
      commands: testCommands,
      log: silentLogger,
    })
    try {
      const error = await adapter.start().catch((err: unknown) => err)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).message).toBe(
        'DISCORD_TOKEN: rejected by Discord (401): reset it in the Developer Portal (Bot → Reset Token)',
      )
    } finally {
      await adapter.stop()
      await fake.close()
    }
  })

  test('a missing Message Content intent stops start-up with what to enable', async () => {
    const fake = await startFakeDiscord({ messageContentAllowed: false })
    const adapter = createDiscordAdapter({
      config: { token: fake.token, apiRoot: fake.apiRoot, guildIds: [], adminIds: [], adminRoleIds: [] },
      herald: recordingHerald(),
      commands: testCommands,
      log: silentLogger,
    })
    try {
      const error = await adapter.start().catch((err: unknown) => err)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe('DISCORD_TOKEN')
      expect((error as ConfigError).message).toContain('Privileged Gateway Intents')
    } finally {
      await adapter.stop()
      await fake.close()
    }
  })

  test('stop ends the connection and health', async () => {
    h = await startHarness()
    await h.adapter.stop()
    expect(h.adapter.healthy()).toBe(false)
  })
})

describe('slash commands', () => {
  test('are deferred within the deadline, then handed to the Herald with parsed options', async () => {
    h = await startHarness()
    const harness = h
    let acknowledgedFirst = false
    harness.herald.onHandle = async () => {
      acknowledgedFirst = harness.fake.requests.some((r) => r.route.endsWith('/callback') && r.status === 204)
    }
    const interaction = h.fake.slash({
      name: 'ask',
      options: { prompt: 'Why is the sky blue?', effort: 'high' },
    })
    const invocation = await nextInvocation(h)
    expect(acknowledgedFirst).toBe(true)
    expect(h.fake.requests.find((r) => r.route.endsWith('/callback'))?.body).toEqual({
      type: 5,
      data: { flags: 0 },
    })
    expect(invocation).toMatchObject({
      eventId: `discord:interaction:${interaction.id}`,
      command: 'ask',
      args: { prompt: 'Why is the sky blue?', effort: 'high' },
      user: {
        platform: 'discord',
        id: h.fake.alice.id,
        name: 'alice',
        isAdmin: true,
        roleIds: [h.fake.adminRole.id],
      },
      chat: {
        platform: 'discord',
        id: h.fake.general.id,
        kind: 'group',
        key: `discord:${h.fake.general.id}`,
        guildId: h.fake.guild.id,
      },
      images: [],
    })
    expect(invocation.replyTo).toBeUndefined()
    expect(invocation.surface.chatKey).toBe(`discord:${h.fake.general.id}`)
    expect(typeof invocation.openThread).toBe('function')
  })

  test('boolean options arrive as booleans and a member without admin roles is no admin', async () => {
    h = await startHarness()
    h.fake.slash({ name: 'search', options: { on: false }, user: h.fake.bob })
    const invocation = await nextInvocation(h)
    expect(invocation.args).toEqual({ on: false })
    expect(invocation.user).toEqual({
      platform: 'discord',
      id: h.fake.bob.id,
      name: 'bob',
      isAdmin: false,
      roleIds: [],
      locale: 'en-US',
    })
  })

  test('admin user ids from the configuration make an admin without a role', async () => {
    const fake = await startFakeDiscord()
    try {
      h = await startHarness({ reuse: fake, config: { adminIds: [fake.bob.id] } })
      fake.slash({ name: 'ask', options: { prompt: 'hi' }, user: fake.bob })
      expect((await nextInvocation(h)).user.isAdmin).toBe(true)
    } finally {
      await h?.close()
      h = undefined
      await fake.close()
    }
  })

  test('in a DM the chat is private and the user has no guild roles', async () => {
    h = await startHarness()
    const dm = h.fake.dmChannel(h.fake.bob)
    h.fake.slash({ name: 'ask', options: { prompt: 'hi' }, user: h.fake.bob, channel: dm })
    const invocation = await nextInvocation(h)
    expect(invocation.chat).toEqual({
      platform: 'discord',
      id: dm.id,
      kind: 'private',
      key: `discord:${dm.id}`,
    })
    expect(invocation.user).toEqual({
      platform: 'discord',
      id: h.fake.bob.id,
      name: 'bob',
      isAdmin: false,
      locale: 'en-US',
    })
    expect(invocation.openThread).toBeUndefined()
  })

  test('openThread starts a thread in the channel and answers there', async () => {
    h = await startHarness()
    h.fake.slash({ name: 'research', options: { topic: 'tides' } })
    const invocation = await nextInvocation(h)
    const thread = await invocation.openThread!('Research: tides')
    const ref = await thread.send({ text: 'Report part 1', format: 'discord-markdown' })
    const channel = h.fake.world.channels.get(ref.chatId)!
    expect(channel).toMatchObject({ type: 11, name: 'Research: tides', parentId: h.fake.general.id })
    expect(thread.chatKey).toBe(`discord:${channel.id}`)
    expect(h.fake.requests.filter((r) => r.route.endsWith('/threads')).map((r) => r.route)).toEqual([
      '/channels/:channel/threads',
    ])
  })

  test('a deferred reply the command never wrote into is removed', async () => {
    h = await startHarness()
    h.fake.slash({ name: 'ask', options: { prompt: 'hi' } })
    await nextInvocation(h)
    const harness = h
    const removal = await h.fake.waitFor(() => harness.fake.requests.find((r) => r.method === 'DELETE'))
    expect(removal.path).toMatch(/\/messages\/@original$/)
    expect(h.fake.messages(h.fake.general)).toEqual([])
  })
})

describe('messages', () => {
  test('a mention in a guild channel is a prompt, without the mention', async () => {
    h = await startHarness()
    const message = h.fake.userMessage({ content: `<@${h.fake.bot.id}> what is 2+2?`, author: h.fake.bob })
    const invocation = await nextInvocation(h)
    expect(invocation).toMatchObject({
      eventId: `discord:message:${message.id}`,
      command: 'ask',
      args: { prompt: 'what is 2+2?' },
      user: { id: h.fake.bob.id, name: 'bob', isAdmin: false, roleIds: [] },
      chat: { id: h.fake.general.id, kind: 'group', guildId: h.fake.guild.id },
      images: [],
    })
    expect(invocation.replyTo).toBeUndefined()
  })

  test('messages without a mention, and messages of bots, are not prompts', async () => {
    h = await startHarness()
    const robot = h.fake.addUser('robot', { bot: true })
    h.fake.userMessage({ content: 'just chatting' })
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> from a bot`, author: robot })
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> the real one` })
    const invocation = await nextInvocation(h)
    expect(invocation.args).toEqual({ prompt: 'the real one' })
    expect(h.herald.invocations).toHaveLength(1)
  })

  test('any message in a DM is a prompt in a private chat', async () => {
    h = await startHarness()
    const dm = h.fake.dmChannel(h.fake.bob)
    h.fake.userMessage({ content: 'hello there', author: h.fake.bob, channel: dm })
    const invocation = await nextInvocation(h)
    expect(invocation.chat).toEqual({
      platform: 'discord',
      id: dm.id,
      kind: 'private',
      key: `discord:${dm.id}`,
    })
    expect(invocation.user).toEqual({ platform: 'discord', id: h.fake.bob.id, name: 'bob', isAdmin: false })
    expect(invocation.args).toEqual({ prompt: 'hello there' })
    expect(invocation.openThread).toBeUndefined()
  })

  test('a reply to a bot message continues that branch', async () => {
    h = await startHarness()
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> first question` })
    const first = await nextInvocation(h)
    const answer = await first.surface.send({ text: 'First answer', format: 'discord-markdown' })
    h.fake.userMessage({ content: 'and then?', replyTo: h.fake.message(answer.id)! })
    const second = await nextInvocation(h)
    expect(second.replyTo).toBe(answer.id)
    expect(second.args).toEqual({ prompt: 'and then?' })
  })

  test('in a thread Herald opened, every message continues the thread', async () => {
    h = await startHarness()
    const question = h.fake.userMessage({ content: `<@${h.fake.bot.id}> write a long report` })
    const first = await nextInvocation(h)
    const thread = await first.openThread!('Report: a very long title '.repeat(10))
    await thread.send({ text: 'The report', format: 'discord-markdown' })
    const channel = h.fake.world.channels.get(question.id)!
    expect(channel).toMatchObject({ type: 11, parentId: h.fake.general.id, ownerId: h.fake.bot.id })
    expect(channel.name).toHaveLength(100)
    expect(h.fake.messages(channel).map((m) => m.content)).toEqual(['The report'])
    h.fake.userMessage({ content: 'more detail please', channel })
    const followUp = await nextInvocation(h)
    expect(followUp.chat).toEqual({
      platform: 'discord',
      id: channel.id,
      kind: 'group',
      key: `discord:${channel.id}`,
      guildId: h.fake.guild.id,
      parentId: h.fake.general.id,
      locale: 'en-US',
    })
    expect(followUp.openThread).toBeUndefined()
  })

  test('images attached to a prompt are described up front and fetched on demand', async () => {
    h = await startHarness()
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])
    h.fake.userMessage({
      content: `<@${h.fake.bot.id}> what is this?`,
      attachments: [
        { filename: 'cat.png', contentType: 'image/png', bytes },
        { filename: 'notes.txt', contentType: 'text/plain', bytes: new Uint8Array([65]) },
      ],
    })
    const invocation = await nextInvocation(h)
    expect(invocation.images.map((i) => [i.size, i.mime])).toEqual([[7, 'image/png']])
    expect(await invocation.images[0]!.fetch()).toEqual({ mime: 'image/png', bytes })
  })
})

describe('buttons', () => {
  test('a press is acknowledged at once and reaches the Herald with its data', async () => {
    h = await startHarness()
    h.fake.slash({ name: 'research', options: { topic: 'tides' } })
    const invocation = await nextInvocation(h)
    const card = await invocation.notify('Estimated cost: $12. Go?', {
      buttons: [{ label: 'Confirm', data: 'research:confirm:1', style: 'success' }],
    })
    const message = h.fake.message(card!.id)!
    h.fake.pressButton({ message, customId: 'research:confirm:1', user: h.fake.bob })
    const press = await nextPress(h)
    expect(press).toMatchObject({
      data: 'research:confirm:1',
      message: { id: message.id, chatId: h.fake.general.id },
      user: { id: h.fake.bob.id, isAdmin: false },
      chat: { id: h.fake.general.id, kind: 'group' },
    })
    expect(press.eventId).toMatch(/^discord:interaction:\d+$/)
    const callbacks = h.fake.requests.filter((r) => r.route.endsWith('/callback')).map((r) => r.body)
    expect(callbacks).toEqual([{ type: 5, data: { flags: 0 } }, { type: 6 }])
    await press.answer('Only admins can confirm research.')
    const [answer] = h.fake.messages(h.fake.general, { ephemeral: true }).filter((m) => m.flags & 64)
    expect(answer?.content).toBe('Only admins can confirm research.')
  })
})

describe('resilience', () => {
  test('the error listener keeps the process alive and a throwing Herald does not stop the next prompt', async () => {
    h = await startHarness()
    expect(h.adapter.client.emit('error', new Error('boom'))).toBe(true)
    h.herald.onHandle = () => {
      throw new Error('herald broke')
    }
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> one` })
    await nextInvocation(h)
    h.herald.onHandle = async () => {}
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> two` })
    expect((await nextInvocation(h)).args).toEqual({ prompt: 'two' })
    expect(h.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([
      'discord client error',
      'discord event handling failed',
    ])
  })

  test('after op 7 RECONNECT the client resumes the session and keeps serving', async () => {
    h = await startHarness()
    const harness = h
    h.fake.reconnect()
    await h.fake.waitFor(() => harness.fake.gateway.stats.resumes === 1)
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> still there?` })
    expect((await nextInvocation(h)).args).toEqual({ prompt: 'still there?' })
    expect(h.fake.gateway.stats.identifies).toBe(1)
    expect(h.adapter.healthy()).toBe(true)
  })

  test('a restart serves events through a new client and registers the commands only once', async () => {
    h = await startHarness()
    const first = h.adapter.client
    await h.adapter.restart()
    expect(h.adapter.client).not.toBe(first)
    expect(h.adapter.healthy()).toBe(true)
    expect(h.fake.gateway.stats.identifies).toBe(2)
    const commandCalls = h.fake.requests.filter((r) => r.route.includes('/commands'))
    expect(commandCalls.map((r) => r.method)).toEqual(['GET', 'PUT'])
    h.fake.userMessage({ content: `<@${h.fake.bot.id}> after the restart` })
    expect((await nextInvocation(h)).args).toEqual({ prompt: 'after the restart' })
    expect(h.herald.invocations).toHaveLength(1)
    expect(h.logs.filter((l) => l.msg === 'discord adapter ready')).toHaveLength(2)
  })

  test('a restart after stop does nothing', async () => {
    h = await startHarness()
    const client = h.adapter.client
    await h.adapter.stop()
    await h.adapter.restart()
    expect(h.adapter.client).toBe(client)
    expect(h.fake.gateway.stats.identifies).toBe(1)
    expect(h.adapter.healthy()).toBe(false)
  })

  test('heartbeats are acknowledged', async () => {
    h = await startHarness({ fake: { heartbeatIntervalMs: 100 } })
    const harness = h
    await h.fake.waitFor(() => harness.fake.gateway.stats.heartbeats >= 2)
    expect(h.adapter.healthy()).toBe(true)
  })
})
