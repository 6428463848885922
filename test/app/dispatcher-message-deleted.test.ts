import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import type { Services } from '../../src/app/services.ts'
import { createServices } from '../../src/app/services.ts'
import { commands } from '../../src/commands/index.ts'
import type { RunningAnswer } from '../../src/core/answers/answer-records.ts'
import type { Herald } from '../../src/core/contracts/chat.ts'
import { HeraldError } from '../../src/core/contracts/errors.ts'
import { silentLogger } from '../../src/core/contracts/log.ts'

let dir: string
let services: Services
let herald: Herald

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-deleted-'))
  const config = await loadConfig({
    OPENAI_API_KEY: 'sk-deleted-test-0123456789',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
  })
  services = await createServices(config, { log: silentLogger })
  herald = createHerald(services, commands)
})

afterEach(async () => {
  await services.client.close()
  await services.media.close()
  await services.store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** An answer streaming in `chatKey` that has sent `messageIds`. */
async function running(id: string, chatKey: string, messageIds: string[]): Promise<RunningAnswer> {
  const chatId = chatKey.split(':')[1]!
  const started = await services.answers.start({
    id,
    userKey: `discord:${id}`,
    chat: { platform: 'discord', id: chatId, kind: 'group', key: chatKey },
  })
  if (!started.ok) throw new Error('expected to start')
  const sent = [...messageIds]
  const surface = started.answer.wrap({
    chatKey,
    limit: 2000,
    pace: { perMessageMs: 1000, perChatMs: 1000 },
    format: 'discord-markdown',
    send: async () => ({ id: sent.shift()!, chatId }),
    edit: async () => {},
  })
  for (const _ of messageIds) await surface.send({ text: '…', format: 'discord-markdown' })
  return started.answer
}

test('a deleted message stops the answer streaming into it, and only that one', async () => {
  const first = await running('a1', 'discord:100', ['m1', 'm2'])
  const other = await running('a2', 'discord:100', ['m3'])
  const elsewhere = await running('a3', 'discord:200', ['m2'])

  herald.onMessageDeleted?.('discord:100', 'm2')

  expect(first.controller.signal.aborted).toBe(true)
  expect(first.controller.signal.reason).toBeInstanceOf(HeraldError)
  expect(first.controller.signal.reason).toMatchObject({ kind: 'gone' })
  expect(other.controller.signal.aborted).toBe(false)
  expect(elsewhere.controller.signal.aborted).toBe(false)
})

test('a deletion of a message no answer holds changes nothing', async () => {
  const answer = await running('a1', 'discord:100', ['m1'])
  const before = await running('a2', 'discord:100', [])

  herald.onMessageDeleted?.('discord:100', 'user-message')
  herald.onMessageDeleted?.('telegram:100', 'm1')

  expect(answer.controller.signal.aborted).toBe(false)
  expect(before.controller.signal.aborted).toBe(false)
})
