import { describe, expect, test } from 'vitest'
import { serverError } from '../../fakes/fake-responses-api.ts'
import {
  ada,
  bob,
  group,
  longReport,
  queries,
  requestIdOf,
  researchRun,
  SEARCHES_DONE,
  textOf,
  useResearchHarness,
} from './research-harness.ts'

const question = 'How efficient are the best solar cells today?'

describe('a confirmed research run', () => {
  const h = useResearchHarness()

  async function confirmed(id = 'resp_r1') {
    h.fake.enqueue({ kind: 'background', events: researchRun(id).events })
    await h.command(ada, group, question)
    const card = h.notices.at(-1)!
    const requestId = requestIdOf(card)
    const pressed = await h.press(ada, group, `rs:c:${requestId}`, card.ref)
    await h.until(async () => {
      const job = await h.job(requestId)
      return job?.responseId === id && job.progress !== undefined
    }, 'the response id and the progress message saved')
    return { card, requestId, pressed }
  }

  test('the card shows the model, the estimate and today’s budget, and nothing is sent before Confirm', async () => {
    await h.command(ada, group, question)
    const card = h.notices[0]!
    expect(card.markdown).toBe(
      [
        '**Deep research**: confirm to start',
        `> ${question}`,
        'Model: **o3-deep-research** · searches: up to 40',
        'Estimated cost: **$1.50–$24.40**',
        'Research today: $0.00 spent · $50.00 left of $50.00',
        'Only Ada can confirm. This card expires in 10 min.',
      ].join('\n'),
    )
    const id = requestIdOf(card)
    expect(card.buttons).toEqual([
      { label: 'Confirm', data: `rs:c:${id}`, style: 'primary' },
      { label: 'Cancel', data: `rs:x:${id}`, style: 'secondary' },
    ])
    expect(Buffer.byteLength(`rs:c:${id}`)).toBeLessThanOrEqual(64)
    expect(h.fake.requests).toEqual([])
  })

  test('confirm sends one background request, shows progress and delivers the report with its sources and a file', async () => {
    const { card, requestId, pressed } = await confirmed()
    expect(pressed.answers).toEqual([undefined])
    const surface = h.surface(group)
    await h.until(() => textOf(surface, card.ref).includes('Confirmed by Ada'), 'the card edit')
    expect(textOf(surface, card.ref)).toBe(
      `Deep research: confirm to start\n│ ${question}\nConfirmed by Ada: the research is starting (progress below).`,
    )
    expect(surface.messages.find((m) => m.ref.id === card.ref.id)?.buttons).toEqual([])

    const [post] = h.fake.requests
    expect([post?.method, post?.pathname]).toEqual(['POST', '/v1/responses'])
    expect(post?.body).toEqual({
      model: 'o3-deep-research',
      input: question,
      background: true,
      stream: true,
      tools: [{ type: 'web_search_preview' }],
      max_tool_calls: 40,
      reasoning: { summary: 'auto' },
      metadata: { herald_job: requestId },
    })
    const job = await h.job(requestId)
    expect(job).toMatchObject({ status: 'running', responseId: 'resp_r1', approver: { key: 'telegram:1' } })
    const progress = job?.progress
    expect(progress).toBeDefined()

    h.fake.advanceBackground('resp_r1', SEARCHES_DONE - 2)
    await h.until(
      () => textOf(surface, progress).includes('Searches: 3'),
      'the searches in the progress message',
    )
    expect(textOf(surface, progress)).toMatch(
      new RegExp(
        `^Deep research · o3-deep-research\\n│ ${question.replace('?', '\\?')}\\nResearching… · \\d+ (s|min)\\n` +
          `Searches: 3 · latest: “${queries[2]}”, “${queries[1]}”, “${queries[0]}”$`,
      ),
    )
    expect(surface.messages.find((m) => m.ref.id === progress?.id)?.buttons).toEqual([
      { label: 'Cancel', data: `rs:k:${requestId}`, style: 'danger' },
    ])

    h.fake.finishBackground('resp_r1')
    await h.until(async () => (await h.job(requestId))?.status === 'delivered', 'the delivery')
    const line = textOf(surface, progress).split('\n').at(-1)
    expect(line).toMatch(/^Research finished in \d+ (s|min) · searches: 3 · \$2\.83$/)
    expect(surface.messages.find((m) => m.ref.id === progress?.id)?.buttons).toEqual([])

    const report = surface.messages.filter(
      (m) => Number(m.ref.id) > Number(progress?.id) && !m.text.startsWith('[file'),
    )
    expect(report.length).toBeGreaterThanOrEqual(8)
    expect(report.every((m) => m.text.length <= 1000)).toBe(true)
    const whole = report.map((m) => m.text).join('\n')
    for (let part = 1; part <= 30; part++) expect(whole).toContain(`Finding ${part}:`)
    expect(report[0]?.text.startsWith(question)).toBe(true)
    expect(report.at(-1)?.text).toContain(
      'Sources\n1. Tandem cells reach 34% (https://a.example/tandem)\n2. The Shockley–Queisser limit (https://b.example/limit)',
    )

    expect(h.files).toHaveLength(1)
    const file = h.files[0]!
    expect(file.name).toBe('research-2025-04-10-how-efficient-are-the-best-solar-cells.md')
    expect(file.caption).toBe(line)
    expect(file.text).toContain(`# Research: ${question}`)
    expect(file.text).toContain(
      `- Question: ${question}\n- Model: o3-deep-research\n- Date: Apr 10, 2025, 15:`,
    )
    expect(file.text).toContain(longReport)
    expect(file.text).toContain(
      '## Sources\n\n1. [Tandem cells reach 34%](https://a.example/tandem)\n2. [The Shockley–Queisser limit](https://b.example/limit)',
    )

    expect(h.posts()).toBe(1)
    const research = await h.services.usage.totals({ kind: 'research' }, 'day')
    expect([research.usd, research.searches, research.requests]).toEqual([2.83, 3, 1])
    expect(await h.services.budgets.researchSpentToday()).toBe(2.83)
    expect(h.research.running()).toBe(0)
  })

  test('progress edits are exactly five seconds apart while the run changes at every step', async () => {
    const { requestId } = await confirmed()
    const progress = (await h.job(requestId))?.progress
    for (let step = 0; step < 8; step++) {
      h.fake.advanceBackground('resp_r1', 2)
      await h.clock.advance(2000)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    h.fake.finishBackground('resp_r1')
    await h.until(async () => (await h.job(requestId))?.status === 'delivered', 'the delivery')
    const edits = h.surface(group).calls.filter((c) => c.kind === 'edit' && c.ref?.id === progress?.id)
    // While it runs (16 s in 2 s steps), the progress message changes at every step, so each edit
    // waits out the run's own minimum gap and no more; the delivery's final edit is not a progress edit.
    const running = edits.slice(0, -1)
    expect(running.length).toBeGreaterThanOrEqual(3)
    const gaps = running.slice(1).map((edit, i) => edit.at - running[i]!.at)
    expect(gaps).toEqual(gaps.map(() => 5000))
  })

  test('cancel sends POST /responses/{id}/cancel and the run is reported as cancelled', async () => {
    const { requestId } = await confirmed()
    h.fake.advanceBackground('resp_r1', 7)
    const refused = await h.press(bob, group, `rs:k:${requestId}`, { id: '1', chatId: '-100' })
    expect(refused.answers).toEqual(['Only the person who asked or an admin can cancel this research.'])
    expect(h.fake.requests.some((r) => r.path.endsWith('/cancel'))).toBe(false)

    const pressed = await h.press(ada, group, `rs:k:${requestId}`, { id: '1', chatId: '-100' })
    expect(pressed.answers).toEqual(['Cancelling the research…'])
    expect(h.fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([
      '/v1/responses',
      '/v1/responses/resp_r1/cancel',
    ])
    await h.until(async () => (await h.job(requestId))?.status === 'delivered', 'the delivery')
    const job = await h.job(requestId)
    expect(job?.outcome).toMatchObject({ status: 'cancelled' })
    expect(textOf(h.surface(group), job?.progress).split('\n').at(-1)).toMatch(
      /^Research cancelled after \d+ (s|min) · searches: 1 · cost unknown$/,
    )
    expect(h.files).toEqual([])
    expect(h.posts()).toBe(1)
  })

  test('a create that fails is reported in one line, not retried, and gives the run back', async () => {
    h.fake.enqueue(serverError(500))
    await h.command(ada, group, question)
    const card = h.notices[0]!
    const requestId = requestIdOf(card)
    await h.press(ada, group, `rs:c:${requestId}`, card.ref)
    await h.until(async () => (await h.job(requestId))?.status === 'delivered', 'the failure report')
    const job = await h.job(requestId)
    expect(textOf(h.surface(group), job?.progress).split('\n').at(-1)).toBe(
      'Research could not start: The AI service had an internal error. Please try again. It was not retried and does not count toward today’s runs.',
    )
    expect(h.posts()).toBe(1)
    expect(await h.services.budgets.checkResearch('telegram:1', 1)).toMatchObject({
      ok: true,
      spentUsd: 0,
      runsToday: 0,
    })
  })
})
