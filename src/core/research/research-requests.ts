import { randomBytes } from 'node:crypto'
import type { ButtonPress, Invocation } from '../contracts/chat.ts'
import type { Button, Surface } from '../contracts/surface.ts'
import { type Translate, usd } from '../i18n/i18n.ts'
import { type KeptMessage, keepMessage } from '../live/kept-message.ts'
import type { ResearchVerdict } from '../state/budgets.ts'
import type { ModelInfo } from '../state/models.ts'
import { approvalCard, type ButtonAction, confirmCard, decidedCard } from './research-cards.ts'
import { type ResearchDeps, wordsOf } from './research-deps.ts'
import { estimateResearch, type TypicalRun } from './research-estimate.ts'
import {
  DECIDED_TTL_MS,
  decidedKey,
  type Person,
  personOf,
  type ResearchJob,
  type ResearchJobs,
  type ResearchRequest,
} from './research-jobs.ts'

/**
 * The way into a run: `/research` makes a card, a button decides it. An admin gets a confirmation
 * card (only they can press Confirm or Cancel); a member in a group gets a request card that any
 * admin can Approve or Decline (the member is told either way, by name, without a ping); a member
 * in a private chat is refused. Nothing goes upstream before a Confirm or an Approve, and each
 * request is decided once (`research:decided:<id>`, across processes). Run again, under a run cut
 * short, is the same way in again: a new card.
 */
export interface Origin {
  surface?: Surface | undefined
  openThread?: ((name: string) => Promise<Surface>) | undefined
}

export interface RequestContext {
  s: ResearchDeps
  jobs: ResearchJobs
  processId: string
  typical: Partial<TypicalRun>
  /** Turns a confirmed request into a job: claims it, writes it, queues it here. */
  launch(job: ResearchJob, origin: Origin): Promise<void>
}

/** The buttons of a card: Confirm, Cancel (the requester's own), Approve, Decline (an admin's). */
type Decision = Exclude<ButtonAction, 'k' | 'r'>

export function newId(): string {
  return randomBytes(8).toString('hex')
}

/** `t`: the requester's words; the approval card and the job speak the chat's language. */
export async function requestResearch(ctx: RequestContext, inv: Invocation, t: Translate): Promise<void> {
  const { s } = ctx
  const admitted = admit(s, inv, t)
  if ('refusal' in admitted) {
    await inv.notify(admitted.refusal)
    return
  }
  const { question, model } = admitted
  const { config } = s
  const estimate = estimateResearch(model, config.research.maxToolCalls, ctx.typical)
  const requester = personOf(inv.user)
  const now = s.clock.now()
  const admin = inv.user.isAdmin
  const ttlMinutes = admin ? config.research.confirmTtlMinutes : config.research.requestTtlMinutes
  const everyone = await s.i18n.forChat(inv.chat, inv.user)
  const req: ResearchRequest = {
    id: newId(),
    kind: admin ? 'confirm' : 'approval',
    question,
    model: model.id,
    chat: inv.chat,
    requester,
    created: now,
    expiresAt: now + ttlMinutes * 60_000,
    estimate: { lowUsd: estimate.lowUsd, highUsd: estimate.highUsd },
    lang: admin ? t.lang : everyone.lang,
    chatLang: everyone.lang,
  }
  const card = admin
    ? await confirmation(s, req, t, ttlMinutes)
    : approvalCard(everyone, req, config.research.maxToolCalls, ttlMinutes)
  if ('refusal' in card) {
    await inv.notify(card.refusal)
    return
  }
  // Stored before the card is shown, so even the quickest press finds it.
  await ctx.jobs.putRequest(req)
  const ref = await inv.notify(card.markdown, { buttons: card.buttons })
  if (ref) await ctx.jobs.putRequest({ ...req, card: ref })
  s.log.info(
    { request: req.id, kind: req.kind, user: requester.key, chat: inv.chat.key },
    'research requested',
  )
}

/** Who may ask, and for what: the question and a research model, or the line that refuses. */
function admit(
  s: ResearchDeps,
  inv: Invocation,
  t: Translate,
): { refusal: string } | { question: string; model: ModelInfo } {
  const question = typeof inv.args.question === 'string' ? inv.args.question.trim() : ''
  const modelId =
    typeof inv.args.model === 'string' && inv.args.model !== '' ? inv.args.model : s.config.researchModel
  const model = s.models.get(modelId)
  if (!inv.user.isAdmin && inv.chat.kind !== 'group') return { refusal: t('research.refused_private') }
  if (question === '') return { refusal: t('research.empty') }
  if (!model?.research) {
    const models = s.models.researchModels().map((m) => m.id)
    return { refusal: t('research.model_unknown', { model: modelId, models }) }
  }
  return { question, model }
}

/** An admin's own card, with today's research budget, unless the budget or their daily count refuses. */
async function confirmation(
  s: ResearchDeps,
  req: ResearchRequest,
  t: Translate,
  ttlMinutes: number,
): Promise<{ refusal: string } | { markdown: string; buttons: Button[] }> {
  const verdict = await s.budgets.checkResearch(req.requester.key, req.estimate.highUsd)
  if (!verdict.ok) return { refusal: refusalLine(t, verdict, req.requester, req.estimate.highUsd) }
  const budget = { spentUsd: verdict.spentUsd, capUsd: verdict.capUsd }
  return confirmCard(t, req, budget, s.config.research.maxToolCalls, ttlMinutes)
}

/** Confirm / Cancel (the requester's card) and Approve / Decline (a member's request). */
export async function pressRequest(
  ctx: RequestContext,
  press: ButtonPress,
  action: Decision,
  id: string,
): Promise<void> {
  const { s, jobs } = ctx
  // The presser reads the toasts; the card and the notices keep the request's languages.
  const t = await s.i18n.forPerson(press.user, press.chat)
  const card = keepMessage({ surface: press.surface, lanes: s.lanes, ref: press.message })
  const req = await jobs.getRequest(id)
  if (!req) {
    if ((await s.store.holder(decidedKey(id))) !== undefined)
      return press.answer(t('research.already_decided'))
    await press.answer(t('research.expired'))
    void card.show((await s.i18n.forChat(press.chat))('research.expired'), [], true)
    return
  }
  const refusal = mayNotDecide(req, action, press, t)
  if (refusal !== undefined) return press.answer(refusal)
  if (!(await s.store.claim(decidedKey(id), ctx.processId, DECIDED_TTL_MS))) {
    return press.answer(t('research.already_decided'))
  }
  await jobs.deleteRequest(id)
  const presser = personOf(press.user)
  const started = await decide(ctx, press, req, action, card, t)
  if (started) await ctx.launch(jobOf(req, presser, s.clock.now()), originOf(press))
}

/** Why this press may not decide the request (a line for the presser), or undefined when it may. */
function mayNotDecide(
  req: ResearchRequest,
  action: Decision,
  press: ButtonPress,
  t: Translate,
): string | undefined {
  const forRequester = action === 'c' || action === 'x'
  if (forRequester !== (req.kind === 'confirm')) return t('button.stale')
  if (forRequester && personOf(press.user).key !== req.requester.key) {
    return t('research.not_requester', { name: req.requester.name })
  }
  if (!forRequester && !press.user.isAdmin) return t('research.admins_only')
  return undefined
}

/**
 * A claimed decision: the card says what became of the request and the chat is told; resolves true
 * when the run may start (confirmed or approved, and its cost reserved on the presser's budget).
 */
async function decide(
  ctx: RequestContext,
  press: ButtonPress,
  req: ResearchRequest,
  action: Decision,
  card: KeptMessage,
  t: Translate,
): Promise<boolean> {
  const { s } = ctx
  const onCard = wordsOf(s, req)
  const toEveryone = wordsOf(s, { lang: req.chatLang })
  const presser = personOf(press.user)
  const settle = (line: string) => void card.show(decidedCard(onCard, req, line), [], true)
  if (s.clock.now() >= req.expiresAt) {
    await press.answer(t('research.expired'))
    settle(onCard('research.expired'))
    return false
  }
  if (action === 'x') {
    await press.answer()
    settle(onCard('research.request_cancelled', { name: presser.name }))
    return false
  }
  if (action === 'd') {
    await press.answer()
    settle(onCard('research.declined_card', { admin: presser.name }))
    await press.notify(
      toEveryone('research.declined', { requester: req.requester.name, admin: presser.name }),
    )
    return false
  }
  const verdict = await s.budgets.reserveResearch(presser.key, req.estimate.highUsd)
  if (!verdict.ok) {
    await press.answer(refusalLine(t, verdict, presser, req.estimate.highUsd))
    settle(refusalLine(onCard, verdict, presser, req.estimate.highUsd))
    return false
  }
  await press.answer()
  settle(
    action === 'c'
      ? onCard('research.confirmed', { name: presser.name })
      : onCard('research.approved_card', { admin: presser.name }),
  )
  if (action === 'a') {
    await press.notify(
      toEveryone('research.approved', { requester: req.requester.name, admin: presser.name }),
    )
  }
  return true
}

/** The job a decided request becomes: queued, paid for by the admin who confirmed or approved it. */
function jobOf(req: ResearchRequest, approver: Person, now: number): ResearchJob {
  const job: ResearchJob = {
    id: req.id,
    question: req.question,
    model: req.model,
    chat: req.chat,
    requester: req.requester,
    approver,
    estimate: req.estimate,
    status: 'queued',
    created: now,
    lastSequence: -1,
    streaming: true,
    searches: [],
  }
  if (req.chatLang) job.lang = req.chatLang
  return job
}

function originOf(press: ButtonPress): Origin {
  return { surface: press.surface, openThread: press.openThread?.bind(press) }
}

/** Run again (a run cut short): a new card for the same question, so a new confirmation and estimate. */
export async function runAgain(ctx: RequestContext, press: ButtonPress, jobId: string): Promise<void> {
  const { s } = ctx
  const t = await s.i18n.forPerson(press.user, press.chat)
  const job = await ctx.jobs.get(jobId)
  if (!job) return press.answer(t('button.stale'))
  if (!press.user.isAdmin && personOf(press.user).key !== job.requester.key) {
    return press.answer(t('research.run_again_not_allowed'))
  }
  await press.answer()
  const again: Invocation = {
    eventId: press.eventId,
    command: 'research',
    args: { question: job.question, model: job.model },
    user: press.user,
    chat: press.chat,
    images: [],
    surface: press.surface,
    notify: (text, options) => press.notify(text, options),
    ...(press.openThread ? { openThread: press.openThread.bind(press) } : {}),
  }
  await requestResearch(ctx, again, t)
}

/** Cards of requests nobody decided in time say so (run by the periodic sweep). */
export async function expireRequests(ctx: RequestContext): Promise<number> {
  const { s, jobs } = ctx
  let expired = 0
  for (const id of await jobs.requestIds()) {
    const req = await jobs.getRequest(id)
    if (!req || req.expiresAt > s.clock.now()) continue
    if (!(await s.store.claim(decidedKey(id), ctx.processId, DECIDED_TTL_MS))) continue
    await jobs.deleteRequest(id)
    expired++
    const surface = s.adapters.get(req.chat.platform)?.surfaceFor(req.chat)
    if (!req.card || !surface) continue
    const card = keepMessage({ surface, lanes: s.lanes, ref: req.card })
    const t = wordsOf(s, req)
    void card.show(decidedCard(t, req, t('research.expired')), [], true)
  }
  return expired
}

/** Why a run may not start: the research budget or the admin's daily count, and when it resets. */
export function refusalLine(t: Translate, verdict: ResearchVerdict, who: Person, highUsd: number): string {
  if (verdict.ok) return ''
  const resetsAt = new Date(verdict.resetsAt)
  if (verdict.reason === 'count') {
    return t('research.refused_count', { name: who.name, runs: verdict.runsToday, resetsAt })
  }
  return t('research.refused_budget', {
    spent: usd(verdict.spentUsd),
    cap: usd(verdict.capUsd),
    high: usd(highUsd),
    resetsAt,
  })
}
