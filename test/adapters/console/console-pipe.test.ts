import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, expect, test } from 'vitest'
import { type FakeResponsesApi, sse, startFakeResponsesApi } from '../../fakes/fake-responses-api.ts'
import { textAnswer } from '../../fakes/fake-responses-transcripts.ts'

/** `npm run chat` as scripts use it: a child process with piped input and output. */
const CONSOLE_MAIN = fileURLToPath(new URL('../../../src/app/console.ts', import.meta.url))

let api: FakeResponsesApi

beforeEach(async () => {
  api = await startFakeResponsesApi()
})

afterEach(async () => {
  await api.close()
})

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function chat(args: string[], stdin: string): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), 'herald-chat-'))
  const env = {
    PATH: process.env.PATH ?? '',
    OPENAI_API_KEY: 'sk-console-pipe-000000',
    OPENAI_BASE_URL: api.url,
    STORE_URL: `sqlite:${join(cwd, 'herald.sqlite')}`,
  }
  const child = spawn(process.execPath, [CONSOLE_MAIN, ...args], { cwd, env, stdio: 'pipe' })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  child.stdin.end(stdin)
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })))
}

test('echo "question" | npm run chat prints the answer once and exits 0', async () => {
  api.enqueue(sse(textAnswer('The sea is **salty** because rivers carry salt.', 5), { delayMs: 20 }))
  const run = await chat([], 'why is the sea salty?\n')
  expect(run).toEqual({ code: 0, stdout: 'The sea is salty because rivers carry salt.\n', stderr: '' })
})

test('npm run chat -- --once "question" prints one answer and exits 0 without reading input', async () => {
  api.enqueue(sse(textAnswer('Forty-two.', 2)))
  const run = await chat(['--once', 'the', 'answer?'], 'this line is never read\n')
  expect(run).toEqual({ code: 0, stdout: 'Forty-two.\n', stderr: '' })
  expect(api.requests).toHaveLength(1)
  expect(JSON.stringify(api.requests[0]!.body?.input)).toContain('the answer?')
})

test('--once without a question says how to use it', async () => {
  const run = await chat(['--once'], '')
  expect(run).toEqual({
    code: 1,
    stdout: '',
    stderr: 'herald: --once needs a question: npm run chat -- --once "question"\n',
  })
})
