import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach } from 'vitest'
import { loadConfig } from '../../../src/app/config.ts'
import type { Services } from '../../../src/app/services.ts'
import { createServices } from '../../../src/app/services.ts'
import type { Adapter, ButtonPress, ChatRef, Invocation, UserRef } from '../../../src/core/contracts/chat.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import type { Button, MessageRef, TextFormat } from '../../../src/core/contracts/surface.ts'
import { formatFor } from '../../../src/core/live/format.ts'
import { createResearchJobs, type ResearchJob } from '../../../src/core/research/research-jobs.ts'
import {
  createResearch,
  type Research,
  type ResearchOptions,
} from '../../../src/core/research/research-service.ts'
import type { ResponsesClient } from '../../../src/core/responses/client.ts'
import type { ResponseUsage } from '../../../src/core/responses/events.ts'
import { createStore } from '../../../src/core/store/open-store.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../../fakes/fake-responses-api.ts'
import { citation, splitInto, Transcript } from '../../fakes/fake-responses-transcripts.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'
import { type FakeSurface, fakeSurface } from '../../helpers/fake-surface.ts'

/**
 * Research against the fake Responses API, with a real store (a SQLite temp file unless a test
 * opens another), a fake clock, and one fake Surface per chat reached through a fake adapter's
 * `surfaceFor` (as a restarted process reaches it). Invocations and presses are built by hand.
 */
export const START = Date.UTC(2025, 3, 10, 15)

export const ada: UserRef = { platform: 'telegram', id: '1', name: 'Ada', isAdmin: true }
export const cy: UserRef = { platform: 'telegram', id: '3', name: 'Cy', isAdmin: true }
export const bob: UserRef = { platform: 'telegram', id: '2', name: 'Bob', isAdmin: false }
export const dee: UserRef = { platform: 'telegram', id: '4', name: 'Dee', isAdmin: false }
export const group: ChatRef = { platform: 'telegram', id: '-100', kind: 'group', key: 'telegram:-100' }
export const bobChat: ChatRef = { platform: 'telegram', id: '2', kind: 'private', key: 'telegram:2' }

/** o3-deep-research: 200k × $10 + 20k × $40 per 1M = $2.80, plus 3 searches × $0.01 = $2.83. */
export const researchUsage: ResponseUsage = {
  input_tokens: 200_000,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 20_000,
  output_tokens_details: { reasoning_tokens: 15_000 },
  total_tokens: 220_000,
}

/** About 8,000 characters in 30 sections: several messages at the harness's 1000-character limit. */
export const longReport = Array.from(
  { length: 30 },
  (_, i) => `## Part ${i + 1}\n\nFinding ${i + 1}: ${'the evidence points the same way. '.repeat(6).trim()}`,
).join('\n\n')

export const queries = ['perovskite tandem record', 'silicon cell limit 2025', 'solar module degradation']

/** A background run: queued, three searches, then the report with two sources (events 0-1 are published at create). */
export function researchRun(id: string, report = longReport): Transcript {
  const t = new Transcript({ id, model: 'o3-deep-research' }).queued().inProgress()
  for (const query of queries) t.webSearch(query)
  return t
    .message(splitInto(report, 12), [
      citation('https://a.example/tandem', 'Tandem cells reach 34%'),
      citation('https://b.example/limit', 'The Shockley–Queisser limit'),
    ])
    .completed(researchUsage)
}

/** Events up to and including the last search: queued 0-1, in_progress 2, three searches of 5 events (3-17). */
export const SEARCHES_DONE = 18

export interface Notice {
  chat: ChatRef
  markdown: string
  buttons: Button[]
  ref: MessageRef
}

export interface PressResult {
  answers: Array<string | undefined>
  notices: Notice[]
}

export interface Harness {
  fake: FakeResponsesApi
  clock: FakeClock
  store: Store
  storeUrl: string
  services: Services
  research: Research
  /** Every notify() (cards, refusals, approvals), in order. */
  notices: Notice[]
  files: Array<{ chat: string; name: string; text: string; caption: string | undefined }>
  surface(chat: ChatRef): FakeSurface
  /** Another process on the same store and API (a restart, or a second machine). */
  process(
    processId: string,
    options?: ResearchOptions & { store?: Store },
  ): Promise<{ services: Services; research: Research }>
  command(user: UserRef, chat: ChatRef, question: string, model?: string, research?: Research): Promise<void>
  press(
    user: UserRef,
    chat: ChatRef,
    data: string,
    message: MessageRef,
    research?: Research,
  ): Promise<PressResult>
  job(id: string): Promise<ResearchJob | undefined>
  /** Advances the fake clock in small steps, letting real I/O run, until `condition` holds. */
  until(condition: () => boolean | Promise<boolean>, what: string, stepMs?: number): Promise<void>
  posts(): number
}

export interface HarnessOptions {
  env?: Record<string, string>
  /** The surfaces' format. Default 'plain' (assertions read the words). */
  format?: TextFormat
  research?: ResearchOptions
}

export function useResearchHarness(options: HarnessOptions = {}): Harness {
  const h = {} as Harness
  const cleanups: Array<() => Promise<void> | void> = []
  beforeEach(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-research-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    h.fake = await startFakeResponsesApi()
    cleanups.push(() => h.fake.close())
    h.clock = fakeClock(START)
    h.storeUrl = `sqlite:${join(dir, 'herald.sqlite')}`
    h.store = await createStore(h.storeUrl, { clock: h.clock })
    cleanups.push(() => h.store.close())
    h.notices = []
    h.files = []
    const surfaces = new Map<string, FakeSurface>()
    h.surface = (chat) => {
      let surface = surfaces.get(chat.key)
      if (!surface) {
        // The platform's pace is announced (the lane keeps it); notify() and edits share the surface.
        surface = fakeSurface({
          clock: h.clock,
          chatKey: chat.key,
          format: options.format ?? 'plain',
          limit: 1000,
          windows: [],
          enforceMessagePace: false,
        })
        const target = surface
        surface.sendFile = async (name, bytes, caption) => {
          h.files.push({ chat: chat.key, name, text: new TextDecoder().decode(bytes), caption })
          return target.send({ text: `[file ${name}]`, format: 'plain' })
        }
        surfaces.set(chat.key, surface)
      }
      return surface
    }
    const adapter: Adapter = {
      platform: 'telegram',
      start: async () => {},
      stop: async () => {},
      healthy: () => true,
      surfaceFor: (chat) => h.surface(chat),
    }
    const config = await loadConfig({
      OPENAI_API_KEY: 'sk-test-research',
      OPENAI_BASE_URL: h.fake.url,
      STORE_URL: h.storeUrl,
      OPENAI_FIRST_BYTE_TIMEOUT_MS: '3600000',
      OPENAI_IDLE_TIMEOUT_MS: '3600000',
      ...options.env,
    })
    const researches: Research[] = []
    const clients: ResponsesClient[] = []
    cleanups.push(async () => {
      // Deliveries in progress wait on the lanes' fake time: keep it moving while everything stops.
      let stopped = false
      const stopping = Promise.all(researches.map((r) => r.stop())).finally(() => {
        stopped = true
      })
      while (!stopped) {
        await h.clock.advance(1000)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      await stopping
      await Promise.all(clients.map((client) => client.close()))
    })
    h.process = async (processId, extra = {}) => {
      const { store = h.store, ...researchOptions } = extra
      const services = await createServices(config, { log: silentLogger, clock: h.clock, store, processId })
      services.adapters.set('telegram', adapter)
      services.research = createResearch(services, { pollMs: 1000, ...options.research, ...researchOptions })
      researches.push(services.research)
      clients.push(services.client)
      return { services, research: services.research }
    }
    const first = await h.process('p1')
    h.services = first.services
    h.research = first.research
    h.command = async (user, chat, question, model, research = h.research) => {
      const inv = invocation(h, user, chat, question, model)
      await research.command(inv, await h.services.i18n.forPerson(inv.user, inv.chat))
    }
    h.press = async (user, chat, data, message, research = h.research) => {
      const result: PressResult = { answers: [], notices: [] }
      const press: ButtonPress = {
        eventId: `test:press:${Math.random()}`,
        data,
        user,
        chat,
        message,
        surface: h.surface(chat),
        answer: async (text) => void result.answers.push(text),
        notify: async (text, notify = {}) => {
          const notice = await send(h, chat, text, notify.buttons ?? [])
          result.notices.push(notice)
          return notice.ref
        },
      }
      await research.press(press)
      return result
    }
    h.job = (id) => createResearchJobs(h.store).get(id)
    h.until = async (condition, what, stepMs = 250) => {
      for (let i = 0; i < 4000; i++) {
        if (await condition()) return
        await h.clock.advance(stepMs)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      throw new Error(`timed out waiting for ${what}`)
    }
    h.posts = () =>
      h.fake.requests.filter((r) => r.method === 'POST' && r.pathname === '/v1/responses').length
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return h
}

async function send(h: Harness, chat: ChatRef, markdown: string, buttons: Button[]): Promise<Notice> {
  const surface = h.surface(chat)
  const ref = await surface.send({
    text: formatFor(surface.format).body(markdown),
    format: surface.format,
    buttons,
  })
  const notice = { chat, markdown, buttons, ref }
  h.notices.push(notice)
  return notice
}

function invocation(h: Harness, user: UserRef, chat: ChatRef, question: string, model?: string): Invocation {
  return {
    eventId: `test:command:${Math.random()}`,
    command: 'research',
    args: model === undefined ? { question } : { question, model },
    user,
    chat,
    images: [],
    surface: h.surface(chat),
    notify: async (text, notify = {}) => (await send(h, chat, text, notify.buttons ?? [])).ref,
  }
}

/** The request id in a card's buttons (`rs:c:<id>`). */
export function requestIdOf(notice: Notice | undefined): string {
  const data = notice?.buttons[0]?.data ?? ''
  return data.split(':')[2] ?? ''
}

/** The current text of a message of the fake surface. */
export function textOf(surface: FakeSurface, ref: MessageRef | undefined): string {
  return surface.messages.find((m) => m.ref.id === ref?.id)?.text ?? ''
}

/**
 * Ada asks in the group and confirms; resolves once the job saved its response id and progress message.
 * The run's script must be queued (or routed) on the fake first.
 */
export async function confirmRun(
  h: Harness,
  responseId: string,
  options: { question?: string; research?: Research; wait?: 'started' | 'queued' } = {},
): Promise<string> {
  const research = options.research ?? h.research
  await h.command(
    ada,
    group,
    options.question ?? 'How efficient are the best solar cells today?',
    undefined,
    research,
  )
  const card = h.notices.at(-1)
  const requestId = requestIdOf(card)
  await h.press(ada, group, `rs:c:${requestId}`, card!.ref, research)
  await h.until(async () => {
    const job = await h.job(requestId)
    if (options.wait === 'queued') return job?.progress !== undefined
    return job?.responseId === responseId && job.progress !== undefined
  }, 'the job started')
  return requestId
}
