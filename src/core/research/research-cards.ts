import type { Button } from '../contracts/surface.ts'
import { type Translate, usd } from '../i18n/i18n.ts'
import { clip } from '../live/compose.ts'
import type { AnswerState } from '../responses/state.ts'
import type { ResearchJob, ResearchRequest } from './research-jobs.ts'

/**
 * What research shows in the chat, as Markdown: the confirmation and approval cards, the progress
 * message and the one line a run ends with. Button data is `rs:<action>:<id>` (at most 64 bytes):
 * `c` confirm and `x` cancel (the requester's own card), `a` approve and `d` decline (a member's
 * request), `k` cancel a running job, `r` run an interrupted job again (as a new request).
 *
 * @example
 *   buttonData('c', 'a1b2c3d4e5f60718')   // 'rs:c:a1b2c3d4e5f60718'
 *   parseButton('rs:k:a1b2c3d4e5f60718')  // { action: 'k', id: 'a1b2c3d4e5f60718' }
 */

/** What a research button does: confirm, cancel the card, approve, decline, cancel the run, run again. */
export type ButtonAction = 'c' | 'x' | 'a' | 'd' | 'k' | 'r'

export const BUTTON_PREFIX = 'rs:'
const ACTIONS: readonly string[] = ['c', 'x', 'a', 'd', 'k', 'r']

export function buttonData(action: ButtonAction, id: string): string {
  return `${BUTTON_PREFIX}${action}:${id}`
}

export function parseButton(data: string): { action: ButtonAction; id: string } | undefined {
  const match = /^rs:([a-z]):([A-Za-z0-9_-]{1,40})$/.exec(data)
  if (!match || !ACTIONS.includes(match[1]!)) return undefined
  return { action: match[1] as ButtonAction, id: match[2]! }
}

/** The question as a quote, cut to a readable length. */
export function quoted(question: string, max = 300): string {
  return clip(question.trim(), max)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')
}

export interface CardBudget {
  spentUsd: number
  /** 0: no daily cap. */
  capUsd: number
}

/** The admin's own card: model, estimate, today's research spend, Confirm / Cancel. */
export function confirmCard(
  t: Translate,
  req: ResearchRequest,
  budget: CardBudget,
  maxToolCalls: number,
  ttlMinutes: number,
): { markdown: string; buttons: Button[] } {
  const spending =
    budget.capUsd > 0
      ? t('research.card_budget', {
          spent: usd(budget.spentUsd),
          left: usd(Math.max(0, budget.capUsd - budget.spentUsd)),
          cap: usd(budget.capUsd),
        })
      : t('research.card_budget_uncapped', { spent: usd(budget.spentUsd) })
  const markdown = [
    t('research.card_title'),
    quoted(req.question),
    t('research.card_model', { model: req.model, searches: maxToolCalls }),
    t('research.card_estimate', { low: usd(req.estimate.lowUsd), high: usd(req.estimate.highUsd) }),
    spending,
    t('research.card_confirm_hint', { name: req.requester.name, minutes: ttlMinutes }),
  ].join('\n')
  return {
    markdown,
    buttons: [
      { label: t('research.button_confirm'), data: buttonData('c', req.id), style: 'primary' },
      { label: t('research.button_cancel'), data: buttonData('x', req.id), style: 'secondary' },
    ],
  }
}

/** A member's request in a group: what it would cost, Approve / Decline for admins. */
export function approvalCard(
  t: Translate,
  req: ResearchRequest,
  maxToolCalls: number,
  ttlMinutes: number,
): { markdown: string; buttons: Button[] } {
  const markdown = [
    t('research.request_title', { name: req.requester.name }),
    quoted(req.question),
    t('research.card_model', { model: req.model, searches: maxToolCalls }),
    t('research.card_estimate', { low: usd(req.estimate.lowUsd), high: usd(req.estimate.highUsd) }),
    t('research.card_request_hint', { minutes: ttlMinutes }),
  ].join('\n')
  return {
    markdown,
    buttons: [
      { label: t('research.button_approve'), data: buttonData('a', req.id), style: 'success' },
      { label: t('research.button_decline'), data: buttonData('d', req.id), style: 'danger' },
    ],
  }
}

/** A card once decided (or expired): its title and question, then what happened; no buttons. */
export function decidedCard(t: Translate, req: ResearchRequest, line: string): string {
  const title =
    req.kind === 'confirm'
      ? t('research.card_title')
      : t('research.request_title', { name: req.requester.name })
  return [title, quoted(req.question), line].join('\n')
}

export function elapsedText(t: Translate, ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return t('duration.seconds', { n: seconds })
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return t('duration.minutes', { n: minutes })
  return t('duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 })
}

export type Phase =
  | { kind: 'waiting'; position: number }
  | { kind: 'starting' }
  | { kind: 'running' }
  | { kind: 'cancelling' }

/** The progress message while a job waits or runs: status, elapsed time, searches and the latest queries. */
export function progressText(
  t: Translate,
  job: ResearchJob,
  phase: Phase,
  state: AnswerState,
  now: number,
): string {
  const status = statusOf(t, phase, state)
  const since = job.startedAt ?? job.created
  const searches = state.searches.length > 0 ? state.searches : job.searches
  const queries = searches
    .flatMap((s) => (s.query ? [`“${clip(s.query, 60)}”`] : []))
    .slice(-3)
    .reverse()
  const searchLine =
    searches.length === 0
      ? t('research.progress_no_searches')
      : t('research.progress_searches', {
          count: searches.length,
          queries: queries.length > 0 ? queries : '…',
        })
  return [
    t('research.progress_title', { model: job.model }),
    quoted(job.question, 200),
    t('research.progress_line', { status, elapsed: elapsedText(t, now - since) }),
    searchLine,
  ].join('\n')
}

function statusOf(t: Translate, phase: Phase, state: AnswerState): string {
  switch (phase.kind) {
    case 'waiting':
      return t('research.status_waiting_slot', { position: phase.position })
    case 'starting':
      return t('research.status_starting')
    case 'cancelling':
      return t('research.status_cancelling')
    case 'running':
      if (state.status === 'queued') return t('research.status_queued')
      return state.activity.kind === 'writing' ? t('research.status_writing') : t('research.status_running')
  }
}

/** The progress message at the end: the title, the question and the one line saying how it ended. */
export function finalProgressText(t: Translate, job: ResearchJob, line: string): string {
  return [t('research.progress_title', { model: job.model }), quoted(job.question, 200), line].join('\n')
}
