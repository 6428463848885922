import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ConsoleAdapter, createConsoleAdapter } from '../../src/adapters/console/console-adapter.ts'
import { loadConfig } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import { createServices, type Services } from '../../src/app/services.ts'
import { commands } from '../../src/commands/index.ts'
import { silentLogger } from '../../src/core/contracts/log.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../fakes/fake-responses-api.ts'
import { hasRealTraffic, streamRecordings } from './real-traffic.ts'
import { replayRoute } from './replay-route.ts'
import { occurrences, readerWords } from './shown-text.ts'

/**
 * Every recorded stream answered by the console writing into a pipe (a script reading its output):
 * the answer is printed once, when final. Markdown rewritten as it grows (the GitHub Copilot
 * recording closes its `**` later) must never come out as repeated or broken lines.
 */
describe.skipIf(!hasRealTraffic)('recorded streams through the console in a pipe', () => {
  let api: FakeResponsesApi
  let services: Services
  let adapter: ConsoleAdapter
  let printed = ''

  beforeAll(async () => {
    api = await startFakeResponsesApi()
    api.route = replayRoute
    const dir = mkdtempSync(join(tmpdir(), 'herald-console-replay-'))
    const config = await loadConfig({
      OPENAI_API_KEY: 'sk-console-replay-000000',
      OPENAI_BASE_URL: api.url,
      STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
      // One person asks two dozen questions in a row.
      USER_REQUESTS_PER_MINUTE: '0',
    })
    services = await createServices(config, { log: silentLogger })
    const output = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          printed += String(chunk)
          done()
        },
      }),
      { isTTY: false, columns: 80 },
    )
    const herald = createHerald(services, commands)
    adapter = createConsoleAdapter({ herald, commands, input: new PassThrough(), output })
    services.adapters.set('console', adapter)
  })
  afterAll(async () => {
    await services.client.close()
    await services.store.close()
    await api.close()
  })

  test.each(streamRecordings())('$name', async (recording) => {
    // Each recording answers a fresh conversation.
    await adapter.ask('/reset')
    printed = ''
    await adapter.ask(recording.name)
    // Plain text shows a link as `label (address)`; the words to find are the labels'.
    const shown = printed.replace(/ \(https?:\/\/[^\s)]*\)/g, '')
    if (recording.expected.text !== '') {
      expect(occurrences(readerWords(shown), readerWords(recording.expected.text))).toBe(1)
    }
    // Printed once: no line comes out more often than the answer itself has it (a tool-only
    // recording, served again for every tool round, shows its reasoning once per round).
    const count = (text: string, line: string) =>
      text.split('\n').filter((l) => l.trim() === line.trim()).length
    const lines = printed.split('\n').filter((line) => line.trim().length > 20)
    const repeated = lines.filter((line, i) => lines.indexOf(line) !== i)
    if (recording.expected.functionCalls.length === 0) {
      const extra = repeated.filter((line) => count(printed, line) > count(recording.expected.text, line))
      expect(extra).toEqual([])
    }
    expect(printed).not.toContain('▍')
  })
})
