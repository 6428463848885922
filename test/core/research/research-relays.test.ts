import { describe, expect, test, vi } from 'vitest'
import { createResearchJobs, type ResearchJob } from '../../../src/core/research/research-jobs.ts'
import { apiError, modelNotFound, serverError, sse } from '../../fakes/fake-responses-api.ts'
import { splitInto } from '../../fakes/fake-responses-transcripts.ts'
import {
  ada,
  bob,
  confirmRun,
  group,
  type Harness,
  requestIdOf,
  researchRun,
  SEARCHES_DONE,
  textOf,
  useResearchHarness,
} from './research-harness.ts'

/**
 * Research on relays: background mode refused (400 `unsupported_parameter`, 404/405 on the route),
 * no `GET /responses/{id}` or `/cancel`, long silences. A foreground run is one streamed request,
 * sent once; whatever cuts it, it is reported and never sent again.
 */
const question = 'How efficient are the best solar cells today?'
const report = 'Alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november.'
/** Events through the third delta of the report: 18 message start, 19 content part, 20-22 deltas. */
const THREE_DELTAS = SEARCHES_DONE + 5
const partial = splitInto(report, 12).slice(0, 3).join('')

const delivered = (h: Harness, id: string) => async () => (await h.job(id))?.status === 'delivered'
const lastLine = (h: Harness, ref: Parameters<typeof textOf>[1]) =>
  textOf(h.surface(group), ref).split('\n').at(-1)
const buttonsOf = (h: Harness, ref: Parameters<typeof textOf>[1]) =>
  h.surface(group).messages.find((m) => m.ref.id === ref?.id)?.buttons
const flag = (h: Harness, capability: string) =>
  h.store.kv('conv').get(`flag:${capability}-unsupported:${h.services.config.openai.baseUrl}`)
const calls = (h: Harness) => h.fake.requests.map((r) => `${r.method} ${r.path} ${r.body?.background ?? ''}`)

/** Moves the fake clock by `ms` in steps, letting real I/O (the store, the sockets) run between them. */
async function pass(h: Harness, ms: number, stepMs = 5000): Promise<void> {
  for (let left = ms; left > 0; left -= stepMs) {
    await h.clock.advance(Math.min(stepMs, left))
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

describe('a relay that refuses background mode', () => {
  const h = useResearchHarness()

  test.each([
    [
      '400 unsupported_parameter naming background',
      () => {
        h.fake.options.rejectBackground = true
      },
    ],
    ['404 on the route', () => refuseRoute(h, 404)],
    ['405 on the route', () => refuseRoute(h, 405)],
  ])('%s: the run goes on as one foreground stream and delivers the same report', async (_, refuse) => {
    refuse()
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_f1', report).events })
    const id = await confirmRun(h, 'resp_f1', { question })
    expect(calls(h)).toEqual(['POST /v1/responses true', 'POST /v1/responses '])
    const foreground = h.fake.requests[1]?.body
    expect(foreground).toEqual({
      model: 'o3-deep-research',
      input: question,
      stream: true,
      tools: [{ type: 'web_search_preview' }],
      max_tool_calls: 40,
      reasoning: { summary: 'auto' },
      metadata: { herald_job: id },
    })
    expect(await h.job(id)).toMatchObject({ status: 'running', mode: 'foreground', responseId: 'resp_f1' })

    const progress = (await h.job(id))?.progress
    h.fake.advanceBackground('resp_f1', SEARCHES_DONE - 2)
    await h.until(() => textOf(h.surface(group), progress).includes('Searches: 3'), 'the searches shown')
    expect(buttonsOf(h, progress)).toEqual([{ label: 'Cancel', data: `rs:k:${id}`, style: 'danger' }])
    h.fake.finishBackground('resp_f1')
    await h.until(delivered(h, id), 'the delivery')
    expect(lastLine(h, progress)).toMatch(/^Research finished in \d+ (s|min) · searches: 3 · \$2\.83$/)
    expect(h.files).toHaveLength(1)
    expect(h.files[0]?.text).toContain(report)
    expect(await flag(h, 'background')).toBe(true)

    // The endpoint's answer is remembered: the next run goes straight to foreground.
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_f2', report).events })
    const again = await confirmRun(h, 'resp_f2', { question: 'And tomorrow?' })
    h.fake.finishBackground('resp_f2')
    await h.until(delivered(h, again), 'the second delivery')
    expect(calls(h).slice(2)).toEqual(['POST /v1/responses '])
    expect(h.fake.requests.filter((r) => r.method === 'GET')).toEqual([])
  })

  test('an unknown model (404 model_not_found) is a failure to start, not a refusal of background mode', async () => {
    h.fake.enqueue(modelNotFound('o3-deep-research'))
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const id = requestIdOf(card)
    await h.press(ada, group, `rs:c:${id}`, card.ref)
    await h.until(delivered(h, id), 'the failure line')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(/^Research could not start: /)
    expect(h.posts()).toBe(1)
    expect(await flag(h, 'background')).toBeUndefined()
  })

  test('a refused foreground request leaves background mode untried next time, not marked refused', async () => {
    refuseRoute(h, 404)
    h.fake.enqueue(serverError(500))
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const id = requestIdOf(card)
    await h.press(ada, group, `rs:c:${id}`, card.ref)
    await h.until(delivered(h, id), 'the failure line')
    expect(calls(h)).toEqual(['POST /v1/responses true', 'POST /v1/responses '])
    expect(await flag(h, 'background')).toBeUndefined()
  })
})

function refuseRoute(h: Harness, status: 404 | 405): void {
  h.fake.route = (req) =>
    req.body?.background === true
      ? apiError(status, { message: status === 404 ? 'Not Found' : 'Method Not Allowed' })
      : undefined
}

describe('RESEARCH_MODE=background on a relay that refuses it', () => {
  const h = useResearchHarness({ env: { RESEARCH_MODE: 'background' } })

  test('the run could not start, nothing else is sent and the run is given back', async () => {
    h.fake.options.rejectBackground = true
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const id = requestIdOf(card)
    await h.press(ada, group, `rs:c:${id}`, card.ref)
    await h.until(delivered(h, id), 'the failure line')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(/^Research could not start: /)
    expect(calls(h)).toEqual(['POST /v1/responses true'])
    expect((await h.services.budgets.checkResearch('telegram:1', 1)).runsToday).toBe(0)
    expect(await flag(h, 'background')).toBeUndefined()
  })
})

describe('foreground research (RESEARCH_MODE=foreground)', () => {
  const h = useResearchHarness({ env: { RESEARCH_MODE: 'foreground', OPENAI_IDLE_TIMEOUT_MS: '90000' } })

  async function started(): Promise<string> {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_g1', report).events })
    return confirmRun(h, 'resp_g1', { question })
  }

  test('the one request is sent once: a 500 is reported, never retried', async () => {
    h.fake.enqueue(serverError(500), serverError(500))
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const id = requestIdOf(card)
    await h.press(ada, group, `rs:c:${id}`, card.ref)
    await h.until(delivered(h, id), 'the failure line')
    expect(calls(h)).toEqual(['POST /v1/responses '])
  })

  test('the stream outlasts 90 s of silence and is cut at exactly RESEARCH_IDLE_TIMEOUT_MS, then reported', async () => {
    const id = await started()
    // Up to the third search starting: the save of three searches proves every event arrived.
    h.fake.advanceBackground('resp_g1', 12)
    await vi.waitFor(async () => expect((await h.job(id))?.searches).toHaveLength(3))
    await pass(h, 900_000 - 1)
    expect((await h.job(id))?.status).toBe('running')
    await h.clock.advance(1)
    await h.until(delivered(h, id), 'the interruption report')
    const progress = (await h.job(id))?.progress
    expect(lastLine(h, progress)).toMatch(
      /^Research interrupted after 15 min \(the AI service went silent\) · searches: 2 · cost unknown\. It was not sent again\.$/,
    )
    expect(buttonsOf(h, progress)).toEqual([{ label: 'Run again', data: `rs:r:${id}`, style: 'primary' }])
    expect(h.posts()).toBe(1)
  })

  test('a dropped connection is reported with the text that arrived, and Run again asks anew', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_g1', THREE_DELTAS - 2)
    await h.until(async () => (await h.job(id))?.searches.length === 3, 'the searches')
    h.fake.dropStreams('resp_g1')
    await h.until(delivered(h, id), 'the interruption report')
    const progress = (await h.job(id))?.progress
    expect(lastLine(h, progress)).toMatch(
      /^Research interrupted after \d+ (s|min) \(the connection to the AI service dropped\) · searches: 3 · cost unknown\. It was not sent again\.$/,
    )
    const reportMessage = h.surface(group).messages.find((m) => m.text.startsWith('Partial report:'))
    expect(reportMessage?.text).toBe(`Partial report: ${question}\n\n${partial.trim()}`)
    expect(h.files[0]?.text).toContain(partial.trim())
    expect(h.posts()).toBe(1)

    const refused = await h.press(bob, group, `rs:r:${id}`, progress!)
    expect(refused.answers).toEqual(['Only the person who asked or an admin can run this research again.'])
    const pressed = await h.press(ada, group, `rs:r:${id}`, progress!)
    expect(pressed.answers).toEqual([undefined])
    const card = pressed.notices[0]
    expect(card?.markdown.split('\n').slice(0, 4)).toEqual([
      '**Deep research**: confirm to start',
      `> ${question}`,
      'Model: **o3-deep-research** · searches: up to 40',
      'Estimated cost: **$1.50–$24.40**',
    ])
    expect(card?.buttons[0]).toMatchObject({ label: 'Confirm' })
    expect(requestIdOf(card)).not.toBe(id)
    expect(h.posts()).toBe(1)
  })

  test('cancel closes the stream (no /cancel) and says the relay may still bill the run', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_g1', 6)
    await h.until(async () => (await h.job(id))?.searches.length === 1, 'the first search')
    const pressed = await h.press(ada, group, `rs:k:${id}`, { id: '1', chatId: '-100' })
    expect(pressed.answers).toEqual(['Cancelling the research…'])
    await h.until(delivered(h, id), 'the cancellation')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(
      /^Research cancelled after \d+ (s|min) · searches: 1 · cost unknown\. Its stream was closed; the AI service may still finish and bill the run\.$/,
    )
    expect(calls(h)).toEqual(['POST /v1/responses '])
    // The relay goes on with it.
    expect(h.fake.background('resp_g1').response.status).toBe('in_progress')
  })

  test('cancel pressed in another process closes the stream where it runs, at once', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_g1', 6)
    await h.until(async () => (await h.job(id))?.searches.length === 1, 'the first search')
    const other = await h.process('p2')
    const pressed = await h.press(ada, group, `rs:k:${id}`, { id: '1', chatId: '-100' }, other.research)
    expect(pressed.answers).toEqual(['Cancelling the research…'])
    // No time passes: the driving process heard the press and closed its stream.
    await vi.waitFor(async () => expect((await h.job(id))?.outcome?.note).toBe('closed'))
    await h.until(delivered(h, id), 'the cancellation')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(
      /^Research cancelled after .* Its stream was closed;/,
    )
    expect(calls(h)).toEqual(['POST /v1/responses '])
  })

  test.each([
    ['here', false],
    ['in another process', true],
  ])('cancel pressed %s before the first event closes the stream all the same', async (_, elsewhere) => {
    h.fake.enqueue(sse([], { stallAfter: 0 }))
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const id = requestIdOf(card)
    await h.press(ada, group, `rs:c:${id}`, card.ref)
    await h.until(async () => (await h.job(id))?.progress !== undefined, 'the progress message')
    await h.fake.waitForRequests(1)
    const research = elsewhere ? (await h.process('p2')).research : h.research
    await h.press(ada, group, `rs:k:${id}`, { id: '1', chatId: '-100' }, research)
    await h.until(delivered(h, id), 'the cancellation')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(
      /^Research cancelled after \d+ s · searches: 0 · cost unknown\. Its stream was closed;/,
    )
    expect(calls(h)).toEqual(['POST /v1/responses '])
    expect((await h.services.budgets.checkResearch('telegram:1', 1)).runsToday).toBe(1)
  })

  test('a cancel recorded without a word reaches the driving process at its next lock renewal', async () => {
    const id = await started()
    await createResearchJobs(h.store).update(id, (job) => ({ ...job, cancelRequested: true }))
    // Locks are renewed every 20 s (a third of 60 s): one renewal period is enough.
    await pass(h, 20_000, 1000)
    await vi.waitFor(async () => expect((await h.job(id))?.outcome?.note).toBe('closed'))
    await h.until(delivered(h, id), 'the cancellation')
    expect(calls(h)).toEqual(['POST /v1/responses '])
  })

  test('a run cut by a restart is reported by the next process with its saved text, never re-sent', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_g1', THREE_DELTAS - 2)
    await h.until(async () => (await h.job(id))?.searches.length === 3, 'the searches')
    await vi.waitFor(() => expect(h.research.running()).toBe(1))
    await h.research.stop()
    expect(await h.job(id)).toMatchObject({ status: 'running', mode: 'foreground', text: partial })
    const before = h.fake.requests.length

    const restarted = await h.process('p2')
    expect(await restarted.research.resumeAll()).toBe(1)
    await h.until(delivered(h, id), 'the interruption report')
    const progress = (await h.job(id))?.progress
    expect(lastLine(h, progress)).toMatch(
      /^Research interrupted after \d+ (s|min) \(Herald restarted\) · searches: 3 · cost unknown\. It was not sent again\.$/,
    )
    expect(buttonsOf(h, progress)).toEqual([{ label: 'Run again', data: `rs:r:${id}`, style: 'primary' }])
    expect(h.files[0]?.text).toContain(partial.trim())
    expect(h.fake.requests.length).toBe(before)
  })
})

describe('a foreground run finished but not yet delivered at a restart', () => {
  const h = useResearchHarness({ env: { RESEARCH_MODE: 'foreground' } })

  test('is delivered from the text it kept, with nothing asked of the endpoint', async () => {
    const job: ResearchJob = {
      id: 'fgdone0000000001',
      question,
      model: 'o3-deep-research',
      chat: group,
      requester: { key: 'telegram:1', id: '1', name: ada.name },
      approver: { key: 'telegram:1', id: '1', name: ada.name },
      estimate: { lowUsd: 1.5, highUsd: 24.4 },
      status: 'finished',
      created: h.clock.now(),
      startedAt: h.clock.now(),
      responseId: 'resp_gone',
      lastSequence: 40,
      streaming: true,
      mode: 'foreground',
      text: report,
      searches: [],
      outcome: { status: 'completed', finishedAt: h.clock.now() + 60_000 },
    }
    await createResearchJobs(h.store).put(job)
    expect(await h.research.resumeAll()).toBe(1)
    await h.until(delivered(h, job.id), 'the delivery')
    expect(h.surface(group).messages.some((m) => m.text === `${question}\n\n${report}`)).toBe(true)
    expect(h.files[0]?.text).toContain(report)
    expect(h.fake.requests).toEqual([])
  })
})

describe('a relay without GET /responses/{id} or /cancel', () => {
  const h = useResearchHarness()

  async function started(): Promise<string> {
    h.fake.options.noRetrieve = true
    h.fake.options.noCancel = true
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_n1', report).events })
    return confirmRun(h, 'resp_n1', { question })
  }

  test('a streamed background run is followed to its end on the open stream', async () => {
    const id = await started()
    h.fake.finishBackground('resp_n1')
    await h.until(delivered(h, id), 'the delivery')
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(/^Research finished in .* · \$2\.83$/)
    expect(calls(h)).toEqual(['POST /v1/responses true'])
  })

  test('a dropped stream that cannot be looked up is reported, never re-sent, and remembered', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_n1', THREE_DELTAS - 2)
    await h.until(async () => (await h.job(id))?.searches.length === 3, 'the searches')
    h.fake.dropStreams('resp_n1')
    await h.until(delivered(h, id), 'the interruption report')
    expect(calls(h)).toEqual(['POST /v1/responses true', 'GET /v1/responses/resp_n1 '])
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(
      /^Research interrupted after .* \(the connection to the AI service dropped\) · searches: 3 · cost unknown\. It was not sent again\.$/,
    )
    expect(await flag(h, 'retrieve')).toBe(true)
  })

  test('once that is known, a cut run asks nothing more and is reported with the text that arrived', async () => {
    await h.services.endpoint.markUnsupported('retrieve')
    const id = await started()
    h.fake.advanceBackground('resp_n1', THREE_DELTAS - 2)
    await h.until(async () => (await h.job(id))?.searches.length === 3, 'the searches')
    h.fake.dropStreams('resp_n1')
    await h.until(delivered(h, id), 'the interruption report')
    expect(calls(h)).toEqual(['POST /v1/responses true'])
    const reportMessage = h.surface(group).messages.find((m) => m.text.startsWith('Partial report:'))
    expect(reportMessage?.text).toBe(`Partial report: ${question}\n\n${partial.trim()}`)
  })

  test('cancel falls back to closing the stream', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_n1', 6)
    await h.until(async () => (await h.job(id))?.searches.length === 1, 'the first search')
    await h.press(ada, group, `rs:k:${id}`, { id: '1', chatId: '-100' })
    await h.until(delivered(h, id), 'the cancellation')
    expect(calls(h)).toEqual(['POST /v1/responses true', 'POST /v1/responses/resp_n1/cancel '])
    expect(lastLine(h, (await h.job(id))?.progress)).toMatch(
      /^Research cancelled after .* · searches: 1 · cost unknown\. Its stream was closed; the AI service may still finish and bill the run\.$/,
    )
    expect(await flag(h, 'cancel')).toBe(true)
  })

  test('after a restart the run is reported as not resumable here, never re-sent', async () => {
    const id = await started()
    h.fake.advanceBackground('resp_n1', 6)
    await h.until(async () => (await h.job(id))?.searches.length === 1, 'the first search')
    await h.research.stop()
    const restarted = await h.process('p2')
    expect(await restarted.research.resumeAll()).toBe(1)
    await h.until(delivered(h, id), 'the report')
    expect(calls(h)).toEqual(['POST /v1/responses true', 'GET /v1/responses/resp_n1 '])
    const progress = (await h.job(id))?.progress
    expect(lastLine(h, progress)).toMatch(
      /^Research interrupted after .* \(Herald restarted, and this AI service cannot resume a run\) · searches: 1 · cost unknown\. It was not sent again\.$/,
    )
    expect(buttonsOf(h, progress)).toEqual([{ label: 'Run again', data: `rs:r:${id}`, style: 'primary' }])
    expect(await flag(h, 'retrieve')).toBe(true)
  })
})
