import { formatDateTime, type Translate, usd } from '../i18n/i18n.ts'
import { clip } from '../live/compose.ts'
import type { AnswerState, Citation } from '../responses/state.ts'
import { elapsedText } from './research-cards.ts'
import type { JobOutcome, ResearchJob } from './research-jobs.ts'

/**
 * The end of a run, as people read it: one summary line ("Research finished in 12 min · 37
 * searches · $3.41"), the report for the chat (the text, then its sources as numbered links) and the
 * same report as a Markdown file with the question, model, date and sources.
 *
 * @example
 *   const file = reportFile(t, job, state, line, now)   // { name: 'research-2025-04-10-why-is-the-sky-blue.md', bytes }
 */

/** How a run ended, as its report's footer says it. */
export interface Ending {
  outcome: JobOutcome
  /** Completed web searches. */
  searches: number
  /** USD, undefined when the run reported no usage or the model has no price. */
  costUsd: number | undefined
}

export function summaryLine(t: Translate, job: ResearchJob, ending: Ending): string {
  const { outcome } = ending
  const started = job.startedAt ?? job.created
  const elapsed = elapsedText(t, outcome.finishedAt - started)
  const cost = ending.costUsd === undefined ? t('research.cost_unknown') : usd(ending.costUsd)
  const common = { elapsed, searches: ending.searches, cost }
  if (outcome.note === 'lost') return t('research.lost')
  if (outcome.note === 'not_sent') return t('research.cancelled_before_start')
  if (outcome.note === 'start_failed') return t('research.start_failed', { error: outcome.error ?? '' })
  if (outcome.note === 'closed') return t('research.cancelled_closed', common)
  if (outcome.note === 'interrupted')
    return t('research.interrupted', { ...common, why: whyText(t, outcome) })
  switch (outcome.status) {
    case 'completed':
      return t('research.finished', common)
    case 'cancelled':
      return t('research.cancelled', common)
    case 'incomplete':
      return t('research.incomplete', { ...common, reason: outcome.reason ?? 'unknown' })
    default:
      return t('research.failed', { elapsed, error: outcome.error ?? outcome.status })
  }
}

function whyText(t: Translate, outcome: JobOutcome): string {
  switch (outcome.reason) {
    case 'restart':
      return t('research.why_restart')
    case 'silent':
      return t('research.why_silent')
    case 'not_resumable':
      return t('research.why_not_resumable')
    default:
      return t('research.why_dropped')
  }
}

/** The report for the chat: a title (marked partial when the run did not complete), the text, the sources. */
export function reportMarkdown(t: Translate, job: ResearchJob, state: AnswerState): string {
  const partial = state.status !== 'completed'
  const title = `**${partial ? `${t('research.partial')}: ` : ''}${clip(oneLine(job.question), 200)}**`
  return [title, state.text.trim(), sourcesMarkdown(t('sources.title'), state.citations)]
    .filter((part) => part !== '')
    .join('\n\n')
}

export function sourcesMarkdown(title: string, citations: readonly Citation[]): string {
  if (citations.length === 0) return ''
  const lines = citations.map((c, i) => `${i + 1}. [${linkText(c.title || c.url)}](${c.url})`)
  return [`**${title}**`, ...lines].join('\n')
}

/** The whole report as a Markdown file, named `research-<date>-<slug>.md`. */
export function reportFile(
  t: Translate,
  job: ResearchJob,
  state: AnswerState,
  line: string,
  now: number,
): { name: string; bytes: Uint8Array } {
  const date = new Date(now).toISOString()
  const who =
    job.approver.key === job.requester.key
      ? t('report.requested_by', { name: job.requester.name })
      : t('report.requested_approved', { name: job.requester.name, admin: job.approver.name })
  const text = [
    `# ${t('report.title', { question: clip(oneLine(job.question), 120) })}`,
    '',
    `- ${t('report.question', { question: oneLine(job.question) })}`,
    `- ${t('report.model', { model: job.model })}`,
    `- ${t('report.date', { date: formatDateTime(t.lang, new Date(now)) })}`,
    `- ${who}`,
    `- ${t('report.result', { line })}`,
    ...(job.responseId ? [`- ${t('report.response_id', { id: job.responseId })}`] : []),
    '',
    '---',
    '',
    state.text.trim() || `_${t('report.no_text')}_`,
    '',
    ...(state.citations.length > 0
      ? [
          `## ${t('sources.title')}`,
          '',
          ...state.citations.map((c, i) => `${i + 1}. [${linkText(c.title || c.url)}](${c.url})`),
          '',
        ]
      : []),
  ].join('\n')
  return {
    name: `research-${date.slice(0, 10)}-${slug(job.question, job.id)}.md`,
    bytes: new TextEncoder().encode(text),
  }
}

/** Lowercase ASCII words of the question joined by `-`, at most 40 characters; the job id when none. */
export function slug(question: string, fallback: string): string {
  const words = question
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '')
  let out = ''
  for (const word of words) {
    const next = out === '' ? word : `${out}-${word}`
    if (next.length > 40) break
    out = next
  }
  return out === '' ? fallback : out
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** Link text cannot hold brackets or line breaks. */
function linkText(text: string): string {
  return clip(oneLine(text).replace(/[[\]]/g, ''), 120)
}
