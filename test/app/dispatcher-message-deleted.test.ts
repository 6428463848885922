import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import type { Services } from '../../src/app/services.ts'
import { createServices } from '../../src/app/services.ts'
import { commands } from '../../src/commands/index.ts'
import type { ActiveAnswer } from '../../src/core/answers/active-answers.ts'
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
  await services.store.close()
  rmSync(dir, { recursive: true, force: true })
})

function running(id: string, chatKey: string, messageIds: string[]): ActiveAnswer {
  const answer: ActiveAnswer = {
    id,
    userId: 'discord:1',
    chatKey,
    controller: new AbortController(),
    startedAt: 0,
    done: Promise.resolve(),
    refs: () => messageIds.map((mid) => ({ id: mid, chatId: chatKey.split(':')[1]! })),
  }
  services.answers.add(answer)
  return answer
}

test('a deleted message stops the answer streaming into it, and only that one', async () => {
  const first = running('a1', 'discord:100', ['m1', 'm2'])
  const other = running('a2', 'discord:100', ['m3'])
  const elsewhere = running('a3', 'discord:200', ['m2'])

  herald.onMessageDeleted?.('discord:100', 'm2')

  expect(first.controller.signal.aborted).toBe(true)
  expect(first.controller.signal.reason).toBeInstanceOf(HeraldError)
  expect(first.controller.signal.reason).toMatchObject({ kind: 'gone' })
  expect(other.controller.signal.aborted).toBe(false)
  expect(elsewhere.controller.signal.aborted).toBe(false)
})

test('a deletion of a message no answer holds changes nothing', async () => {
  const answer = running('a1', 'discord:100', ['m1'])
  const before = running('a2', 'discord:100', [])

  herald.onMessageDeleted?.('discord:100', 'user-message')
  herald.onMessageDeleted?.('telegram:100', 'm1')

  expect(answer.controller.signal.aborted).toBe(false)
  expect(before.controller.signal.aborted).toBe(false)
})
