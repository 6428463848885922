import { Client, Events, GatewayIntentBits, type Message } from 'discord.js'
import { afterEach, describe, expect, test } from 'vitest'
import { type FakeDiscord, startFakeDiscord } from '../../fakes/fake-discord.ts'
import { shardOf } from '../../fakes/fake-discord-state.ts'

/**
 * The fake's sharding, with the real discord.js: `GET /gateway/bot` recommends a shard count, and a
 * client identifying as shard i of N is told of, and hears from, only the guilds it owns
 * (`(guild_id >> 22) % N`).
 */
let fake: FakeDiscord | undefined
const clients: Client[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) await client.destroy()
  await fake?.close()
  fake = undefined
})

async function shardClient(f: FakeDiscord, shard: number, count: number): Promise<Client> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    rest: { api: f.apiRoot },
    shards: [shard],
    shardCount: count,
  })
  clients.push(client)
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()))
  await client.login(f.token)
  await ready
  return client
}

describe.each([2, 3])('the fake Discord with %i shards', (count) => {
  test('recommends the count and routes each guild to its own shard only', async () => {
    const f = await startFakeDiscord({ shards: count, maxConcurrency: 16 })
    fake = f
    const info = (await (
      await fetch(`${f.apiRoot}/v10/gateway/bot`, { headers: { Authorization: `Bot ${f.token}` } })
    ).json()) as { shards: number; session_start_limit: { max_concurrency: number } }
    expect([info.shards, info.session_start_limit.max_concurrency]).toEqual([count, 16])

    const extra = Array.from({ length: count }, (_, i) => f.addGuild(`Guild on shard ${i}`, [i, count]))
    expect(extra.map(({ guild }) => shardOf(guild.id, count))).toEqual(extra.map((_, i) => i))
    const shards = await Promise.all(extra.map((_, i) => shardClient(f, i, count)))
    expect(f.gateway.connectedShards).toEqual(extra.map((_, i) => [i, count]))

    const heard: string[][] = shards.map(() => [])
    shards.forEach((client, i) => {
      client.on(Events.MessageCreate, (message: Message) => void heard[i]!.push(message.content))
    })
    for (const [i, { guild, general }] of extra.entries()) {
      expect(shards[i]!.guilds.cache.has(guild.id)).toBe(true)
      f.userMessage({ channel: general, content: `hello shard ${i}` })
    }
    await f.waitFor(() => heard.every((h) => h.length > 0))
    expect(heard).toEqual(extra.map((_, i) => [`hello shard ${i}`]))
    // No shard knows a guild another shard owns.
    for (const [i, client] of shards.entries()) {
      expect(
        extra.filter(({ guild }) => client.guilds.cache.has(guild.id)).map(({ guild }) => guild.name),
      ).toEqual([`Guild on shard ${i}`])
    }
  })
})
