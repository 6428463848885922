import { afterEach, describe, expect, test } from 'vitest'
import { createMetrics } from '../../../src/app/metrics.ts'
import { createAnswerFeed } from '../../../src/core/answers/answer-feed.ts'
import { createAnswerRecords } from '../../../src/core/answers/answer-records.ts'
import { type AskDeps, runAnswer } from '../../../src/core/answers/run-answer.ts'
import type { ChatRef, Invocation } from '../../../src/core/contracts/chat.ts'
import { HeraldError } from '../../../src/core/contracts/errors.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import { translator } from '../../../src/core/i18n/i18n.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import type { ResponsesClient, RunOptions } from '../../../src/core/responses/client.ts'
import { createMediaClient } from '../../../src/core/responses/media-client.ts'
import type { ResponsesRequest } from '../../../src/core/responses/request.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import { createBudgets } from '../../../src/core/state/budgets.ts'
import { createConversations } from '../../../src/core/state/conversations.ts'
import { createEndpointProfile } from '../../../src/core/state/endpoint-profile.ts'
import { createI18n } from '../../../src/core/state/languages.ts'
import { createLimits } from '../../../src/core/state/limits.ts'
import { loadModels } from '../../../src/core/state/models.ts'
import { createSettings } from '../../../src/core/state/settings.ts'
import { createUsageLedger } from '../../../src/core/state/usage.ts'
import { createStore } from '../../../src/core/store/open-store.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { createToolRegistry } from '../../../src/core/tools/registry.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'
import { type FakeSurface, fakeSurface } from '../../helpers/fake-surface.ts'

/**
 * The answer path alone: real state over an in-memory store, the fake surface and clock, and a
 * stub client that plays a scripted stream on the clock. Admission is the ask command's (its
 * refusals are tested end to end); here every ask is admitted.
 */
const t = translator('en')
const chat: ChatRef = { platform: 'telegram', id: '42', kind: 'private', key: 'telegram:42' }
const usage = {
  input_tokens: 1000,
  cached_input_tokens: 0,
  output_tokens: 500,
  reasoning_tokens: 0,
  total_tokens: 1500,
}

/** A scripted stream: each step is the text so far after `atMs` from the request. */
type Script = { steps: Array<{ atMs: number; text: string }>; end: 'completed' | 'failed' }

function stubClient(clock: FakeClock, scripts: Script[]): ResponsesClient & { requests: ResponsesRequest[] } {
  const requests: ResponsesRequest[] = []
  const run = async (req: ResponsesRequest, options: RunOptions = {}): Promise<AnswerState> => {
    requests.push(req)
    const script = scripts.shift()
    if (!script) throw new Error('no stream scripted')
    const start = clock.now()
    let state: AnswerState = {
      ...initialState(),
      status: 'in_progress',
      responseId: `resp_${requests.length}`,
    }
    for (const step of script.steps) {
      await clock.sleep(start + step.atMs - clock.now(), options.signal)
      state = { ...state, text: step.text, activity: { kind: 'writing' } }
      options.onState?.(state)
    }
    state =
      script.end === 'completed'
        ? { ...state, status: 'completed', usage }
        : { ...state, status: 'failed', error: { code: 'server_error', message: 'upstream said sk-secret' } }
    options.onState?.(state)
    return state
  }
  const unused = async (): Promise<never> => {
    throw new Error('not used by ordinary answers')
  }
  return {
    requests,
    run,
    retrieveStream: unused,
    create: unused,
    retrieve: unused,
    cancel: unused,
    close: async () => {},
  }
}

const stores: Store[] = []
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()))
})

async function setUp(scripts: Script[], opts: { maxConcurrentStreams?: number } = {}) {
  const clock = fakeClock(Date.UTC(2026, 0, 5, 12))
  const store = await createStore('sqlite::memory:', { clock })
  stores.push(store)
  const models = loadModels()
  const ledger = createUsageLedger({ store, models, clock })
  const client = stubClient(clock, scripts)
  const settings = createSettings({ store, models, defaults: { model: 'gpt-5-mini' } })
  const deps: AskDeps = {
    config: {
      instructions: 'Be brief.',
      imageModel: 'gpt-image-1',
      transcribeModel: 'gpt-4o-mini-transcribe',
      speechModel: 'gpt-4o-mini-tts',
      speechVoice: 'alloy',
      limits: { maxImageBytes: 1_000_000, maxToolRounds: 5, maxAudioSeconds: 300, maxFileBytes: 1_000_000 },
      conversation: { mode: 'auto' },
      openai: { baseUrl: 'http://relay.invalid/v1' },
    },
    t,
    i18n: createI18n({ rule: { fallback: 'en', force: false }, settings, store }),
    log: silentLogger,
    clock,
    store,
    models,
    settings,
    conversations: createConversations({ store, clock, mode: 'auto' }),
    endpoint: createEndpointProfile({ store }),
    usage: ledger,
    budgets: createBudgets({ ledger, store, clock }),
    limits: createLimits({ store, clock, maxConcurrentStreams: opts.maxConcurrentStreams ?? 0 }),
    client,
    media: createMediaClient({ baseUrl: 'http://relay.invalid/v1', apiKey: 'sk-test' }),
    tools: createToolRegistry([]),
    lanes: createLaneRegistry({ clock }),
    metrics: createMetrics(),
    answers: createAnswerRecords({ store, clock, log: silentLogger, processId: 'test' }),
    feed: createAnswerFeed({
      store,
      clock,
      log: silentLogger,
      processId: 'test',
      isRunning: async () => true,
    }),
    processId: 'test',
  }
  return { clock, deps, client }
}

function invocation(surface: FakeSurface, userId: string, text: string): Invocation {
  return {
    eventId: `event-${userId}-${text}`,
    command: 'ask',
    args: { prompt: text },
    chat,
    user: { platform: 'telegram', id: userId, name: `User ${userId}`, isAdmin: false },
    images: [],
    surface,
    notify: async () => undefined,
  } as Invocation
}

async function ask(deps: AskDeps, inv: Invocation, prompt: string) {
  const started = await deps.answers.start({ userKey: `telegram:${inv.user.id}`, chat: inv.chat })
  if (!started.ok) throw new Error('expected the answer to start')
  const finished = runAnswer(deps, inv, {
    prompt,
    model: 'gpt-5-mini',
    effort: undefined,
    search: false,
    showReasoning: false,
    running: started.answer,
  })
  return { running: started.answer, finished }
}

describe('running an admitted ask', () => {
  test('the answer streams into one message at the surface’s pace and lands whole; usage and the conversation are kept', async () => {
    const { clock, deps, client } = await setUp([
      {
        steps: [
          { atMs: 200, text: 'The sky' },
          { atMs: 700, text: 'The sky is blue' },
          { atMs: 1500, text: 'The sky is blue because of Rayleigh scattering.' },
        ],
        end: 'completed',
      },
    ])
    const surface = fakeSurface({ clock, chatKey: chat.key, limit: 4096 })
    const { running, finished } = await ask(
      deps,
      invocation(surface, '7', 'why is the sky blue?'),
      'why is the sky blue?',
    )
    await clock.runAll(60_000)
    await finished

    expect(
      surface.calls
        .filter((c) => c.kind !== 'typing')
        .map((c) => [c.kind, c.at - surface.calls[0]!.at, c.result]),
    ).toEqual([
      ['send', 0, 'ok'],
      ['edit', 1000, 'ok'],
      ['edit', 2000, 'ok'],
    ])
    expect(surface.texts()).toEqual(['The sky is blue because of Rayleigh scattering.'])
    expect(surface.messages[0]?.buttons).toEqual([])
    expect(surface.rateLimitAnswers).toBe(0)
    expect(client.requests[0]).toMatchObject({ model: 'gpt-5-mini', instructions: 'Be brief.', store: true })
    const cost = deps.usage.priceOf('gpt-5-mini', usage)
    expect(cost).toBeGreaterThan(0)
    expect((await deps.usage.totals({ kind: 'user', id: 'telegram:7' }, 'day')).usd).toBe(cost)
    const next = await deps.conversations.resolve(chat.key, surface.messages[0]!.ref.id)
    expect(next).toMatchObject({ mode: 'server', previousResponseId: 'resp_1' })
    expect(await deps.answers.find(running.id)).toBeUndefined()
  })

  test('a stop keeps the text so far and ends with the stopped line', async () => {
    const { clock, deps } = await setUp([
      {
        steps: [
          { atMs: 100, text: 'One, two' },
          { atMs: 5000, text: 'One, two, three' },
        ],
        end: 'completed',
      },
    ])
    const surface = fakeSurface({ clock, chatKey: chat.key })
    const { running, finished } = await ask(deps, invocation(surface, '7', 'count'), 'count')
    await clock.advance(1500)
    running.controller.abort(new HeraldError('aborted', 'stopped by a button'))
    await clock.runAll(60_000)
    await finished
    expect(surface.texts()).toEqual([`One, two\n\n<i>${t('reason.aborted')}</i>`])
    expect(deps.answers.all()).toEqual([])
  })

  test('behind the stream cap the message shows its queue position, then streams when a stream frees up', async () => {
    const { clock, deps } = await setUp(
      [
        { steps: [{ atMs: 100, text: 'First answer.' }], end: 'completed' },
        { steps: [{ atMs: 100, text: 'Second answer.' }], end: 'completed' },
      ],
      { maxConcurrentStreams: 1 },
    )
    const first = fakeSurface({ clock, chatKey: 'telegram:1' })
    const second = fakeSurface({ clock, chatKey: 'telegram:2' })
    const a = await ask(deps, invocation(first, '1', 'a'), 'a')
    const b = await ask(deps, invocation(second, '2', 'b'), 'b')
    await clock.advance(50)
    expect(second.texts()[0]).toContain(t('queue.position', { position: 1 }))
    await clock.runAll(60_000)
    await Promise.all([a.finished, b.finished])
    expect(first.texts()).toEqual(['First answer.'])
    expect(second.texts()).toEqual(['Second answer.'])
  })

  test('a failed stream ends with one line people can read, never the upstream text', async () => {
    const { clock, deps } = await setUp([{ steps: [{ atMs: 100, text: 'Partial' }], end: 'failed' }])
    const surface = fakeSurface({ clock, chatKey: chat.key })
    const { finished } = await ask(deps, invocation(surface, '7', 'q'), 'q')
    await clock.runAll(60_000)
    await finished
    const [text] = surface.texts()
    expect(text).toMatch(/^Partial\n\n/)
    expect(text).not.toContain('sk-secret')
    expect(text).not.toContain('server_error')
  })
})
