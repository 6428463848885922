import { type Clock, systemClock } from '../contracts/clock.ts'
import type { Store } from '../store/store.ts'
import { MICRO_USD_PER_USD, nextUtcMidnight, type UsageLedger, utcDay } from './usage.ts'

/**
 * Daily spend caps, checked before a request is sent: per user, per chat and for the whole bot, in
 * USD per UTC day (0 or unset = no cap). Spend is what the usage ledger recorded today, so the cap
 * can be passed by at most the one request that was running when it was reached. Admins are exempt
 * unless `adminsExempt` is false. Deep research has its own daily budget and a per-admin daily
 * count of runs; its spend also counts in the global total.
 *
 * @example
 *   const verdict = await budgets.check({ user: 'tg:42', chat: 'tg:-100', isAdmin: false })
 *   if (!verdict.ok) reply(t(`budget.${verdict.scope}`, { resetsAt: verdict.resetsAt }))
 */

export type BudgetScope = 'user' | 'chat' | 'global'

export type BudgetVerdict =
  | { ok: true }
  | { ok: false; scope: BudgetScope; resetsAt: number; spentUsd: number; capUsd: number }

export type ResearchVerdict =
  | { ok: true; spentUsd: number; runsToday: number; capUsd: number }
  | {
      ok: false
      /** Today's research cap in force (0: none). */
      capUsd: number
      /** `budget`: the estimate does not fit in today's research budget; `count`: the admin's runs for today are used up. */
      reason: 'budget' | 'count'
      resetsAt: number
      spentUsd: number
      runsToday: number
    }

export interface BudgetOptions {
  ledger: UsageLedger
  store: Store
  clock?: Clock
  userDailyUsd?: number
  chatDailyUsd?: number
  globalDailyUsd?: number
  /** Default true. */
  adminsExempt?: boolean
  research?: {
    /** USD per UTC day for all research runs; 0 or unset = no cap. */
    dailyBudgetUsd?: number
    /** Runs each admin may start per UTC day; 0 or unset = no cap. */
    dailyPerAdmin?: number
  }
}

export interface Budgets {
  /**
   * Refuses once today's spend has reached a cap, or when `estimateUsd` (a request whose price is
   * known up front, such as a picture) would take it past one.
   */
  check(who: { user: string; chat: string; isAdmin: boolean; estimateUsd?: number }): Promise<BudgetVerdict>
  /** USD spent on research today. */
  researchSpentToday(): Promise<number>
  /** Would a run estimated at `estimatedUsd` fit? Read-only: for showing the confirm button. */
  checkResearch(adminId: string, estimatedUsd: number): Promise<ResearchVerdict>
  /** Checks again and counts one run for the admin, atomically across processes (at confirm). */
  reserveResearch(adminId: string, estimatedUsd: number): Promise<ResearchVerdict>
  /** Gives back a reserved run that never started (the request was refused upstream). */
  unreserveResearch(adminId: string): Promise<void>
  /** The daily caps in force (USD, 0 = none): one set at run time wins over the environment's. */
  caps(): Promise<Caps>
  /** Sets a cap at run time, in every process (the console); `undefined` goes back to the environment's. */
  setCap(scope: CapScope, usd: number | undefined): Promise<void>
}

export type CapScope = BudgetScope | 'research'

export interface Caps {
  user: number
  chat: number
  global: number
  research: number
  /** The scopes whose cap was set at run time rather than by the environment. */
  setAtRunTime: CapScope[]
}

export const CAP_SCOPES: readonly CapScope[] = ['user', 'chat', 'global', 'research']

const RUNS_TTL_MS = 2 * 86_400_000
const toMicro = (usd: number) => Math.round(usd * MICRO_USD_PER_USD)
const capped = (usd: number | undefined): usd is number => typeof usd === 'number' && usd > 0

export function createBudgets(opts: BudgetOptions): Budgets {
  const { ledger, store } = opts
  const clock = opts.clock ?? systemClock
  const adminsExempt = opts.adminsExempt ?? true
  const perAdmin = opts.research?.dailyPerAdmin
  const runsKey = (adminId: string, at: number) => `research:runs:${utcDay(at)}:${adminId}`
  // One key per scope, so two operators changing different caps never undo each other.
  const stored = store.kv<number>('budget-caps')
  const fromEnvironment: Record<CapScope, number> = {
    user: opts.userDailyUsd ?? 0,
    chat: opts.chatDailyUsd ?? 0,
    global: opts.globalDailyUsd ?? 0,
    research: opts.research?.dailyBudgetUsd ?? 0,
  }
  const caps = async (): Promise<Caps> => {
    const values = await Promise.all(CAP_SCOPES.map((scope) => stored.get(scope)))
    const set = Object.fromEntries(CAP_SCOPES.map((scope, i) => [scope, values[i]]))
    const setAtRunTime = CAP_SCOPES.filter((scope) => typeof set[scope] === 'number')
    const pick = (scope: CapScope) => (typeof set[scope] === 'number' ? set[scope] : fromEnvironment[scope])
    return {
      user: pick('user'),
      chat: pick('chat'),
      global: pick('global'),
      research: pick('research'),
      setAtRunTime,
    }
  }

  const researchVerdict = async (
    adminId: string,
    estimatedUsd: number,
    at: number,
  ): Promise<ResearchVerdict> => {
    const [spentMicro, runsToday, { research: capUsd }] = await Promise.all([
      ledger.spentToday({ kind: 'research' }, at),
      store.counter(runsKey(adminId, at)),
      caps(),
    ])
    const spentUsd = spentMicro / MICRO_USD_PER_USD
    const resetsAt = nextUtcMidnight(at)
    if (capped(perAdmin) && runsToday >= perAdmin)
      return { ok: false, reason: 'count', resetsAt, spentUsd, runsToday, capUsd }
    if (capped(capUsd) && spentMicro + toMicro(Math.max(0, estimatedUsd)) > toMicro(capUsd)) {
      return { ok: false, reason: 'budget', resetsAt, spentUsd, runsToday, capUsd }
    }
    return { ok: true, spentUsd, runsToday, capUsd }
  }

  return {
    async check({ user, chat, isAdmin, estimateUsd = 0 }) {
      if (isAdmin && adminsExempt) return { ok: true }
      const at = clock.now()
      const inForce = await caps()
      const checks: Array<[BudgetScope, number, () => Promise<number>]> = [
        ['user', inForce.user, () => ledger.spentToday({ kind: 'user', id: user }, at)],
        ['chat', inForce.chat, () => ledger.spentToday({ kind: 'chat', id: chat }, at)],
        ['global', inForce.global, () => ledger.spentToday({ kind: 'global' }, at)],
      ]
      for (const [scope, capUsd, spent] of checks) {
        if (!capped(capUsd)) continue
        const spentMicro = await spent()
        const estimate = toMicro(Math.max(0, estimateUsd))
        const over = estimate > 0 ? spentMicro + estimate > toMicro(capUsd) : spentMicro >= toMicro(capUsd)
        if (over) {
          return {
            ok: false,
            scope,
            resetsAt: nextUtcMidnight(at),
            spentUsd: spentMicro / MICRO_USD_PER_USD,
            capUsd,
          }
        }
      }
      return { ok: true }
    },

    async researchSpentToday() {
      return (await ledger.spentToday({ kind: 'research' }, clock.now())) / MICRO_USD_PER_USD
    },

    checkResearch(adminId, estimatedUsd) {
      return researchVerdict(adminId, estimatedUsd, clock.now())
    },

    async reserveResearch(adminId, estimatedUsd) {
      const at = clock.now()
      const verdict = await researchVerdict(adminId, estimatedUsd, at)
      if (!verdict.ok) return verdict
      const runs = await store.incrBy(runsKey(adminId, at), 1, RUNS_TTL_MS)
      if (capped(perAdmin) && runs > perAdmin) {
        // Another process took the last run between the check and the increment.
        await store.incrBy(runsKey(adminId, at), -1, RUNS_TTL_MS)
        return {
          ok: false,
          reason: 'count',
          resetsAt: nextUtcMidnight(at),
          spentUsd: verdict.spentUsd,
          runsToday: runs - 1,
          capUsd: verdict.capUsd,
        }
      }
      return { ok: true, spentUsd: verdict.spentUsd, runsToday: runs, capUsd: verdict.capUsd }
    },

    async unreserveResearch(adminId) {
      const at = clock.now()
      if ((await store.counter(runsKey(adminId, at))) > 0)
        await store.incrBy(runsKey(adminId, at), -1, RUNS_TTL_MS)
    },

    caps,

    async setCap(scope, usd) {
      if (usd === undefined) await stored.delete(scope)
      else await stored.set(scope, Math.max(0, usd))
    },
  }
}
