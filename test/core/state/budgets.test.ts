import { describe, expect, test } from 'vitest'
import type { Usage } from '../../../src/core/responses/state.ts'
import { type BudgetOptions, createBudgets } from '../../../src/core/state/budgets.ts'
import { loadModels } from '../../../src/core/state/models.ts'
import { createUsageLedger } from '../../../src/core/state/usage.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

const models = loadModels()
const START = Date.UTC(2025, 3, 10, 15)
const MIDNIGHT = Date.UTC(2025, 3, 11)

// gpt-5: 1000 input × $1.25 + 1000 output × $10 per 1M = $0.01125
const usage: Usage = {
  input_tokens: 1000,
  cached_input_tokens: 0,
  output_tokens: 1000,
  reasoning_tokens: 0,
  total_tokens: 2000,
}

describe.each(BACKENDS)('budgets on %s', (backend) => {
  const fixture = storeFixture(backend)

  async function setup(options: Omit<BudgetOptions, 'ledger' | 'store' | 'clock'>) {
    const clock = fakeClock(START)
    const store = await fixture.open()
    const ledger = createUsageLedger({ store, models, clock })
    const budgets = createBudgets({ ...options, ledger, store, clock })
    const spend = (user: string, chat: string, times = 1) =>
      Promise.all(Array.from({ length: times }, () => ledger.record({ user, chat, model: 'gpt-5', usage })))
    return { clock, ledger, budgets, spend }
  }

  test('a user past the daily cap is refused until UTC midnight; others are not', async () => {
    const { clock, budgets, spend } = await setup({ userDailyUsd: 0.02 })
    await spend('u1', 'c')
    expect(await budgets.check({ user: 'u1', chat: 'c', isAdmin: false })).toEqual({ ok: true })
    await spend('u1', 'c')
    expect(await budgets.check({ user: 'u1', chat: 'c', isAdmin: false })).toEqual({
      ok: false,
      scope: 'user',
      resetsAt: MIDNIGHT,
      spentUsd: 0.0225,
      capUsd: 0.02,
    })
    expect(await budgets.check({ user: 'u2', chat: 'c', isAdmin: false })).toEqual({ ok: true })
    await clock.advance(MIDNIGHT - START)
    expect(await budgets.check({ user: 'u1', chat: 'c', isAdmin: false })).toEqual({ ok: true })
  })

  test('a request priced up front is refused when it would pass the cap', async () => {
    const { budgets, spend } = await setup({ userDailyUsd: 0.05 })
    await spend('u1', 'c')
    const ask = (estimateUsd: number) => budgets.check({ user: 'u1', chat: 'c', isAdmin: false, estimateUsd })
    expect(await ask(0.038)).toEqual({ ok: true })
    expect(await ask(0.042)).toMatchObject({ ok: false, scope: 'user', spentUsd: 0.01125, capUsd: 0.05 })
  })

  test('a chat cap counts everyone in the chat', async () => {
    const { budgets, spend } = await setup({ chatDailyUsd: 0.03 })
    await spend('u1', 'group', 2)
    await spend('u2', 'group', 1)
    expect(await budgets.check({ user: 'u3', chat: 'group', isAdmin: false })).toMatchObject({
      ok: false,
      scope: 'chat',
      spentUsd: 0.03375,
    })
    expect(await budgets.check({ user: 'u3', chat: 'other', isAdmin: false })).toEqual({ ok: true })
  })

  test('the global cap counts every chat', async () => {
    const { budgets, spend } = await setup({ userDailyUsd: 1, chatDailyUsd: 1, globalDailyUsd: 0.03 })
    await spend('u1', 'a')
    await spend('u2', 'b')
    expect(await budgets.check({ user: 'u3', chat: 'c', isAdmin: false })).toEqual({ ok: true })
    await spend('u4', 'd')
    expect(await budgets.check({ user: 'u3', chat: 'c', isAdmin: false })).toMatchObject({
      ok: false,
      scope: 'global',
    })
  })

  test('admins are exempt unless configured otherwise; no cap means no cap', async () => {
    const exempt = await setup({ userDailyUsd: 0.01 })
    await exempt.spend('admin', 'c', 3)
    expect(await exempt.budgets.check({ user: 'admin', chat: 'c', isAdmin: true })).toEqual({ ok: true })
    const strict = await setup({ userDailyUsd: 0.01, adminsExempt: false })
    await strict.spend('admin', 'c')
    expect(await strict.budgets.check({ user: 'admin', chat: 'c', isAdmin: true })).toMatchObject({
      ok: false,
      scope: 'user',
    })
    const open = await setup({ userDailyUsd: 0 })
    await open.spend('u', 'c', 5)
    expect(await open.budgets.check({ user: 'u', chat: 'c', isAdmin: false })).toEqual({ ok: true })
  })

  test('a cap set at run time wins over the environment’s in every check, and can be given back', async () => {
    const { budgets, spend } = await setup({ globalDailyUsd: 1, research: { dailyBudgetUsd: 5 } })
    await spend('u1', 'a')
    expect(await budgets.caps()).toEqual({ user: 0, chat: 0, global: 1, research: 5, setAtRunTime: [] })
    await budgets.setCap('global', 0.01)
    await budgets.setCap('research', 2)
    expect(await budgets.caps()).toEqual({
      user: 0,
      chat: 0,
      global: 0.01,
      research: 2,
      setAtRunTime: ['global', 'research'],
    })
    expect(await budgets.check({ user: 'u2', chat: 'b', isAdmin: false })).toMatchObject({
      ok: false,
      scope: 'global',
      capUsd: 0.01,
    })
    expect(await budgets.checkResearch('a1', 3)).toMatchObject({ ok: false, reason: 'budget', capUsd: 2 })
    await budgets.setCap('global', undefined)
    expect(await budgets.check({ user: 'u2', chat: 'b', isAdmin: false })).toEqual({ ok: true })
    expect((await budgets.caps()).setAtRunTime).toEqual(['research'])
  })

  test('research: the estimate must fit the daily research budget', async () => {
    const { ledger, budgets } = await setup({ research: { dailyBudgetUsd: 5 } })
    expect(await budgets.checkResearch('a1', 5)).toEqual({ ok: true, spentUsd: 0, runsToday: 0, capUsd: 5 })
    expect(await budgets.checkResearch('a1', 5.01)).toEqual({
      ok: false,
      reason: 'budget',
      resetsAt: MIDNIGHT,
      spentUsd: 0,
      runsToday: 0,
      capUsd: 5,
    })
    const run: Usage = {
      input_tokens: 100_000,
      cached_input_tokens: 20_000,
      output_tokens: 30_000,
      reasoning_tokens: 0,
      total_tokens: 0,
    }
    await ledger.record({
      user: 'a1',
      chat: 'c',
      model: 'o3-deep-research',
      usage: run,
      searches: 15,
      research: true,
    })
    expect(await budgets.researchSpentToday()).toBe(2.2)
    expect(await budgets.checkResearch('a2', 2.8)).toMatchObject({ ok: true, spentUsd: 2.2 })
    expect(await budgets.checkResearch('a2', 2.81)).toMatchObject({ ok: false, reason: 'budget' })
  })

  test('research: each admin has a daily count of runs, reserved atomically', async () => {
    const { clock, budgets } = await setup({ research: { dailyPerAdmin: 2 } })
    const verdicts = await Promise.all(Array.from({ length: 5 }, () => budgets.reserveResearch('a1', 1)))
    expect(verdicts.filter((v) => v.ok)).toHaveLength(2)
    expect(await budgets.checkResearch('a1', 1)).toEqual({
      ok: false,
      reason: 'count',
      resetsAt: MIDNIGHT,
      spentUsd: 0,
      runsToday: 2,
      capUsd: 0,
    })
    const ok = (runsToday: number) => ({ ok: true, spentUsd: 0, runsToday, capUsd: 0 })
    expect(await budgets.reserveResearch('a2', 1)).toEqual(ok(1))
    await budgets.unreserveResearch('a1')
    expect(await budgets.reserveResearch('a1', 1)).toEqual(ok(2))
    await clock.advance(MIDNIGHT - START)
    expect(await budgets.checkResearch('a1', 1)).toEqual(ok(0))
  })
})
