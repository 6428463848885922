import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { loadConfig, secretsOf } from '../../src/app/config.ts'
import { type Running, startHerald } from '../../src/app/lifecycle.ts'
import { createLogger } from '../../src/core/contracts/log.ts'
import { answerBy } from '../e2e/harness.ts'
import { type FakeDiscord, startFakeDiscord } from '../fakes/fake-discord.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../fakes/fake-responses-api.ts'
import { captureLogs, freePort } from '../helpers/bot-stack.ts'
import { until } from './stack.ts'

/**
 * DISCORD_SHARDS: `startHerald` runs discord.js's ShardingManager, which starts one real Herald
 * process per shard (src/main.ts) on the shared SQLite file. The fake Discord recommends the shard
 * count and sends each guild's events only to the shard that owns it.
 */
const TOKEN = 'shards-SECRET-discord-token.0123456789abcdef'

describe('Discord shards', () => {
  let fake: FakeDiscord | undefined
  let responses: FakeResponsesApi | undefined
  let running: Running | undefined
  let dir: string | undefined
  afterEach(async () => {
    await running?.stop()
    await fake?.close()
    await responses?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
    running = fake = responses = dir = undefined
  })

  test.each([
    [2, 'auto'],
    [3, '3'],
  ])(
    '%i shards (DISCORD_SHARDS=%s): each guild answered by its own shard, commands registered once',
    async (count, setting) => {
      fake = await startFakeDiscord({
        token: TOKEN,
        shards: count,
        maxConcurrency: 16,
        heartbeatIntervalMs: 5000,
      })
      const discord = fake
      responses = await startFakeResponsesApi()
      responses.route = answerBy((prompt) => `Answered: ${prompt}`)
      dir = mkdtempSync(join(tmpdir(), 'herald-shards-'))
      const people = [discord.alice, discord.bob, discord.addUser('carol')]
      const guilds = Array.from({ length: count }, (_, i) => discord.addGuild(`Guild ${i}`, [i, count]))
      const config = await loadConfig({
        OPENAI_API_KEY: 'sk-shards-0123456789',
        OPENAI_BASE_URL: responses.url,
        STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
        DISCORD_TOKEN: TOKEN,
        DISCORD_API_ROOT: discord.apiRoot,
        DISCORD_SHARDS: setting,
        HTTP_PORT: String(await freePort()),
        SHUTDOWN_GRACE_MS: '500',
        LOG_LEVEL: 'info',
      })
      const logs = captureLogs()
      const shardLines = new Map<number, string[]>()
      const said: string[] = []
      running = await startHerald(
        config,
        createLogger({ level: 'info', secrets: secretsOf(config), destination: logs }),
        (line) => void said.push(line),
        {
          shardOutput: (line, shard) => void shardLines.set(shard, [...(shardLines.get(shard) ?? []), line]),
        },
      )
      expect(said).toContain(`herald: discord ready (${count} shards, one process each)`)
      expect(discord.gateway.connectedShards).toEqual(guilds.map((_, i) => [i, count]))
      const health = await fetch(`http://127.0.0.1:${running.httpPort}/healthz`)
      expect(health.status).toBe(200)
      expect(((await health.json()) as { checks: unknown }).checks).toEqual({
        store: true,
        ...Object.fromEntries(guilds.map((_, i) => [`discord-shard-${i}`, true])),
      })
      // Only shard 0's process registers the slash commands.
      expect(
        discord.requests.filter((r) => r.method === 'PUT' && r.route.includes('/commands')),
      ).toHaveLength(1)

      // Everyone at once, each in their own guild.
      for (const [i, { general }] of guilds.entries()) {
        discord.userMessage({
          channel: general,
          author: people[i]!,
          content: `<@${discord.bot.id}> question ${i}`,
        })
      }
      await until(
        () =>
          guilds.every(({ general }, i) =>
            discord.messages(general).some((m) => m.content === `Answered: question ${i}`),
          ),
        'an answer in every guild',
        20_000,
      )
      // Each answer came from the process of the shard that owns its guild, and from no other.
      const finished = (shard: number) =>
        (shardLines.get(shard) ?? []).filter((line) => line.includes('"msg":"answer finished"')).length
      await until(() => guilds.every((_, i) => finished(i) > 0), 'the shards to log their answers')
      expect(guilds.map((_, i) => finished(i))).toEqual(guilds.map(() => 1))
      expect(responses.requests).toHaveLength(count)

      // The manager's /metrics adds up the shards' series: every answer counted, every process listed.
      const exposition = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text()
      const completed = exposition
        .split('\n')
        .filter(
          (line) =>
            /^herald_answers_total\{.*platform="discord"/.test(line) && line.includes('status="completed"'),
        )
      expect(completed.map((line) => Number(line.split(' ').at(-1)))).toEqual([count])
      const processes = exposition.split('\n').filter((line) => line.startsWith('herald_process_info{'))
      expect(processes.filter((line) => line.includes('role="discord-shard"'))).toHaveLength(count)
      expect(processes.filter((line) => line.includes('role="main"'))).toHaveLength(1)

      await running.stop()
      running = undefined
      expect(discord.gateway.connectedShards).toEqual([])
    },
    // Starting real processes on a busy machine: seconds each, so more than the default allows.
    60_000,
  )
})
