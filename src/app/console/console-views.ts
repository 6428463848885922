import { USER_NAMES } from '../../core/answers/run-answer.ts'
import {
  createResearchJobs,
  type ResearchJob,
  type ResearchRequest,
} from '../../core/research/research-jobs.ts'
import type { CapScope } from '../../core/state/budgets.ts'
import type { ChatSettings } from '../../core/state/settings.ts'
import type { DaySpend } from '../../core/state/usage.ts'
import type { HealthCheck } from '../http-server.ts'
import type { Services } from '../services.ts'

/**
 * What each console page shows, read from the same places the chat commands read: the usage ledger
 * (as /usage), the budgets' caps, research requests and jobs, stored settings. Pure reads.
 */

export interface SpendView {
  days: DaySpend[]
  todayUsd: number
  monthUsd: number
  topPeople: Array<{ key: string; name: string; usd: number; requests: number; leftUsd: number | undefined }>
  topChats: Array<{ key: string; usd: number; requests: number; leftUsd: number | undefined }>
  budgets: Array<{
    scope: CapScope
    /** The cap in force (0: none). */
    capUsd: number
    /** The environment's cap, which applies again when the one set at run time is given back. */
    envUsd: number
    setAtRunTime: boolean
    spentUsd: number | undefined
  }>
}

const leftOf = (capUsd: number, spentUsd: number) => (capUsd > 0 ? Math.max(0, capUsd - spentUsd) : undefined)

export async function spendView(s: Services, days = 30): Promise<SpendView> {
  const [daily, today, month, people, chats, researchUsd] = await Promise.all([
    s.usage.daily(days),
    s.usage.totals({ kind: 'global' }, 'day'),
    s.usage.totals({ kind: 'global' }, 'month'),
    s.usage.topSpenders('day', 10),
    s.usage.topChats('day', 10),
    s.budgets.researchSpentToday(),
  ])
  const names = s.store.kv<string>(USER_NAMES)
  const caps = await s.budgets.caps()
  const env = s.config.budgets
  const row = (scope: CapScope, envUsd: number, spentUsd: number | undefined) => ({
    scope,
    capUsd: caps[scope],
    envUsd,
    setAtRunTime: caps.setAtRunTime.includes(scope),
    spentUsd,
  })
  return {
    days: daily,
    todayUsd: today.usd,
    monthUsd: month.usd,
    topPeople: await Promise.all(
      people.map(async (p) => ({
        key: p.user,
        name: (await names.get(p.user)) ?? p.user,
        usd: p.usd,
        requests: p.requests,
        leftUsd: leftOf(caps.user, p.usd),
      })),
    ),
    topChats: chats.map((c) => ({
      key: c.chat,
      usd: c.usd,
      requests: c.requests,
      leftUsd: leftOf(caps.chat, c.usd),
    })),
    budgets: [
      row('user', env.userDailyUsd, undefined),
      row('chat', env.chatDailyUsd, undefined),
      row('global', env.globalDailyUsd, today.usd),
      row('research', s.config.research.dailyBudgetUsd, researchUsd),
    ],
  }
}

export type JobState = 'awaiting' | 'queued' | 'running' | 'delivered' | 'failed' | 'cancelled'

export interface ResearchView {
  requests: ResearchRequest[]
  jobs: Array<{ job: ResearchJob; state: JobState }>
}

export function jobState(job: ResearchJob): JobState {
  if (job.status === 'queued') return 'queued'
  if (job.status === 'starting' || job.status === 'running') return 'running'
  const status = job.outcome?.status
  if (status === 'cancelled') return 'cancelled'
  if (status === 'completed' && job.status === 'delivered') return 'delivered'
  if (status === 'completed') return 'running'
  return 'failed'
}

export async function researchView(s: Services): Promise<ResearchView> {
  const jobs = createResearchJobs(s.store)
  const requests = (await Promise.all((await jobs.requestIds()).map((id) => jobs.getRequest(id))))
    .filter((r): r is ResearchRequest => r !== undefined && r.expiresAt > s.clock.now())
    .sort((a, b) => b.created - a.created)
  const all = (await Promise.all((await s.store.keys('research-jobs')).map((id) => jobs.get(id))))
    .filter((j): j is ResearchJob => j !== undefined)
    .sort((a, b) => b.created - a.created)
  return { requests, jobs: all.map((job) => ({ job, state: jobState(job) })) }
}

export interface SettingsView {
  scopes: Array<{ scope: string; settings: ChatSettings }>
  blocked: Array<{ userKey: string; name: string; by: string; at: number }>
}

export async function settingsView(s: Services): Promise<SettingsView> {
  const scopes = (await s.store.keys('settings')).sort()
  const names = s.store.kv<string>(USER_NAMES)
  return {
    scopes: await Promise.all(
      scopes.map(async (scope) => ({ scope, settings: await s.settings.get(scope) })),
    ),
    blocked: await Promise.all(
      (await s.blocks.list()).map(async (entry) => ({
        ...entry,
        name: (await names.get(entry.userKey)) ?? entry.userKey,
      })),
    ),
  }
}

export interface HealthView {
  checks: Array<{ name: string; ok: boolean }>
  processId: string
  uptimeMs: number
  store: string
  answersHere: number
  researchHere: number
  /** `/metrics` series (no histogram buckets): name with labels, and value. */
  metrics: Array<{ series: string; value: string }>
}

export async function healthView(s: Services, health: readonly HealthCheck[]): Promise<HealthView> {
  const checks = await Promise.all(
    health.map(async (item) => {
      try {
        const result = await item.check()
        // Up is up; a platform starting, retrying or stopped is not.
        return { name: item.name, ok: typeof result === 'boolean' ? result : result.state === 'up' }
      } catch {
        return { name: item.name, ok: false }
      }
    }),
  )
  const metrics = (await s.metrics.render())
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.includes('_bucket{'))
    .map((line) => {
      const at = line.lastIndexOf(' ')
      return { series: line.slice(0, at), value: line.slice(at + 1) }
    })
  return {
    checks,
    processId: s.processId,
    uptimeMs: s.clock.now() - s.startedAt,
    store: s.store.backend,
    answersHere: s.answers.all().length,
    researchHere: s.research.running(),
    metrics,
  }
}
