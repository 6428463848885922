import { describe, expect, test } from 'vitest'
import { createResearchJobs, lockKey, type ResearchJob } from '../../../src/core/research/research-jobs.ts'
import { apiError } from '../../fakes/fake-responses-api.ts'
import {
  ada,
  confirmRun,
  group,
  researchRun,
  SEARCHES_DONE,
  textOf,
  useResearchHarness,
} from './research-harness.ts'

const delivered = (h: ReturnType<typeof useResearchHarness>, id: string) => async () =>
  (await h.job(id))?.status === 'delivered'

describe('research survives restarts', () => {
  const h = useResearchHarness()

  test('a restarted process resumes the same response id from its last event and delivers once', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_r1').events })
    const id = await confirmRun(h, 'resp_r1')
    h.fake.advanceBackground('resp_r1', SEARCHES_DONE - 2)
    await h.until(async () => (await h.job(id))?.searches.length === 3, 'the searches saved')
    await h.research.stop()
    const saved = await h.job(id)
    expect(saved).toMatchObject({ status: 'running', responseId: 'resp_r1', lastSequence: SEARCHES_DONE - 1 })
    const before = h.fake.requests.length

    const restarted = await h.process('p2')
    expect(await restarted.research.resumeAll()).toBe(1)
    await h.until(() => h.fake.requests.length >= before + 2, 'the resumed stream')
    expect(h.fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/responses/resp_r1',
      `GET /v1/responses/resp_r1?stream=true&starting_after=${SEARCHES_DONE - 1}`,
    ])
    expect(restarted.research.running()).toBe(1)
    h.fake.finishBackground('resp_r1')
    await h.until(delivered(h, id), 'the delivery')

    expect(h.posts()).toBe(1)
    const surface = h.surface(group)
    expect(textOf(surface, saved?.progress).split('\n').at(-1)).toMatch(
      /^Research finished in \d+ (s|min) · searches: 3 · \$2\.83$/,
    )
    const titles = surface.messages.filter((m) =>
      m.text.startsWith('How efficient are the best solar cells today?'),
    )
    expect(titles).toHaveLength(1)
    expect(h.files).toHaveLength(1)
    // The progress message of the first process was kept, not sent again.
    expect(surface.messages.filter((m) => m.text.startsWith('Deep research ·'))).toHaveLength(1)

    const third = await h.process('p3')
    expect(await third.research.resumeAll()).toBe(0)
    expect(h.files).toHaveLength(1)
    expect((await h.services.usage.totals({ kind: 'research' }, 'day')).requests).toBe(1)
  })

  test('a restart after the delivery was claimed posts nothing again', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_r1').events })
    const id = await confirmRun(h, 'resp_r1')
    h.fake.finishBackground('resp_r1')
    await h.until(delivered(h, id), 'the delivery')
    const messages = h.surface(group).messages.length
    // As if the process died after claiming the delivery and before writing "delivered".
    const job = (await h.job(id)) as ResearchJob
    await createResearchJobs(h.store).put({ ...job, status: 'finished' })

    const restarted = await h.process('p2')
    expect(await restarted.research.resumeAll()).toBe(1)
    await h.until(delivered(h, id), 'the job marked delivered')
    expect(h.surface(group).messages).toHaveLength(messages)
    expect(h.files).toHaveLength(1)
    expect((await h.services.usage.totals({ kind: 'research' }, 'day')).requests).toBe(1)
    expect(h.posts()).toBe(1)
  })

  test('a job held by another process is left alone until its lock lapses, then taken over', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_r1').events })
    const id = await confirmRun(h, 'resp_r1')
    await h.research.stop()
    // A process that took the job and died without letting go.
    expect(await h.store.claim(lockKey(id), 'dead-process', 60_000)).toBe(true)
    const other = await h.process('p2')
    expect(await other.research.resumeAll()).toBe(0)
    await h.clock.advance(45_000)
    expect(other.research.running()).toBe(0)
    await h.until(() => other.research.running() === 1, 'the takeover', 5_000)
    expect(await h.store.holder(lockKey(id))).toBe('p2')
    h.fake.finishBackground('resp_r1')
    await h.until(delivered(h, id), 'the delivery')
    expect(h.posts()).toBe(1)
    expect(h.files).toHaveLength(1)
  })

  test('a run whose lock vanished (the store came back empty) takes it again and delivers once', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_r1').events })
    const id = await confirmRun(h, 'resp_r1')
    const driver = await h.store.holder(lockKey(id))
    expect(driver).toBeDefined()
    expect(await h.store.release(lockKey(id), driver!)).toBe(true)
    // The next renewal finds nothing to renew: nobody else holds the job, so it is claimed again.
    await h.clock.advance(45_000)
    await h.until(async () => (await h.store.holder(lockKey(id))) === driver, 'the lock taken again')
    expect(h.research.running()).toBe(1)
    h.fake.finishBackground('resp_r1')
    await h.until(delivered(h, id), 'the delivery')
    expect(h.posts()).toBe(1)
    expect(h.files).toHaveLength(1)
    expect(h.fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  test('a job whose request went out before its response id was saved is reported, never sent again', async () => {
    const job: ResearchJob = {
      id: 'lostjob000000001',
      question: 'Is anything lost?',
      model: 'o3-deep-research',
      chat: group,
      requester: { key: 'telegram:1', id: '1', name: ada.name },
      approver: { key: 'telegram:1', id: '1', name: ada.name },
      estimate: { lowUsd: 1.5, highUsd: 24.4 },
      status: 'starting',
      created: h.clock.now(),
      startedAt: h.clock.now(),
      lastSequence: -1,
      streaming: true,
      searches: [],
    }
    await createResearchJobs(h.store).put(job)
    expect(await h.research.resumeAll()).toBe(1)
    await h.until(delivered(h, job.id), 'the report')
    const progress = (await h.job(job.id))?.progress
    expect(textOf(h.surface(group), progress)).toBe(
      'Deep research · o3-deep-research\n│ Is anything lost?\nHerald restarted while this research was being sent; it was not sent again.',
    )
    expect(h.fake.requests).toEqual([])
  })
})

describe('relays without background streaming', () => {
  const h = useResearchHarness()

  test('a relay that answers a streamed background request with JSON is polled', async () => {
    h.fake.options.backgroundStreaming = false
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_p1').events })
    const id = await confirmRun(h, 'resp_p1')
    expect(await h.job(id)).toMatchObject({ streaming: false })
    h.fake.advanceBackground('resp_p1', SEARCHES_DONE - 2)
    const progress = (await h.job(id))?.progress
    await h.until(() => textOf(h.surface(group), progress).includes('Searches: 3'), 'the polled progress')
    h.fake.finishBackground('resp_p1')
    await h.until(delivered(h, id), 'the delivery')
    const gets = h.fake.requests.filter((r) => r.method === 'GET')
    expect(gets.length).toBeGreaterThanOrEqual(2)
    expect(gets.every((r) => r.path === '/v1/responses/resp_p1')).toBe(true)
    expect(h.posts()).toBe(1)
    expect(textOf(h.surface(group), progress).split('\n').at(-1)).toMatch(
      /^Research finished in \d+ (s|min) · searches: 3 · \$2\.83$/,
    )
    expect(h.files).toHaveLength(1)
  })

  test('an endpoint that refuses streaming in background mode gets a plain create, then polling', async () => {
    h.fake.route = (req) =>
      req.body?.stream === true
        ? apiError(400, { message: 'stream is not supported with background', param: 'stream' })
        : undefined
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_p2').events })
    const id = await confirmRun(h, 'resp_p2')
    h.fake.finishBackground('resp_p2')
    await h.until(delivered(h, id), 'the delivery')
    const posts = h.fake.requests.filter((r) => r.method === 'POST')
    expect(posts.map((r) => [r.path, r.body?.stream])).toEqual([
      ['/v1/responses', true],
      ['/v1/responses', false],
    ])
    expect(h.fake.requests.some((r) => r.query.get('stream') === 'true')).toBe(false)
    expect(h.files).toHaveLength(1)
  })
})

describe('research slots', () => {
  const h = useResearchHarness({ env: { RESEARCH_MAX_CONCURRENT: '1' } })

  test('a run past the limit waits its turn, with its position shown', async () => {
    h.fake.enqueue(
      { kind: 'background', events: researchRun('resp_q1').events },
      { kind: 'background', events: researchRun('resp_q2').events },
    )
    const first = await confirmRun(h, 'resp_q1', { question: 'First question' })
    const second = await confirmRun(h, 'resp_q2', { question: 'Second question', wait: 'queued' })
    const waiting = (await h.job(second))?.progress
    await h.until(() => textOf(h.surface(group), waiting).includes('position 1'), 'the queue position')
    expect(textOf(h.surface(group), waiting)).toMatch(
      /^Deep research · o3-deep-research\n│ Second question\nWaiting for a free research slot \(position 1\) · \d+ s\nNo searches yet$/,
    )
    expect([h.posts(), h.research.running()]).toEqual([1, 1])
    h.fake.finishBackground('resp_q1')
    await h.until(delivered(h, first), 'the first delivery')
    await h.until(() => h.posts() === 2, 'the second request')
    expect((await h.job(second))?.responseId).toBe('resp_q2')
    h.fake.finishBackground('resp_q2')
    await h.until(delivered(h, second), 'the second delivery')
    expect(h.files).toHaveLength(2)
  })

  test('cancelling a waiting run sends nothing and gives the run back', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_q1').events })
    await confirmRun(h, 'resp_q1', { question: 'First question' })
    const second = await confirmRun(h, 'unused', { question: 'Second question', wait: 'queued' })
    const pressed = await h.press(ada, group, `rs:k:${second}`, { id: '1', chatId: '-100' })
    expect(pressed.answers).toEqual(['Cancelling the research…'])
    await h.until(delivered(h, second), 'the cancellation')
    expect(
      textOf(h.surface(group), (await h.job(second))?.progress)
        .split('\n')
        .at(-1),
    ).toBe('Research cancelled before it started; nothing was sent.')
    expect(h.posts()).toBe(1)
    expect((await h.services.budgets.checkResearch('telegram:1', 0)).runsToday).toBe(1)
  })
})
