import { describe, expect, test } from 'vitest'
import { translator } from '../../../src/core/i18n/i18n.ts'
import { buttonData, parseButton } from '../../../src/core/research/research-cards.ts'
import { estimateResearch } from '../../../src/core/research/research-estimate.ts'
import type { ResearchJob } from '../../../src/core/research/research-jobs.ts'
import { slug, summaryLine } from '../../../src/core/research/research-report.ts'
import { loadModels } from '../../../src/core/state/models.ts'
import { confirmRun, group, researchRun, START, useResearchHarness } from './research-harness.ts'

const models = loadModels()
const t = translator('en')
const job: ResearchJob = {
  id: 'a1b2c3d4e5f60718',
  question: 'q',
  model: 'o3-deep-research',
  chat: group,
  requester: { key: 'telegram:1', id: '1', name: 'Ada' },
  approver: { key: 'telegram:1', id: '1', name: 'Ada' },
  estimate: { lowUsd: 1.5, highUsd: 24.4 },
  status: 'finished',
  created: START,
  startedAt: START,
  lastSequence: 40,
  streaming: true,
  searches: [],
}

describe('research texts', () => {
  test('button data round-trips and stays within 64 bytes', () => {
    const data = buttonData('k', job.id)
    expect(data).toBe('rs:k:a1b2c3d4e5f60718')
    expect(parseButton(data)).toEqual({ action: 'k', id: job.id })
    expect(parseButton('rs:z:a1b2')).toBeUndefined()
    expect(parseButton('stop:a1b2')).toBeUndefined()
  })

  test('the estimate scales with the allowed tool calls', () => {
    const o3 = models.get('o3-deep-research')!
    expect(estimateResearch(o3, 40)).toEqual({
      lowUsd: 1.5,
      highUsd: 24.4,
      searchesLow: 10,
      searchesHigh: 40,
    })
    // 5 calls: 5 searches at the low end too; 250k × $10 + 100k × $40 + 5 × $0.01.
    expect(estimateResearch(o3, 5)).toEqual({ lowUsd: 1.45, highUsd: 6.55, searchesLow: 5, searchesHigh: 5 })
    expect(estimateResearch(o3, 40, { highOutputTokens: 0, highInputTokensPerToolCall: 0 }).highUsd).toBe(1.5)
  })

  test('the summary line says how a run ended', () => {
    const end = (outcome: ResearchJob['outcome'] & object, costUsd?: number) =>
      summaryLine(t, job, { outcome, searches: 37, costUsd })
    const at = START + 12 * 60_000 + 5_000
    expect(end({ status: 'completed', finishedAt: at }, 3.41)).toBe(
      'Research finished in 12 min · searches: 37 · $3.41',
    )
    expect(end({ status: 'incomplete', reason: 'max_output_tokens', finishedAt: at }, 3.41)).toBe(
      'Research incomplete after 12 min (max_output_tokens) · searches: 37 · $3.41',
    )
    expect(end({ status: 'failed', error: 'The model failed.', finishedAt: START + 90 * 60_000 })).toBe(
      'Research failed after 1 h 30 min: The model failed.',
    )
    expect(end({ status: 'cancelled', finishedAt: START + 42_000 })).toBe(
      'Research cancelled after 42 s · searches: 37 · cost unknown',
    )
  })

  test('report files are named by date and the question’s words', () => {
    expect(slug('How efficient are the best solar cells today, in 2025?', 'x')).toBe(
      'how-efficient-are-the-best-solar-cells',
    )
    expect(slug('Café à Paris', 'x')).toBe('cafe-a-paris')
    expect(slug('量子计算的现状', job.id)).toBe(job.id)
  })
})

describe('research in Telegram HTML', () => {
  const h = useResearchHarness({ format: 'telegram-html' })

  test('cards, progress and report are HTML Telegram accepts', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_h1').events })
    const id = await confirmRun(h, 'resp_h1', { question: 'Is <b> & "x" > y?\nSecond line' })
    h.fake.finishBackground('resp_h1')
    await h.until(async () => (await h.job(id))?.status === 'delivered', 'the delivery')
    const surface = h.surface(group)
    expect(surface.calls.filter((c) => c.result !== 'ok')).toEqual([])
    expect(surface.texts()[0]).toContain('<blockquote>Is &lt;b&gt; &amp; "x" &gt; y?')
    expect(h.files[0]?.name).toBe('research-2025-04-10-is-b-x-y-second-line.md')
  })
})
