import { randomUUID } from 'node:crypto'
import type { ButtonPress, UserRef } from '../../core/contracts/chat.ts'
import { InputError } from '../../core/contracts/errors.ts'
import type { Language, MessageKey, Translate } from '../../core/i18n/i18n.ts'
import { keepMessage } from '../../core/live/kept-message.ts'
import { buttonData } from '../../core/research/research-cards.ts'
import { createResearchJobs } from '../../core/research/research-jobs.ts'
import { USER_KEY_PATTERN } from '../../core/state/blocks.ts'
import { CAP_SCOPES, type CapScope } from '../../core/state/budgets.ts'
import { stopAnswer } from '../dispatcher.ts'
import type { Services } from '../services.ts'

/**
 * What the console's buttons do, each through the core function the chat uses: Stop is the Stop
 * button's `stopAnswer`; Approve, Decline and Cancel are presses of the research card's own buttons
 * (same rules, budget reservation and cost checks, decided once across processes); chat settings
 * go through the settings service the /model, /effort, /search and /reasoning commands use. The
 * operator acts as an admin named in the chat as "the console operator".
 *
 * Each returns the line to show on the page.
 */

/** The line the page shows after an action, and whether it is an error. */
export interface ActionResult {
  text: string
  error: boolean
}

/** The page the operator acts from: its words, and its language as the operator's locale. */
export interface Operator {
  t: Translate
  lang: Language
}

const OPERATOR_ID = 'operator'

function operator(op: Operator): UserRef {
  return {
    platform: 'console',
    id: OPERATOR_ID,
    name: op.t('console.operator'),
    isAdmin: true,
    locale: op.lang,
  }
}

export async function stopFromConsole(s: Services, op: Operator, id: string): Promise<ActionResult> {
  const outcome = await stopAnswer(s, id, { key: `console:${OPERATOR_ID}`, isAdmin: true })
  return outcome === 'stopped'
    ? { text: op.t('console.done.stopped'), error: false }
    : { text: op.t('button.stale'), error: true }
}

/** Presses a research card's button (`a` approve, `d` decline, `k` cancel) as the operator. */
export async function pressResearch(
  s: Services,
  op: Operator,
  action: 'a' | 'd' | 'k',
  id: string,
): Promise<ActionResult> {
  const { t } = op
  const jobs = createResearchJobs(s.store)
  const target =
    action === 'k'
      ? await jobs.get(id).then((job) => job && { chat: job.chat, message: job.progress })
      : await jobs.getRequest(id).then((req) => req && { chat: req.chat, message: req.card })
  if (!target) return { text: t('button.stale'), error: true }
  const { chat, message } = target
  const surface = s.adapters.get(chat.platform)?.surfaceFor(chat)
  if (!surface || !message) return { text: t('console.research.no_chat'), error: true }
  const answers: string[] = []
  const press: ButtonPress = {
    eventId: `console:${randomUUID()}`,
    data: buttonData(action, id),
    user: operator(op),
    chat,
    message,
    surface,
    async answer(text) {
      if (text) answers.push(text)
    },
    async notify(text, options) {
      const kept = keepMessage({ surface, lanes: s.lanes })
      await kept.show(text, options?.buttons ?? [], true)
      return kept.ref
    },
  }
  await s.research.press(press)
  const done: Record<typeof action, MessageKey> = {
    a: 'console.done.approved',
    d: 'console.done.declined',
    k: 'console.done.cancelling',
  }
  // The press answers with a line only when it refused (or, for Cancel, to say it is cancelling),
  // in the words the chat's rules give the operator there.
  const cancelling = (await s.i18n.forPerson(press.user, chat))('research.cancelling')
  const refusal = action === 'k' ? answers.filter((a) => a !== cancelling) : answers
  if (refusal.length > 0) return { text: refusal.join(' '), error: true }
  return { text: t(done[action]), error: false }
}

export interface SettingsChange {
  scope: string
  model?: string | undefined
  effort?: string | undefined
  search: boolean
  reasoning: boolean
}

/** A scope as the settings service keys it: `telegram:chat:-100…` or `discord:user:42`. */
export const SCOPE_PATTERN = /^(telegram|discord|console):(user|chat):[A-Za-z0-9_-]{1,64}$/

export async function changeSettings(
  s: Services,
  op: Operator,
  change: SettingsChange,
): Promise<ActionResult> {
  const { t } = op
  if (!SCOPE_PATTERN.test(change.scope)) return { text: t('console.settings.bad_scope'), error: true }
  try {
    const before = await s.settings.get(change.scope)
    if (change.model && change.model !== before.model) await s.settings.setModel(change.scope, change.model)
    const now = await s.settings.get(change.scope)
    // A new model brings its own default effort; an effort shown for the old model is not carried over.
    if (change.effort && change.effort !== now.effort && change.model === before.model)
      await s.settings.setEffort(change.scope, change.effort)
    if (change.search !== now.webSearch) await s.settings.setWebSearch(change.scope, change.search)
    if (change.reasoning !== now.showReasoning)
      await s.settings.setShowReasoning(change.scope, change.reasoning)
    s.log.info({ scope: change.scope, by: 'console' }, 'chat settings changed from the console')
    return { text: t('console.done.settings', { scope: change.scope }), error: false }
  } catch (err) {
    if (err instanceof InputError) return { text: t(err.key as MessageKey, err.params), error: true }
    throw err
  }
}

/** Blocks or unblocks a person (`telegram:42`) in every process, as BLOCK_USER_IDS would. */
export async function setBlocked(
  s: Services,
  { t }: Operator,
  userKey: string,
  blocked: boolean,
): Promise<ActionResult> {
  if (!USER_KEY_PATTERN.test(userKey)) return { text: t('console.blocks.bad_person'), error: true }
  if (blocked) await s.blocks.block(userKey, `console:${OPERATOR_ID}`)
  else await s.blocks.unblock(userKey)
  s.log.info({ user: userKey, blocked, by: 'console' }, blocked ? 'person blocked' : 'person unblocked')
  return {
    text: t(blocked ? 'console.done.blocked' : 'console.done.unblocked', { person: userKey }),
    error: false,
  }
}

/** Sets a daily cap (USD, 0 = none) in every process, or gives it back to the environment's. */
export async function setBudget(
  s: Services,
  { t }: Operator,
  scope: string,
  usd: string | undefined,
): Promise<ActionResult> {
  if (!CAP_SCOPES.includes(scope as CapScope)) return { text: t('button.stale'), error: true }
  const value = usd === undefined ? undefined : Number(usd)
  if (value !== undefined && (usd === '' || !Number.isFinite(value) || value < 0 || value > 1_000_000))
    return { text: t('console.budget.bad_amount'), error: true }
  await s.budgets.setCap(scope as CapScope, value)
  s.log.info({ scope, usd: value, by: 'console' }, 'budget cap changed')
  const budget = t(`console.budget.${scope}` as MessageKey)
  return {
    text: t(value === undefined ? 'console.done.budget_reset' : 'console.done.budget', { budget }),
    error: false,
  }
}
