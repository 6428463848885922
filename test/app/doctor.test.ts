import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type DoctorReport, probeEndpoint, type Row } from '../../src/app/doctor.ts'
import { formatTable } from '../../src/app/doctor-table.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { createConversations } from '../../src/core/state/conversations.ts'
import {
  CAPABILITIES,
  createEndpointProfile,
  type EndpointProfile,
} from '../../src/core/state/endpoint-profile.ts'
import { loadModels } from '../../src/core/state/models.ts'
import { createStore } from '../../src/core/store/open-store.ts'
import type { Store } from '../../src/core/store/store.ts'
import {
  type FakeResponsesApi,
  type FakeResponsesApiOptions,
  sse,
  startFakeResponsesApi,
} from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'

const KEY = 'sk-doctor-test-0000000000'
const models = loadModels()
const model = models.get('gpt-5-mini')!
const t = translator('en')

let api: FakeResponsesApi
let store: Store
let profile: EndpointProfile
let dir: string

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-doctor-'))
  store = await createStore(`sqlite:${join(dir, 'herald.sqlite')}`)
})

afterEach(async () => {
  await store.close()
  await api.close()
})

/** A fake in the shape of one endpoint; every answer is a tiny text answer. */
async function endpoint(options: FakeResponsesApiOptions = {}): Promise<void> {
  api = await startFakeResponsesApi(options)
  let n = 0
  api.route = () => sse(textAnswer('OK', 1, { id: `resp_${++n}` }))
  profile = createEndpointProfile({ store, endpointKey: api.url })
}

const probe = (overrides: { baseUrl?: string; apiKey?: string } = {}) =>
  probeEndpoint({
    baseUrl: overrides.baseUrl ?? api.url,
    apiKey: overrides.apiKey ?? KEY,
    model,
    profile,
    t,
    now: () => 1_700_000_000_000,
  })

const verdicts = (report: DoctorReport) => Object.fromEntries(report.rows.map((r) => [r.key, r.verdict]))
const actionOf = (report: DoctorReport, key: Row['key']) => report.rows.find((r) => r.key === key)?.action
const flags = async () => {
  const marked: string[] = []
  for (const capability of CAPABILITIES) if (await profile.isUnsupported(capability)) marked.push(capability)
  return marked
}

describe('npm run doctor', () => {
  test('against an endpoint like OpenAI every row works, and the probes stay small', async () => {
    await endpoint({
      headers: { 'x-ratelimit-limit-requests': '5000', 'x-ratelimit-remaining-requests': '4999' },
    })
    const report = await probe()
    expect(report.answersWork).toBe(true)
    expect(Object.values(verdicts(report)).every((v) => v === 'yes')).toBe(true)
    expect(report.rows.map((r) => r.key)).toEqual([
      'key',
      'v1',
      'streaming',
      'dialect',
      'store',
      'previous',
      'background',
      'retrieve',
      'cancel',
      'web_search',
      'reasoning',
      'images',
      'rate_limits',
    ])
    expect(report.rows.find((r) => r.key === 'dialect')?.result).toBe('event: lines')
    expect(report.rows.find((r) => r.key === 'rate_limits')?.result).toBe(
      'limit-requests 5000, remaining-requests 4999',
    )
    const posts = api.requests.filter((r) => r.method === 'POST' && r.pathname === '/v1/responses')
    expect(posts.length).toBeLessThanOrEqual(8)
    for (const post of posts) expect(post.body).toMatchObject({ model: 'gpt-5-mini', max_output_tokens: 16 })
    // The queued background run is cancelled at once.
    const backgroundId = 'resp_3'
    expect(api.background(backgroundId).response.status).toBe('cancelled')
    expect(await flags()).toEqual([])
    expect(await profile.webSearchTool()).toBe('web_search')
    expect(await profile.checkedAt()).toBe(1_700_000_000_000)
  })

  test('a relay with every limit is mapped row by row, and npm start reads what was saved', async () => {
    await endpoint({
      rejectPreviousResponseId: true,
      rejectBackground: true,
      noRetrieve: true,
      noCancel: true,
      rejectReasoningSummary: true,
      rejectImageInput: true,
      toolTypes: ['web_search_preview'],
      eventLines: false,
      done: true,
      comment: 'RELAY PROCESSING',
    })
    const report = await probe()
    expect(report.answersWork).toBe(true)
    expect(verdicts(report)).toEqual({
      key: 'yes',
      v1: 'yes',
      streaming: 'yes',
      dialect: 'yes',
      store: 'yes',
      previous: 'no',
      background: 'no',
      retrieve: 'no',
      cancel: 'no',
      web_search: 'yes',
      reasoning: 'no',
      images: 'no',
      rate_limits: 'no',
    })
    expect(report.rows.find((r) => r.key === 'dialect')?.result).toBe('data: lines only, [DONE], comments')
    expect(actionOf(report, 'previous')).toBe('conversations: local history')
    expect(actionOf(report, 'background')).toBe('research: foreground (one stream)')
    expect(actionOf(report, 'retrieve')).toBe(
      'research: followed on its open stream; not resumable after a restart',
    )
    expect(actionOf(report, 'cancel')).toBe('cancel: closes the stream (the relay may still bill the run)')
    expect(actionOf(report, 'web_search')).toBe('/search: sends web_search_preview')
    expect(await flags()).toEqual([
      'server-state',
      'background',
      'retrieve',
      'cancel',
      'reasoning-summary',
      'image-input',
    ])
    expect(await profile.webSearchTool()).toBe('web_search_preview')
    // What npm start builds from the same store and base URL.
    const conversations = createConversations({ store, mode: 'auto', endpointKey: api.url })
    expect(await conversations.effectiveMode()).toBe('local')
  })

  test('a second run clears what works again', async () => {
    await endpoint({ rejectBackground: true })
    await probe()
    expect(await flags()).toEqual(['background'])
    api.options.rejectBackground = false
    await probe()
    expect(await flags()).toEqual([])
  })

  test('a refused key stops at the first row, says what to do, and exits non-zero', async () => {
    await endpoint({ apiKey: 'sk-the-right-one-000000' })
    const report = await probe()
    expect(report.answersWork).toBe(false)
    expect(report.rows[0]).toEqual({
      key: 'key',
      verdict: 'no',
      result: 'no (401)',
      action:
        'nothing else is probed: The AI service rejected the bot’s credentials. Please tell the bot’s operator to check OPENAI_API_KEY.',
    })
    expect(report.rows.slice(1).every((r) => r.verdict === 'skipped')).toBe(true)
    expect(api.requests).toHaveLength(1)
  })

  test('a base URL without /v1 is named as the problem', async () => {
    await endpoint()
    const report = await probe({ baseUrl: api.origin })
    expect(report.answersWork).toBe(false)
    expect(report.rows[1]).toEqual({
      key: 'v1',
      verdict: 'no',
      result: 'no (404)',
      action: 'nothing works: OPENAI_BASE_URL should end in /v1',
    })
  })

  test('a relay that answers whole JSON bodies works, without live updates', async () => {
    await endpoint()
    let n = 0
    api.route = () => ({
      kind: 'json',
      body: {
        id: `resp_json_${++n}`,
        object: 'response',
        status: 'completed',
        model: 'gpt-5-mini',
        output: [
          {
            type: 'message',
            id: 'm',
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: 'OK', annotations: [] }],
          },
        ],
      },
    })
    const report = await probe()
    expect(report.answersWork).toBe(true)
    expect(verdicts(report).streaming).toBe('no')
    expect(actionOf(report, 'streaming')).toBe('answers arrive whole (no live updates)')
  })

  test('the table is aligned, CJK characters counting as two columns', () => {
    const rows: Row[] = [
      { key: 'key', verdict: 'yes', result: '支持', action: '可以正常回答' },
      { key: 'cancel', verdict: 'no', result: 'no (404)', action: 'x' },
    ]
    expect(formatTable(rows, translator('zh')).split('\n')).toEqual([
      '检查项    结果      Herald 的做法',
      'API 密钥  支持      可以正常回答',
      '取消      no (404)  x',
    ])
  })
})

describe('the doctor command', () => {
  const DOCTOR_MAIN = fileURLToPath(new URL('../../src/app/doctor-main.ts', import.meta.url))

  const run = (args: string[]) => {
    const env = {
      PATH: process.env.PATH ?? '',
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: api.url,
      STORE_URL: `sqlite:${join(dir, 'cli.sqlite')}`,
      RESEARCH_MODEL: 'o3-deep-research',
    }
    const child = spawn(process.execPath, [DOCTOR_MAIN, ...args], { cwd: dir, env, stdio: 'pipe' })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
    })
    return new Promise<{ code: number | null; stdout: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout })),
    )
  }

  test('without --yes it states the cost first and sends nothing', async () => {
    await endpoint()
    const { code, stdout } = await run([])
    expect(code).toBe(2)
    expect(stdout.split('\n')[0]).toMatch(
      /^Estimated cost: at most \$0\.\d{4}: 8 small requests to gpt-5-mini/,
    )
    expect(stdout).toContain('npm run doctor -- --yes')
    expect(api.requests).toEqual([])
  })

  test('with --yes it prints the table and exits 0 when answers work, never calling the research model', async () => {
    await endpoint({ rejectBackground: true })
    const { code, stdout } = await run(['--yes'])
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toMatch(/^Estimated cost/)
    expect(lines.find((line) => line.startsWith('background mode'))).toMatch(
      /^background mode +no \(400\) +research: foreground \(one stream\)$/,
    )
    expect(stdout).toContain('Ordinary answers work.')
    expect(api.requests.some((r) => JSON.stringify(r.body ?? {}).includes('deep-research'))).toBe(false)
  })
})
