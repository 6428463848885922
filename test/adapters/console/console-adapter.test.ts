import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { type ConsoleAdapter, createConsoleAdapter } from '../../../src/adapters/console/console-adapter.ts'
import { loadConfig } from '../../../src/app/config.ts'
import { createHerald } from '../../../src/app/dispatcher.ts'
import type { Services } from '../../../src/app/services.ts'
import { createServices } from '../../../src/app/services.ts'
import { commands } from '../../../src/commands/index.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import { type FakeResponsesApi, sse, startFakeResponsesApi } from '../../fakes/fake-responses-api.ts'
import { textAnswer } from '../../fakes/fake-responses-transcripts.ts'
import { until } from '../../helpers/until.ts'

let api: FakeResponsesApi
let services: Services
let adapter: ConsoleAdapter
let input: PassThrough
let printed: string

async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  await until(predicate, what, 4000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; printed:\n${printed}`)
  })
}

beforeEach(async () => {
  api = await startFakeResponsesApi()
  const dir = mkdtempSync(join(tmpdir(), 'herald-console-'))
  const config = await loadConfig({
    OPENAI_API_KEY: 'sk-console-test-000000',
    OPENAI_BASE_URL: api.url,
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
  })
  services = await createServices(config, { log: silentLogger })
  printed = ''
  const output = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        printed += String(chunk)
        done()
      },
    }),
    { isTTY: false, columns: 80 },
  )
  input = new PassThrough()
  adapter = createConsoleAdapter({ herald: createHerald(services, commands), commands, input, output })
  services.adapters.set('console', adapter)
  await adapter.start()
})

afterEach(async () => {
  input.end()
  await adapter.closed
  await services.client.close()
  await services.media.close()
  await services.store.close()
  await api.close()
})

test('an answer streams into the terminal and the conversation continues', async () => {
  api.enqueue(sse(textAnswer('Hello from Herald.', 3, { id: 'resp_first' })))
  input.write('hi there\n')
  await waitFor(
    () => printed.includes('Hello from Herald.') && !printed.includes('▍', printed.lastIndexOf('Hello')),
    'the answer',
  )
  api.enqueue(sse(textAnswer('Second answer.', 2, { id: 'resp_second' })))
  input.write('and again\n')
  await waitFor(() => printed.includes('Second answer.'), 'the second answer')
  expect(api.requests).toHaveLength(2)
  expect(api.requests[0]!.body).toMatchObject({ model: 'gpt-5-mini', stream: true })
  expect(api.requests[0]!.body?.previous_response_id).toBeUndefined()
  expect(api.requests[1]!.body?.previous_response_id).toBe('resp_first')
})

test('/reset starts fresh and /effort and /search change the next request', async () => {
  api.enqueue(sse(textAnswer('One.', 1, { id: 'resp_one' })))
  input.write('first\n')
  await waitFor(() => printed.includes('One.'), 'the first answer')
  input.write('/reset\n/effort high\n/search off\n')
  await waitFor(
    () => printed.includes('Web search is now **off**') || printed.includes('Web search is now off'),
    'the settings',
  )
  api.enqueue(sse(textAnswer('Two.', 1, { id: 'resp_two' })))
  input.write('second\n')
  await waitFor(() => printed.includes('Two.'), 'the second answer')
  const second = api.requests[1]!.body!
  expect(second.previous_response_id).toBeUndefined()
  expect(second.reasoning).toEqual({ effort: 'high', summary: 'auto' })
  expect(second.tools).not.toContainEqual({ type: 'web_search' })
  expect(printed).toContain('New conversation started.')
  expect(printed).toContain('Reasoning effort set to high.')
})

test('Ctrl-C stops a running answer without leaving the program', async () => {
  api.enqueue(
    sse(textAnswer('This answer is far too long to wait for.', 20, { id: 'resp_long' }), { delayMs: 100 }),
  )
  input.write('tell me a story\n')
  await api.waitForRequests(1)
  adapter.interrupt()
  await waitFor(() => printed.includes('Stopped.'), 'the stop line')
  expect(printed).not.toContain('wait for.')
  api.enqueue(sse(textAnswer('Still here.', 1)))
  input.write('are you there?\n')
  await waitFor(() => printed.includes('Still here.'), 'the next answer')
})

test('input that ends while an answer streams closes the program once the answer is over', async () => {
  api.enqueue(sse(textAnswer('An answer still streaming when the input ends.', 6), { delayMs: 50 }))
  input.write('slowly\n')
  // In a pipe nothing shows until the answer is final: the request tells it is under way.
  await api.waitForRequests(1)
  input.end()
  await adapter.closed
  expect(printed).toContain('An answer still streaming when the input ends.')
})

test('in a pipe, Markdown rewritten as it grows is printed once, when the answer is final', async () => {
  api.enqueue(
    sse(textAnswer('There are **3** r’s in **“strawberry.”**', 6, { id: 'resp_md' }), { delayMs: 100 }),
  )
  input.write('how many r in strawberry?\n')
  await waitFor(() => printed.includes('strawberry'), 'the answer')
  await waitFor(() => printed.endsWith('\n'), 'the end of the answer')
  expect(printed).toBe('There are 3 r’s in “strawberry.”\n')
})

test('the end of piped input waits for the answers to its last lines, with no banner or prompt', async () => {
  api.enqueue(sse(textAnswer('First answer.', 2, { id: 'resp_a' })), sse(textAnswer('Second answer.', 2)))
  input.end('one\ntwo\n')
  await adapter.closed
  expect(printed).toBe('First answer.\n\nSecond answer.\n')
  expect(api.requests[1]!.body?.previous_response_id).toBe('resp_a')
})

test('ask answers one question without reading the input', async () => {
  api.enqueue(sse(textAnswer('Just this once.', 2)))
  await adapter.ask('once?')
  expect(printed).toBe('Just this once.')
})

test('what the endpoint profile learnt shapes the next request', async () => {
  await services.endpoint.setWebSearchTool('web_search_preview')
  await services.endpoint.markUnsupported('reasoning-summary')
  input.write('/effort high\n/search on\n')
  await waitFor(() => printed.includes('Web search is now'), 'the settings')
  api.enqueue(sse(textAnswer('Shaped.', 1)))
  input.write('question\n')
  await waitFor(() => printed.includes('Shaped.'), 'the answer')
  expect(api.requests[0]!.body?.tools).toContainEqual({ type: 'web_search_preview' })
  expect(api.requests[0]!.body?.tools).not.toContainEqual({ type: 'web_search' })
  expect(api.requests[0]!.body?.reasoning).toEqual({ effort: 'high' })
})
