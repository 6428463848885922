import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Language, languageOf, translator } from '../../core/i18n/i18n.ts'
import type { HealthCheck, HttpServer, RouteHandler } from '../http-server.ts'
import type { Services } from '../services.ts'
import {
  type ActionResult,
  changeSettings,
  type Operator,
  pressResearch,
  SCOPE_PATTERN,
  setBlocked,
  setBudget,
  stopFromConsole,
} from './console-actions.ts'
import { type ConsoleSession, createConsoleAuth } from './console-auth.ts'
import type { Html } from './console-html.ts'
import { type ConsoleHub, createConsoleHub } from './console-hub.ts'
import {
  healthPage,
  href,
  livePage,
  PAGES,
  type PageContext,
  type PageName,
  researchPage,
  settingsPage,
  signInPage,
  spendPage,
} from './console-pages.ts'
import { healthView, researchView, settingsView, spendView } from './console-views.ts'

/**
 * The operator's web console under /console/ on Herald's HTTP server: sign-in, five pages (Live,
 * Spend, Research, Settings, Health), one event stream per tab for Live, and form POSTs for the
 * actions. Without a session every route but the sign-in page answers 401 (the pages redirect to
 * sign-in). Nothing here is served from elsewhere: the two static files are read from this folder.
 *
 * @example
 *   const console = mountConsole(http, { services, token: config.console.token, health })
 *   …
 *   console.close()
 */

/** What the console needs from the app. */
export interface ConsoleOptions {
  services: Services
  token: string
  /** The checks `/healthz` runs, as they are now. */
  health: () => readonly HealthCheck[]
}

export interface MountedConsole {
  readonly hub: ConsoleHub
  close(): void
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/console/static/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/static/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/console/static/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

const MAX_FORM_BYTES = 16_384

export function mountConsole(http: HttpServer, opts: ConsoleOptions): MountedConsole {
  const s = opts.services
  const auth = createConsoleAuth({ token: opts.token, store: s.store, clock: s.clock })
  const hub = createConsoleHub({ feed: s.feed, clock: s.clock, log: s.log })
  const flashes = s.store.kv<ActionResult>('console-flash')
  /** The language a form posted (`lang`), else the address's `?lang=`, else the browser's. */
  const langOf = (req: IncomingMessage, asked?: string | null) =>
    pageLanguage(
      req,
      asked ?? new URL(req.url ?? '/', 'http://herald').searchParams.get('lang'),
      s.i18n.rule.fallback,
    )
  const assets = Object.fromEntries(
    Object.entries(STATIC).map(([path, asset]) => [
      path,
      { body: readFileSync(new URL(`./static/${asset.file}`, import.meta.url)), type: asset.type },
    ]),
  )

  const page = (res: ServerResponse, body: Html, status = 200) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
    res.end(body.value)
  }
  const redirect = (res: ServerResponse, location: string, headers: Record<string, string> = {}) => {
    res.writeHead(303, { location, ...SECURITY_HEADERS, ...headers }).end()
  }
  const denied = (res: ServerResponse, status = 401) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
    res.end(status === 401 ? 'sign in first' : 'forbidden')
  }

  /** A handler that runs only with a session: pages go to sign-in, the rest get 401. */
  const signedIn =
    (
      kind: 'page' | 'api',
      handler: (req: IncomingMessage, res: ServerResponse, session: ConsoleSession) => Promise<void>,
    ): RouteHandler =>
    async (req, res) => {
      const session = await auth.session(req)
      if (!session) {
        if (kind === 'page') return redirect(res, `/console/sign-in?lang=${langOf(req)}`)
        return denied(res)
      }
      await handler(req, res, session)
    }

  /** A POST with a form: a session and its CSRF token, or 401/403 before anything is done. */
  const action = (
    handler: (
      form: URLSearchParams,
      op: Operator,
    ) => Promise<{ result: ActionResult; back: PageName; query?: Record<string, string> }>,
  ): RouteHandler =>
    signedIn('api', async (req, res, session) => {
      const form = await readForm(req)
      if (!form || !auth.csrfOk(session, form.get('csrf'))) return denied(res, 403)
      const lang = langOf(req, form.get('lang'))
      const { result, back, query } = await handler(form, { t: translator(lang), lang })
      await flashes.set(session.key, result, 60_000)
      redirect(res, href(back, lang, query))
    })

  const context = async (req: IncomingMessage, session: ConsoleSession): Promise<PageContext> => {
    const lang = langOf(req)
    const flash = (await flashes.get(session.key)) ?? undefined
    if (flash) await flashes.delete(session.key)
    return { t: translator(lang), lang, csrf: session.csrf, flash }
  }

  http.route('GET', '/console', (req, res) => redirect(res, `/console/live?lang=${langOf(req)}`))
  http.route('GET', '/console/', (req, res) => redirect(res, `/console/live?lang=${langOf(req)}`))

  http.route('GET', '/console/sign-in', async (req, res) => {
    const lang = langOf(req)
    if (await auth.session(req)) return redirect(res, `/console/live?lang=${lang}`)
    const problem = new URL(req.url ?? '/', 'http://herald').searchParams.get('problem')
    const known =
      problem === 'wrong' || problem === 'slow_down' || problem === 'signed_out' ? problem : undefined
    page(res, signInPage({ t: translator(lang), lang }, known))
  })

  http.route('POST', '/console/sign-in', async (req, res) => {
    const form = await readForm(req)
    const lang = langOf(req, form?.get('lang'))
    const address = req.socket.remoteAddress ?? 'unknown'
    const result = await auth.signIn(form?.get('token') ?? '', address)
    if (!result.ok) {
      s.log.warn({ address, locked: result.retryAfterMs !== undefined }, 'console sign-in refused')
      return redirect(
        res,
        `/console/sign-in?lang=${lang}&problem=${result.retryAfterMs ? 'slow_down' : 'wrong'}`,
      )
    }
    s.log.info({ address }, 'console signed in')
    redirect(res, `/console/live?lang=${lang}`, { 'set-cookie': auth.cookie(result.sessionId, isHttps(req)) })
  })

  http.route(
    'POST',
    '/console/sign-out',
    signedIn('api', async (req, res, session) => {
      const form = await readForm(req)
      if (!form || !auth.csrfOk(session, form.get('csrf'))) return denied(res, 403)
      await auth.signOut(session)
      redirect(res, `/console/sign-in?lang=${langOf(req, form.get('lang'))}&problem=signed_out`, {
        'set-cookie': auth.clearCookie(),
      })
    }),
  )

  const pages: Record<PageName, (ctx: PageContext, req: IncomingMessage) => Promise<Html>> = {
    live: async (ctx) => livePage(ctx, await s.feed.live(), await s.feed.recent(20), s.clock.now()),
    spend: async (ctx) => spendPage(ctx, await spendView(s)),
    research: async (ctx) => researchPage(ctx, await researchView(s), s.clock.now()),
    settings: async (ctx, req) => {
      const view = await settingsView(s)
      const asked = new URL(req.url ?? '/', 'http://herald').searchParams.get('scope')
      if (asked && !view.scopes.some((v) => v.scope === asked) && SCOPE_PATTERN.test(asked)) {
        view.scopes.unshift({ scope: asked, settings: await s.settings.get(asked) })
      }
      return settingsPage(ctx, view, s.config, s.models.models, s.settings.choices())
    },
    health: async (ctx) => healthPage(ctx, await healthView(s, opts.health())),
  }
  for (const name of PAGES) {
    http.route(
      'GET',
      `/console/${name}`,
      signedIn('page', async (req, res, session) =>
        page(res, await pages[name](await context(req, session), req)),
      ),
    )
  }

  http.route(
    'GET',
    '/console/events',
    signedIn('api', async (_req, res) => hub.attach(res)),
  )

  for (const [path, asset] of Object.entries(assets)) {
    http.route('GET', path, (_req, res) => {
      res.writeHead(200, { 'content-type': asset.type, ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
      res.end(asset.body)
    })
  }

  http.route(
    'POST',
    '/console/answers/stop',
    action(async (form, op) => ({
      result: await stopFromConsole(s, op, form.get('id') ?? ''),
      back: 'live',
    })),
  )
  http.route(
    'POST',
    '/console/research/decide',
    action(async (form, op) => {
      const choice = form.get('action') === 'approve' ? 'a' : 'd'
      return { result: await pressResearch(s, op, choice, form.get('id') ?? ''), back: 'research' }
    }),
  )
  http.route(
    'POST',
    '/console/research/cancel',
    action(async (form, op) => ({
      result: await pressResearch(s, op, 'k', form.get('id') ?? ''),
      back: 'research',
    })),
  )
  http.route(
    'POST',
    '/console/settings',
    action(async (form, op) => {
      const scope = form.get('scope') ?? ''
      const result = await changeSettings(s, op, {
        scope,
        model: form.get('model') ?? undefined,
        effort: form.get('effort') ?? undefined,
        search: form.get('search') === 'on',
        reasoning: form.get('reasoning') === 'on',
      })
      return { result, back: 'settings', query: { scope } }
    }),
  )

  http.route(
    'POST',
    '/console/blocks',
    action(async (form, op) => ({
      result: await setBlocked(s, op, form.get('person') ?? '', form.get('action') === 'block'),
      back: 'settings',
    })),
  )

  http.route(
    'POST',
    '/console/budgets',
    action(async (form, op) => ({
      result: await setBudget(
        s,
        op,
        form.get('scope') ?? '',
        form.get('reset') === 'on' ? undefined : (form.get('usd') ?? '').trim(),
      ),
      back: 'spend',
    })),
  )

  return {
    hub,
    close: () => hub.close(),
  }
}

/**
 * The page's language: `asked` (the page's own switch, `?lang=` or a form's `lang`) first, then the browser's Accept-Language
 * in order of preference, else `LANGUAGE`. `LANGUAGE_FORCE` is for the chats: the operator's
 * switch always works.
 */
function pageLanguage(req: IncomingMessage, asked: string | null | undefined, fallback: Language): Language {
  const browser = (req.headers['accept-language'] ?? '')
    .split(',')
    .map((part, at) => {
      const [tag, ...params] = part.split(';')
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? 1,
      )
      return { tag: tag?.trim(), q: Number.isFinite(q) ? q : 0, at }
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.at - b.at)
    .map((entry) => entry.tag)
  return languageOf({ fallback, force: false }, asked ?? undefined, ...browser)
}

function isHttps(req: IncomingMessage): boolean {
  return req.headers['x-forwarded-proto'] === 'https' || 'encrypted' in req.socket
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type'] ?? ''
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
