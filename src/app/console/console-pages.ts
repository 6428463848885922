import type { FinishedAnswer, LiveAnswer } from '../../core/answers/answer-feed.ts'
import type { MessageKey, Translate } from '../../core/i18n/i18n.ts'
import type { ModelInfo } from '../../core/state/models.ts'
import type { Config, Language } from '../config.ts'
import { stackedBars } from './console-chart.ts'
import { type Html, html, raw } from './console-html.ts'
import type { HealthView, ResearchView, SettingsView, SpendView } from './console-views.ts'

/**
 * The console's pages, rendered on the server in the operator's language. Every action is a plain
 * form POST carrying the session's CSRF token, so the pages work without scripts; console.js only
 * keeps the Live page current from the event stream.
 */

/** The console's pages, each under /console/<name>. */
export type PageName = 'live' | 'spend' | 'research' | 'settings' | 'health'
export const PAGES: readonly PageName[] = ['live', 'spend', 'research', 'settings', 'health']

export interface PageContext {
  t: Translate
  lang: Language
  csrf: string
  /** A line to show once (the outcome of the last action). */
  flash?: { text: string; error: boolean } | undefined
}

export const usd = (n: number | undefined) =>
  n === undefined ? '—' : `$${n.toFixed(n > 0 && n < 1 ? 4 : 2)}`
const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60
    ? `${minutes} min ${seconds % 60} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** A link to a console path in the current language. */
export const href = (path: string, lang: Language, query: Record<string, string> = {}) =>
  `/console/${path}?${new URLSearchParams({ ...query, lang }).toString()}`

function document(
  ctx: Pick<PageContext, 't' | 'lang'>,
  title: string,
  body: Html,
  options: { words?: Record<string, string>; csrf?: string } = {},
): Html {
  const { t, lang } = ctx
  return html`<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('console.title')}</title>
<link rel="icon" href="/console/static/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/static/console.css">
<script src="/console/static/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">${t('console.skip')}</a>
${body}
${options.words ? html`<script type="application/json" id="console-data">${raw(JSON.stringify({ words: options.words, csrf: options.csrf }).replace(/</g, '\\u003c'))}</script>` : ''}
</body>
</html>`
}

function layout(ctx: PageContext, page: PageName, content: Html, words?: Record<string, string>): Html {
  const { t, lang } = ctx
  const other: Language = lang === 'zh' ? 'en' : 'zh'
  const title = t(`console.page.${page}` as MessageKey)
  const body = html`<header class="top">
<span class="brand">${t('console.title')}</span>
<nav aria-label="${t('console.nav')}"><ul>
${PAGES.map((p) => html`<li><a href="${href(p, lang)}"${p === page ? html` aria-current="page"` : ''}>${t(`console.page.${p}` as MessageKey)}</a></li>`)}
</ul></nav>
<a class="lang" href="${href(page, other)}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${other === 'zh' ? '中文' : 'English'}</a>
<form method="post" action="/console/sign-out" class="inline">${hidden(ctx)}<button type="submit" class="quiet">${t('console.sign_out')}</button></form>
</header>
<main id="main">
<h1>${title}</h1>
${ctx.flash ? html`<p class="flash${ctx.flash.error ? ' error' : ''}" role="${ctx.flash.error ? 'alert' : 'status'}">${ctx.flash.text}</p>` : ''}
${content}
</main>`
  return document(ctx, title, body, words ? { words, csrf: ctx.csrf } : {})
}

const hidden = (ctx: PageContext) =>
  html`<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="lang" value="${ctx.lang}">`

export function signInPage(
  ctx: Pick<PageContext, 't' | 'lang'>,
  problem: 'wrong' | 'slow_down' | 'signed_out' | undefined,
): Html {
  const { t, lang } = ctx
  const lines: Record<string, string> = {
    wrong: t('console.signin.wrong'),
    slow_down: t('console.signin.slow_down'),
    signed_out: t('console.signin.signed_out'),
  }
  const other: Language = lang === 'zh' ? 'en' : 'zh'
  return document(
    ctx,
    t('console.signin.title'),
    html`<main id="main" class="signin">
<h1>${t('console.title')}</h1>
${problem ? html`<p class="flash${problem === 'signed_out' ? '' : ' error'}" role="${problem === 'signed_out' ? 'status' : 'alert'}">${lines[problem]}</p>` : ''}
<form method="post" action="/console/sign-in">
<input type="hidden" name="lang" value="${lang}">
<label for="token">${t('console.signin.token')}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">${t('console.signin.submit')}</button>
</form>
<p><a href="/console/sign-in?lang=${other}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${other === 'zh' ? '中文' : 'English'}</a></p>
</main>`,
  )
}

// Live.

export function liveCard(ctx: Pick<PageContext, 't' | 'csrf' | 'lang'>, a: LiveAnswer, now: number): Html {
  const { t } = ctx
  const state =
    a.queuePosition > 0
      ? t('console.live.queued', { position: a.queuePosition })
      : t('console.live.streaming')
  return html`<li class="answer" data-id="${a.id}">
<dl class="meta">
<div><dt>${t('console.col.platform')}</dt><dd>${a.platform}</dd></div>
<div><dt>${t('console.col.chat')}</dt><dd>${a.chatKey}</dd></div>
<div><dt>${t('console.col.person')}</dt><dd>${a.userName}</dd></div>
<div><dt>${t('console.col.model')}</dt><dd>${a.model}</dd></div>
<div><dt>${t('console.col.elapsed')}</dt><dd class="elapsed" data-started="${a.startedAt}">${duration(now - a.startedAt)}</dd></div>
<div><dt>${t('console.col.tokens')}</dt><dd class="tokens">≈ ${a.outputTokens}</dd></div>
<div><dt>${t('console.col.state')}</dt><dd class="state">${state}</dd></div>
</dl>
<pre class="text">${a.text}</pre>
<form method="post" action="/console/answers/stop">${hidden({ ...ctx })}<input type="hidden" name="id" value="${a.id}"><button type="submit" class="danger" aria-label="${t('console.live.stop_label', { person: a.userName })}">${t('button.stop')}</button></form>
</li>`
}

export function recentRows(ctx: Pick<PageContext, 't'>, recent: FinishedAnswer[]): Html {
  const { t } = ctx
  if (recent.length === 0) return html`<tr><td colspan="8">${t('console.live.none_recent')}</td></tr>`
  return html`${recent.map(
    (a) =>
      html`<tr><td>${when(a.finishedAt)}</td><td>${a.platform}</td><td>${a.chatKey}</td><td>${a.userName}</td><td>${a.model}</td><td>${t(`console.status.${a.status}` as MessageKey)}</td><td>${duration(a.finishedAt - a.startedAt)}</td><td>${a.inputTokens} / ${a.outputTokens}</td><td>${usd(a.usd)}</td></tr>`,
  )}`
}

export function livePage(ctx: PageContext, live: LiveAnswer[], recent: FinishedAnswer[], now: number): Html {
  const { t } = ctx
  const words = {
    stop: t('button.stop'),
    streaming: t('console.live.streaming'),
    queued: t('console.live.queued', { position: '{position}' }),
    stopLabel: t('console.live.stop_label', { person: '{person}' }),
    platform: t('console.col.platform'),
    chat: t('console.col.chat'),
    person: t('console.col.person'),
    model: t('console.col.model'),
    elapsed: t('console.col.elapsed'),
    tokens: t('console.col.tokens'),
    state: t('console.col.state'),
    noneRecent: t('console.live.none_recent'),
    ...Object.fromEntries(
      ['completed', 'incomplete', 'failed', 'cancelled', 'in_progress', 'queued'].map((s) => [
        `status.${s}`,
        t(`console.status.${s}` as MessageKey),
      ]),
    ),
  }
  return layout(
    ctx,
    'live',
    html`<section aria-labelledby="live-now">
<h2 id="live-now">${t('console.live.now')} <span class="count" id="live-count">${live.length}</span></h2>
<p id="live-empty"${live.length > 0 ? html` hidden` : ''}>${t('console.live.none')}</p>
<ul id="live-list" class="answers" aria-live="polite">${live.map((a) => liveCard(ctx, a, now))}</ul>
</section>
<section aria-labelledby="live-recent">
<h2 id="live-recent">${t('console.live.recent')}</h2>
<div class="scroll"><table>
<thead><tr><th scope="col">${t('console.col.finished')}</th><th scope="col">${t('console.col.platform')}</th><th scope="col">${t('console.col.chat')}</th><th scope="col">${t('console.col.person')}</th><th scope="col">${t('console.col.model')}</th><th scope="col">${t('console.col.state')}</th><th scope="col">${t('console.col.duration')}</th><th scope="col">${t('console.col.tokens_io')}</th><th scope="col">${t('console.col.cost')}</th></tr></thead>
<tbody id="recent-rows">${recentRows(ctx, recent)}</tbody>
</table></div>
</section>`,
    words,
  )
}

// Spend.

export function spendPage(ctx: PageContext, view: SpendView): Html {
  const { t } = ctx
  const days = view.days.map((d) => d.day)
  const names = (pick: (d: SpendView['days'][number]) => Record<string, number>) =>
    [...new Set(view.days.flatMap((d) => Object.keys(pick(d))))].sort()
  const seriesOf = (pick: (d: SpendView['days'][number]) => Record<string, number>) =>
    names(pick).map((name) => ({ name, values: view.days.map((d) => pick(d)[name] ?? 0) }))
  const models = names((d) => d.byModel)
  const spent = view.days.filter((d) => d.usd > 0).reverse()
  return layout(
    ctx,
    'spend',
    html`<section aria-labelledby="spend-sum"><h2 id="spend-sum">${t('console.spend.summary')}</h2>
<p class="figures"><span>${t('console.spend.today')} <strong id="spend-today" data-usd="${view.todayUsd}">${usd(view.todayUsd)}</strong></span>
<span>${t('console.spend.month')} <strong id="spend-month">${usd(view.monthUsd)}</strong></span></p></section>
<section aria-labelledby="spend-charts"><h2 id="spend-charts">${t('console.spend.per_day')}</h2>
${stackedBars({ label: t('console.spend.by_model'), days, series: seriesOf((d) => d.byModel) })}
${stackedBars({ label: t('console.spend.by_platform'), days, series: seriesOf((d) => d.byPlatform) })}
${stackedBars({ label: t('console.spend.research'), days, series: [{ name: t('console.spend.research'), values: view.days.map((d) => d.researchUsd) }] })}
<details><summary>${t('console.spend.table')}</summary><div class="scroll"><table id="spend-days">
<thead><tr><th scope="col">${t('console.col.day')}</th><th scope="col">${t('console.col.total')}</th><th scope="col">${t('console.spend.research')}</th>${models.map((m) => html`<th scope="col">${m}</th>`)}</tr></thead>
<tbody>${
      spent.length === 0
        ? html`<tr><td colspan="${3 + models.length}">${t('console.spend.nothing')}</td></tr>`
        : spent.map(
            (d) =>
              html`<tr data-day="${d.day}" data-usd="${d.usd}"><th scope="row">${d.day}</th><td>${usd(d.usd)}</td><td>${usd(d.researchUsd)}</td>${models.map((m) => html`<td>${usd(d.byModel[m] ?? 0)}</td>`)}</tr>`,
          )
    }</tbody></table></div></details>
</section>
<div class="columns">
<section aria-labelledby="spend-people"><h2 id="spend-people">${t('console.spend.top_people')}</h2>
<table><thead><tr><th scope="col">${t('console.col.person')}</th><th scope="col">${t('console.col.cost')}</th><th scope="col">${t('console.col.requests')}</th><th scope="col">${t('console.col.left')}</th></tr></thead>
<tbody>${view.topPeople.length === 0 ? html`<tr><td colspan="4">${t('console.spend.nothing')}</td></tr>` : view.topPeople.map((p) => html`<tr><td>${p.name} <span class="muted">${p.key}</span></td><td>${usd(p.usd)}</td><td>${p.requests}</td><td>${p.leftUsd === undefined ? t('console.budget.no_cap') : usd(p.leftUsd)}</td></tr>`)}</tbody></table></section>
<section aria-labelledby="spend-chats"><h2 id="spend-chats">${t('console.spend.top_chats')}</h2>
<table><thead><tr><th scope="col">${t('console.col.chat')}</th><th scope="col">${t('console.col.cost')}</th><th scope="col">${t('console.col.requests')}</th><th scope="col">${t('console.col.left')}</th></tr></thead>
<tbody>${view.topChats.length === 0 ? html`<tr><td colspan="4">${t('console.spend.nothing')}</td></tr>` : view.topChats.map((c) => html`<tr><td>${c.key}</td><td>${usd(c.usd)}</td><td>${c.requests}</td><td>${c.leftUsd === undefined ? t('console.budget.no_cap') : usd(c.leftUsd)}</td></tr>`)}</tbody></table></section>
</div>
<section aria-labelledby="spend-budgets"><h2 id="spend-budgets">${t('console.spend.budgets')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.col.budget')}</th><th scope="col">${t('console.col.cap')}</th><th scope="col">${t('console.col.spent')}</th><th scope="col">${t('console.col.left')}</th><th scope="col">${t('console.budget.change')}</th></tr></thead>
<tbody>${view.budgets.map((b) => {
      const name = t(`console.budget.${b.scope}` as MessageKey)
      return html`<tr data-budget="${b.scope}"><th scope="row">${name}</th><td>${b.capUsd > 0 ? usd(b.capUsd) : t('console.budget.no_cap')}<br><span class="muted">${b.setAtRunTime ? t('console.budget.set_here', { env: b.envUsd > 0 ? usd(b.envUsd) : t('console.budget.no_cap') }) : t('console.budget.from_env')}</span></td><td>${b.spentUsd === undefined ? t('console.budget.per_each') : usd(b.spentUsd)}</td><td>${b.capUsd > 0 && b.spentUsd !== undefined ? usd(Math.max(0, b.capUsd - b.spentUsd)) : '—'}</td>
<td><form method="post" action="/console/budgets" class="open-scope">${hidden(ctx)}<input type="hidden" name="scope" value="${b.scope}">
<label for="cap-${b.scope}" class="visually-hidden">${t('console.budget.cap_label', { budget: name })}</label><input id="cap-${b.scope}" name="usd" type="number" min="0" step="any" inputmode="decimal" value="${b.capUsd}" size="8">
<button type="submit" aria-label="${t('console.budget.save_label', { budget: name })}">${t('console.settings.save')}</button>${b.setAtRunTime ? html` <button type="submit" name="reset" value="on" class="quiet" aria-label="${t('console.budget.reset_label', { budget: name })}">${t('console.budget.reset')}</button>` : ''}</form></td></tr>`
    })}</tbody></table></div>
<p class="muted">${t('console.budget.help')}</p></section>`,
  )
}

// Research.

export function researchPage(ctx: PageContext, view: ResearchView, now: number): Html {
  const { t } = ctx
  const requestRow = (r: ResearchView['requests'][number]) => {
    const estimate = `${usd(r.estimate.lowUsd)}–${usd(r.estimate.highUsd)}`
    const actions =
      r.kind === 'approval'
        ? html`<form method="post" action="/console/research/decide" class="inline">${hidden(ctx)}<input type="hidden" name="id" value="${r.id}"><button type="submit" name="action" value="approve" aria-label="${t('console.research.approve_label', { estimate })}">${t('console.research.approve')}</button> <button type="submit" name="action" value="decline" class="quiet">${t('console.research.decline')}</button></form>`
        : html`<span class="muted">${t('console.research.awaiting_confirm')}</span>`
    return html`<tr data-request="${r.id}"><td>${r.question}</td><td>${r.requester.name}</td><td>${r.chat.key}</td><td>${r.model}</td><td>${estimate}</td><td>${duration(r.expiresAt - now)}</td><td>${actions}</td></tr>`
  }
  const jobRow = ({ job, state }: ResearchView['jobs'][number]) => {
    const end = job.outcome?.finishedAt ?? now
    const started = job.startedAt ?? job.created
    const searches = job.searches.filter((s) => s.status === 'completed')
    const latest = job.searches
      .map((s) => s.query)
      .filter((q): q is string => !!q)
      .slice(-3)
    const cancellable = state === 'queued' || state === 'running'
    return html`<tr data-job="${job.id}" data-state="${state}"><td>${job.question}</td><td><span class="badge badge-${state}">${t(`console.job.${state}` as MessageKey)}</span>${state === 'running' && latest.length > 0 ? html`<br><span class="muted">${latest.join(' · ')}</span>` : ''}${job.outcome?.error ? html`<br><span class="muted">${job.outcome.error}</span>` : ''}</td><td>${job.requester.name}</td><td>${job.approver.name}</td><td>${duration(end - started)}</td><td>${searches.length}</td><td>${job.costUsd === undefined ? `≤ ${usd(job.estimate.highUsd)}` : usd(job.costUsd)}</td><td>${cancellable ? html`<form method="post" action="/console/research/cancel" class="inline">${hidden(ctx)}<input type="hidden" name="id" value="${job.id}"><button type="submit" class="danger">${t('console.research.cancel')}</button></form>` : ''}</td></tr>`
  }
  return layout(
    ctx,
    'research',
    html`<section aria-labelledby="rs-requests"><h2 id="rs-requests">${t('console.research.requests')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.col.question')}</th><th scope="col">${t('console.col.requester')}</th><th scope="col">${t('console.col.chat')}</th><th scope="col">${t('console.col.model')}</th><th scope="col">${t('console.col.estimate')}</th><th scope="col">${t('console.col.expires')}</th><th scope="col">${t('console.col.actions')}</th></tr></thead>
<tbody>${view.requests.length === 0 ? html`<tr><td colspan="7">${t('console.research.no_requests')}</td></tr>` : view.requests.map(requestRow)}</tbody></table></div></section>
<section aria-labelledby="rs-jobs"><h2 id="rs-jobs">${t('console.research.jobs')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.col.question')}</th><th scope="col">${t('console.col.state')}</th><th scope="col">${t('console.col.requester')}</th><th scope="col">${t('console.col.approver')}</th><th scope="col">${t('console.col.elapsed')}</th><th scope="col">${t('console.col.searches')}</th><th scope="col">${t('console.col.cost')}</th><th scope="col">${t('console.col.actions')}</th></tr></thead>
<tbody>${view.jobs.length === 0 ? html`<tr><td colspan="8">${t('console.research.no_jobs')}</td></tr>` : view.jobs.map(jobRow)}</tbody></table></div></section>`,
  )
}

// Settings.

function settingsForm(
  ctx: PageContext,
  scope: string,
  current: SettingsView['scopes'][number]['settings'],
  models: ModelInfo[],
): Html {
  const { t } = ctx
  const id = scope.replace(/[^A-Za-z0-9]/g, '-')
  const model = models.find((m) => m.id === current.model)
  const efforts = model?.reasoningEfforts ?? []
  return html`<form method="post" action="/console/settings" class="settings" aria-label="${t('console.settings.for', { scope })}">
${hidden(ctx)}<input type="hidden" name="scope" value="${scope}">
<fieldset><legend>${scope}</legend>
<label for="model-${id}">${t('console.col.model')}</label>
<select id="model-${id}" name="model">${models.map((m) => html`<option value="${m.id}"${m.id === current.model ? html` selected` : ''}>${m.id}</option>`)}</select>
<label for="effort-${id}">${t('console.settings.effort')}</label>
<select id="effort-${id}" name="effort"${efforts.length === 0 ? html` disabled` : ''}>${efforts.length === 0 ? html`<option value="">${t('settings.none')}</option>` : efforts.map((e) => html`<option value="${e}"${e === current.effort ? html` selected` : ''}>${e}</option>`)}</select>
<label class="check"><input type="checkbox" name="search" value="on"${current.webSearch ? html` checked` : ''}> ${t('console.settings.search')}</label>
<label class="check"><input type="checkbox" name="reasoning" value="on"${current.showReasoning ? html` checked` : ''}> ${t('console.settings.reasoning')}</label>
<button type="submit">${t('console.settings.save')}</button>
</fieldset></form>`
}

export function settingsPage(
  ctx: PageContext,
  view: SettingsView,
  config: Config,
  models: readonly ModelInfo[],
  chatModels: ModelInfo[],
): Html {
  const { t } = ctx
  const list = (ids: readonly string[]) => (ids.length === 0 ? t('console.settings.none') : ids.join(', '))
  const onOff = (on: boolean) => t(on ? 'settings.on' : 'settings.off')
  const access = config.access
  const fixed: Array<[string, string]> = [
    ['DEFAULT_MODEL', config.defaultModel],
    ['RESEARCH_MODEL', config.researchModel],
    ['MAX_CONCURRENT_STREAMS', String(config.limits.maxConcurrentStreams)],
    ['USER_REQUESTS_PER_MINUTE', String(config.limits.userRequestsPerMinute)],
    ['MAX_PROMPT_CHARS', String(config.limits.maxPromptChars)],
    ['BUDGET_USER_DAILY_USD', usd(config.budgets.userDailyUsd)],
    ['BUDGET_CHAT_DAILY_USD', usd(config.budgets.chatDailyUsd)],
    ['BUDGET_GLOBAL_DAILY_USD', usd(config.budgets.globalDailyUsd)],
    ['BUDGET_ADMINS_EXEMPT', onOff(config.budgets.adminsExempt)],
    ['RESEARCH_DAILY_BUDGET_USD', usd(config.research.dailyBudgetUsd)],
    ['RESEARCH_DAILY_PER_ADMIN', String(config.research.dailyPerAdmin)],
    ['SETTINGS_IN_GROUPS', config.settingsInGroups],
    ['TELEGRAM_ADMIN_IDS', list(config.telegram?.adminIds ?? [])],
    ['DISCORD_ADMIN_IDS', list(config.discord?.adminIds ?? [])],
    ['ALLOW_USER_IDS', list(access.allowUsers)],
    ['BLOCK_USER_IDS', list(access.blockUsers)],
    ['ALLOW_CHAT_IDS', list(access.allowChats)],
    ['BLOCK_CHAT_IDS', list(access.blockChats)],
    ['ALLOW_GUILD_IDS', list(access.allowGuilds)],
    ['BLOCK_GUILD_IDS', list(access.blockGuilds)],
    ['ALLOW_ROLE_IDS', list(access.allowRoles)],
    ['BLOCK_ROLE_IDS', list(access.blockRoles)],
  ]
  const price = (n: number) => `$${n}`
  return layout(
    ctx,
    'settings',
    html`<section aria-labelledby="set-chats"><h2 id="set-chats">${t('console.settings.chats')}</h2>
<form method="get" action="/console/settings" class="inline open-scope"><input type="hidden" name="lang" value="${ctx.lang}">
<label for="open-scope">${t('console.settings.open')}</label> <input id="open-scope" name="scope" placeholder="telegram:chat:-100123" pattern="[a-z]+:(user|chat):[A-Za-z0-9_\\-]+" required>
<button type="submit">${t('console.settings.open_button')}</button></form>
<p class="muted">${t('console.settings.scope_help')}</p>
${view.scopes.length === 0 ? html`<p>${t('console.settings.no_chats')}</p>` : view.scopes.map((s) => settingsForm(ctx, s.scope, s.settings, chatModels))}
</section>
<section aria-labelledby="set-blocks"><h2 id="set-blocks">${t('console.blocks.title')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.col.person')}</th><th scope="col">${t('console.blocks.since')}</th><th scope="col">${t('console.col.actions')}</th></tr></thead>
<tbody>${view.blocked.length === 0 ? html`<tr><td colspan="3">${t('console.blocks.none')}</td></tr>` : view.blocked.map((b) => html`<tr data-blocked="${b.userKey}"><td>${b.name} <span class="muted">${b.userKey}</span></td><td>${when(b.at)}</td><td><form method="post" action="/console/blocks" class="inline">${hidden(ctx)}<input type="hidden" name="person" value="${b.userKey}"><input type="hidden" name="action" value="unblock"><button type="submit" class="quiet" aria-label="${t('console.blocks.unblock_label', { person: b.name })}">${t('console.blocks.unblock')}</button></form></td></tr>`)}</tbody></table></div>
<form method="post" action="/console/blocks" class="open-scope">${hidden(ctx)}<input type="hidden" name="action" value="block">
<label for="block-person">${t('console.blocks.person')}</label> <input id="block-person" name="person" placeholder="telegram:123456" pattern="(telegram|discord):[0-9A-Za-z_\\-]+" required>
<button type="submit" class="danger">${t('console.blocks.block')}</button></form>
<p class="muted">${t('console.blocks.help')}</p></section>
<section aria-labelledby="set-models"><h2 id="set-models">${t('console.settings.models')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.col.model')}</th><th scope="col">${t('console.settings.price_in')}</th><th scope="col">${t('console.settings.price_cached')}</th><th scope="col">${t('console.settings.price_out')}</th><th scope="col">${t('console.settings.price_search')}</th><th scope="col">${t('console.settings.efforts')}</th></tr></thead>
<tbody>${models.map((m) => html`<tr><th scope="row">${m.id}${m.research ? html` <span class="badge">${t('console.settings.research_model')}</span>` : ''}</th><td>${price(m.price.input)}</td><td>${price(m.price.cachedInput)}</td><td>${price(m.price.output)}</td><td>${m.webSearch ? price(m.price.webSearchPer1k) : '—'}</td><td>${m.reasoningEfforts.join(', ') || '—'}</td></tr>`)}</tbody></table></div>
<p class="muted">${t('console.settings.prices_note')}</p></section>
<section aria-labelledby="set-fixed"><h2 id="set-fixed">${t('console.settings.fixed')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.settings.variable')}</th><th scope="col">${t('console.settings.value')}</th></tr></thead>
<tbody>${fixed.map(([name, value]) => html`<tr><th scope="row"><code>${name}</code></th><td>${value}</td></tr>`)}</tbody></table></div>
<p class="muted">${t('console.fixed_by_env')}</p></section>`,
  )
}

// Health.

export function healthPage(ctx: PageContext, view: HealthView): Html {
  const { t } = ctx
  return layout(
    ctx,
    'health',
    html`<section aria-labelledby="h-checks"><h2 id="h-checks">${t('console.health.checks')}</h2>
<ul class="checks">${view.checks.map((c) => html`<li class="${c.ok ? 'ok' : 'bad'}"><span aria-hidden="true">${c.ok ? '●' : '▲'}</span> ${c.name}: <strong>${t(c.ok ? 'console.health.up' : 'console.health.down')}</strong></li>`)}</ul>
<p>${t('console.health.process', { id: view.processId, uptime: duration(view.uptimeMs), store: view.store, answers: view.answersHere, research: view.researchHere })}</p></section>
<section aria-labelledby="h-metrics"><h2 id="h-metrics">${t('console.health.metrics')}</h2>
<div class="scroll"><table><thead><tr><th scope="col">${t('console.health.series')}</th><th scope="col">${t('console.settings.value')}</th></tr></thead>
<tbody>${view.metrics.map((m) => html`<tr><td><code>${m.series}</code></td><td>${m.value}</td></tr>`)}</tbody></table></div></section>`,
  )
}
