import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import axe from 'axe-core'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { t } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import { freePort } from '../helpers/bot-stack.ts'
import {
  ADA,
  askAndWait,
  CHAT,
  type E2eStack,
  finishedAnswers,
  promptOf,
  startE2e,
  telegramPlatform,
  textEvents,
} from './harness.ts'

/**
 * The operator's console in a real browser (the system's Chromium through playwright-core) against
 * the real Herald with the fake Telegram and the fake Responses API. One browser and one Herald
 * for the file; each test uses its own chats. Screenshots of every page go to test-results/.
 */
const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'console-e2e-token-0123456789abcdef'
const ADMIN = { id: 7, is_bot: false, first_name: 'Grace' }
const MEMBER = { id: 8, is_bot: false, first_name: 'Linus' }
const GROUP = { id: -100777, type: 'group' as const, title: 'Lab' }
const SHOTS = join(process.cwd(), 'test-results')
const PAGES = ['live', 'spend', 'research', 'settings', 'health'] as const
const usage1k = {
  input_tokens: 1000,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 1000,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 2000,
}

const hasChromium = (() => {
  try {
    readFileSync(CHROMIUM)
    return true
  } catch {
    return false
  }
})()

let e2e: E2eStack<FakeTelegram>
let context: BrowserContext
let page: Page
let base: string
let profile: string
const errors: string[] = []

beforeAll(async () => {
  if (!hasChromium) return
  const port = await freePort()
  e2e = await startE2e(telegramPlatform(), {
    env: { HTTP_PORT: String(port), CONSOLE_TOKEN: TOKEN, TELEGRAM_ADMIN_IDS: String(ADMIN.id) },
  })
  base = `http://127.0.0.1:${port}/console`
  profile = mkdtempSync(join(tmpdir(), 'herald-chromium-'))
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
    locale: 'en-US',
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`)
  })
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`))
}, 30_000)

afterAll(async () => {
  await context?.close()
  await e2e?.close()
  if (profile) rmSync(profile, { recursive: true, force: true })
})

/** Signs in through the form unless the browser already holds a session. */
async function signIn(): Promise<void> {
  if ((await context.cookies()).some((c) => c.name === 'herald_console')) return
  await page.goto(`${base}/sign-in?lang=en`)
  await page.getByLabel(t('en', 'console.signin.token')).fill(TOKEN)
  await page.getByRole('button', { name: t('en', 'console.signin.submit') }).click()
  await expect.poll(() => page.url()).toBe(`${base}/live?lang=en`)
}

async function open(name: (typeof PAGES)[number], query = ''): Promise<void> {
  await signIn()
  await page.goto(`${base}/${name}?lang=en${query}`)
}

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  // The body's box: the page's content, however long, without empty viewport below it.
  await page.locator('body').screenshot({ path: join(SHOTS, `console-${name}.png`) })
}

describe.skipIf(!hasChromium)('the operator console in a browser', () => {
  test('the page speaks the browser’s language, and its switch wins', async () => {
    const landing = async (acceptLanguage: string, query = '') => {
      const headers: Record<string, string> = acceptLanguage ? { 'accept-language': acceptLanguage } : {}
      const res = await fetch(`${base}/${query}`, { redirect: 'manual', headers })
      return res.headers.get('location')
    }
    expect(await landing('fr-FR, zh-CN;q=0.8, en;q=0.5')).toBe('/console/live?lang=zh')
    expect(await landing('zh;q=0.2, en-GB;q=0.9')).toBe('/console/live?lang=en')
    expect(await landing('')).toBe('/console/live?lang=en')
    expect(await landing('zh-TW', '?lang=en')).toBe('/console/live?lang=en')
    const signIn = await fetch(`${base}/sign-in`, { headers: { 'accept-language': 'zh-CN' } })
    expect(await signIn.text()).toContain(`<h1>${t('zh', 'console.title')}</h1>`)
  })

  test('without a session every route refuses; a wrong token is refused and the right one signs in', async () => {
    expect((await fetch(`${base}/events`)).status).toBe(401)
    expect((await fetch(`${base}/answers/stop`, { method: 'POST' })).status).toBe(401)
    const unsigned = await fetch(`${base}/spend`, { redirect: 'manual' })
    expect([unsigned.status, unsigned.headers.get('location')]).toEqual([303, '/console/sign-in?lang=en'])

    await page.goto(`${base}/`)
    await expect.poll(() => page.url()).toBe(`${base}/sign-in?lang=en`)
    await page.getByLabel(t('en', 'console.signin.token')).fill('not-the-token-at-all')
    await page.getByRole('button', { name: t('en', 'console.signin.submit') }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe(t('en', 'console.signin.wrong'))
    await shot('sign-in')

    await page.getByLabel(t('en', 'console.signin.token')).fill(TOKEN)
    await page.getByRole('button', { name: t('en', 'console.signin.submit') }).click()
    await expect.poll(() => page.url()).toBe(`${base}/live?lang=en`)
    const cookie = (await context.cookies()).find((c) => c.name === 'herald_console')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/console/' })
    // A POST without the session's CSRF token does nothing.
    const forged = await page.request.post(`${base}/settings`, {
      form: { scope: 'telegram:user:42', model: 'gpt-5' },
      maxRedirects: 0,
    })
    expect(forged.status()).toBe(403)
    expect(await e2e.herald.running.services.settings.get('telegram:user:42')).toMatchObject({
      model: 'gpt-5-mini',
    })
    // The token is in no page, URL or log line.
    expect(await page.content()).not.toContain(TOKEN)
    expect(e2e.herald.logs.lines.some((line) => line.includes(TOKEN))).toBe(false)
  })

  test('a slow answer shows on Live with its text growing, and Stop on the page stops it in the chat', async () => {
    const tg = e2e.platform
    const parts = ['Once', ' upon', ' a', ' time', ' there', ' was', ' a', ' console']
    const story = new Transcript({ id: 'resp_story' }).start().message(parts).completed()
    // Frames 300 ms apart, then the stream stays open before it completes, as a long answer would.
    e2e.responses.enqueue(sse(story.events, { delayMs: 300, stallAfter: story.events.length - 4 }))
    const before = finishedAnswers(e2e).length
    await open('live')
    const asked = tg.userSays({ chat: CHAT, from: ADA, text: 'tell me a story' })

    const card = page.locator('#live-list .answer')
    const text = card.locator('.text')
    await expect.poll(() => text.count(), { timeout: 10_000 }).toBe(1)
    const seen: string[] = []
    await expect
      .poll(
        async () => {
          const now = (await text.textContent()) ?? ''
          if (seen.at(-1) !== now) seen.push(now)
          return now
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe(parts.join(''))
    // It grew in steps, each a longer prefix of the answer.
    expect(seen.length).toBeGreaterThanOrEqual(3)
    for (const [i, step] of seen.entries()) if (i > 0) expect(step.startsWith(seen[i - 1]!)).toBe(true)
    await expect
      .poll(() => card.locator('dd').allTextContents())
      .toEqual(
        expect.arrayContaining([
          'telegram',
          'telegram:42',
          'Ada',
          'gpt-5-mini',
          t('en', 'console.live.streaming'),
        ]),
      )
    await shot('live')

    await card.getByRole('button', { name: t('en', 'console.live.stop_label', { person: 'Ada' }) }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe(t('en', 'console.done.stopped'))
    await tg.waitFor(() => finishedAnswers(e2e).length === before + 1, 10_000)
    const message = tg
      .botMessages(CHAT)
      .find((m) => m.reply_to_message?.message_id === asked.message?.message_id)
    expect(message?.text).toBe(`${parts.join('')}\n\nStopped.`)
    await expect.poll(() => page.locator('#live-list .answer').count(), { timeout: 5000 }).toBe(0)
    await expect.poll(() => page.locator('#recent-rows tr').first().textContent()).toContain('Ada')
  })

  test('the Spend page totals equal the usage records after answers with known prices', async () => {
    const services = e2e.herald.running.services
    const before = await services.usage.totals({ kind: 'global' }, 'day')
    const user = { id: 501, is_bot: false, first_name: 'Spender' }
    for (const n of [1, 2, 3]) {
      e2e.responses.enqueue(sse(textEvents(`answer ${n}`, `resp_spend_${n}`, 2, usage1k)))
      await askAndWait(e2e, { chat: { id: user.id, type: 'private' }, from: user, text: `question ${n}` })
    }
    const after = await services.usage.totals({ kind: 'global' }, 'day')
    // gpt-5-mini: 1000 input × $0.25 + 1000 output × $2 per million = $0.00225 an answer.
    expect(after.microUsd - before.microUsd).toBe(3 * 2250)

    await open('spend')
    const today = Number(await page.locator('#spend-today').getAttribute('data-usd'))
    expect(today).toBe(after.usd)
    const day = new Date().toISOString().slice(0, 10)
    const bars = page.locator(`.chart .bar[data-day="${day}"]`)
    expect((await bars.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-usd')))))[0]).toBe(
      after.usd,
    )
    expect(await page.locator(`#spend-days tr[data-day="${day}"]`).getAttribute('data-usd')).toBe(
      String(after.usd),
    )
    await expect
      .poll(() => page.getByRole('region', { name: t('en', 'console.spend.top_people') }).textContent())
      .toContain('Spender')
    await shot('spend')
  })

  test('a research request approved from the page runs once', async () => {
    const tg = e2e.platform
    const run = new Transcript({ id: 'resp_research', model: 'o3-deep-research' }).queued().inProgress()
    run.webSearch('console tests').message(['The report', ' in full.']).completed(usage1k)
    e2e.responses.enqueue({ kind: 'background', events: run.events, stepMs: 20 })
    tg.userSays({ chat: GROUP, from: MEMBER, text: '/research how do consoles work' })
    await tg.waitFor(() => tg.botMessages(GROUP).length === 1, 10_000)

    await open('research')
    const row = page.locator('tr[data-request]')
    await expect.poll(() => row.count()).toBe(1)
    await row.getByRole('button', { name: /^Approve, estimated/ }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe(t('en', 'console.done.approved'))
    const posts = () =>
      e2e.responses.requests.filter((r) => r.method === 'POST' && r.pathname === '/v1/responses')
    await expect.poll(() => posts().filter((r) => r.body?.model === 'o3-deep-research').length).toBe(1)
    await tg.waitFor(
      () => tg.botMessages(GROUP).some((m) => (m.text ?? '').includes('The report in full.')),
      15_000,
    )
    await expect
      .poll(
        async () => {
          await page.reload()
          return page.locator('tr[data-job]').first().getAttribute('data-state')
        },
        { timeout: 10_000, interval: 300 },
      )
      .toBe('delivered')
    // The approval was announced in the chat as any admin's would be, and a second press finds it decided.
    expect(tg.botMessages(GROUP).map((m) => m.text ?? '')).toEqual(
      expect.arrayContaining([
        t('en', 'research.approved', { requester: 'Linus', admin: t('en', 'console.operator') }),
      ]),
    )
    expect(posts().filter((r) => r.body?.model === 'o3-deep-research')).toHaveLength(1)
    await shot('research')
  })

  test('a settings change from the page is what the next answer uses', async () => {
    await open('settings', '&scope=telegram:user:42')
    const form = page.getByRole('form', {
      name: t('en', 'console.settings.for', { scope: 'telegram:user:42' }),
    })
    await form.getByLabel(t('en', 'console.col.model')).selectOption('gpt-5')
    await form.getByRole('button', { name: t('en', 'console.settings.save') }).click()
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(t('en', 'console.done.settings', { scope: 'telegram:user:42' }))
    await shot('settings')

    e2e.responses.route = (req) =>
      sse(textEvents(`You asked with ${String(req.body?.model)}: ${promptOf(req.body)}`, 'resp_settings'))
    const { answer } = await askAndWait(e2e, { chat: CHAT, from: ADA, text: 'which model?' })
    e2e.responses.route = undefined
    expect(answer.text).toBe('You asked with gpt-5: which model?')
  })

  test('a person blocked from the page is refused in the chat with nothing sent upstream, and answered once unblocked', async () => {
    const tg = e2e.platform
    const bob = { id: 602, is_bot: false, first_name: 'Bob' }
    const chat = { id: bob.id, type: 'private' as const }
    await open('settings')
    await page.getByLabel(t('en', 'console.blocks.person')).fill('telegram:602')
    await page.getByRole('button', { name: t('en', 'console.blocks.block'), exact: true }).click()
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(t('en', 'console.done.blocked', { person: 'telegram:602' }))
    await shot('settings-blocked')

    const upstream = e2e.responses.requests.length
    tg.userSays({ chat, from: bob, text: 'hello?' })
    await tg.waitFor(() => tg.botMessages(chat).at(-1)?.text === t('en', 'policy.blocked'), 10_000)
    expect(e2e.responses.requests).toHaveLength(upstream)

    await page
      .getByRole('button', { name: t('en', 'console.blocks.unblock_label', { person: 'telegram:602' }) })
      .click()
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(t('en', 'console.done.unblocked', { person: 'telegram:602' }))
    e2e.responses.enqueue(sse(textEvents('Hello Bob.', 'resp_bob')))
    const { answer } = await askAndWait(e2e, { chat, from: bob, text: 'hello again' })
    expect(answer.text).toBe('Hello Bob.')
  })

  test('a budget changed on the page is the one the next ask meets, until it is given back', async () => {
    const tg = e2e.platform
    const cy = { id: 603, is_bot: false, first_name: 'Cy' }
    const chat = { id: cy.id, type: 'private' as const }
    await open('spend')
    const global = t('en', 'console.budget.global')
    await page.getByLabel(t('en', 'console.budget.cap_label', { budget: global })).fill('0.001')
    await page.getByRole('button', { name: t('en', 'console.budget.save_label', { budget: global }) }).click()
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(t('en', 'console.done.budget', { budget: global }))
    expect((await e2e.herald.running.services.budgets.caps()).global).toBe(0.001)

    const upstream = e2e.responses.requests.length
    tg.userSays({ chat, from: cy, text: 'one more?' })
    const refused = await tg.waitFor(() => tg.botMessages(chat).at(-1)?.text, 10_000)
    // The refusal everyone gets once the bot's cap is reached (its reset time aside).
    const whole = t('en', 'budget.refused.global')
    expect(refused).toContain(whole.slice(0, whole.indexOf('{resetsAt}')))
    expect(e2e.responses.requests).toHaveLength(upstream)

    await page
      .getByRole('button', { name: t('en', 'console.budget.reset_label', { budget: global }) })
      .click()
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe(t('en', 'console.done.budget_reset', { budget: global }))
    e2e.responses.enqueue(sse(textEvents('Here you are.', 'resp_cy')))
    const { answer } = await askAndWait(e2e, { chat, from: cy, text: 'and now?' })
    expect(answer.text).toBe('Here you are.')
  })

  test('every page, in English and Chinese, has no console errors and passes the accessibility check', async () => {
    await signIn()
    for (const lang of ['en', 'zh'] as const) {
      for (const name of PAGES) {
        await page.goto(`${base}/${name}?lang=${lang}`)
        await page.evaluate(axe.source)
        const violations = (await page.evaluate(`axe
          .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } })
          .then((r) => r.violations.map((v) => v.id + ': ' + JSON.stringify(v.nodes.map((n) => n.target))))`)) as string[]
        expect(violations, `${lang} ${name}`).toEqual([])
        // Keyboard: the first Tab reaches the skip link, the next the navigation, each with a visible outline.
        await page.keyboard.press('Tab')
        expect(await page.evaluate('document.activeElement.className')).toBe('skip')
        await page.keyboard.press('Tab')
        const focused = await page.evaluate(
          '({ tag: document.activeElement.tagName, outline: getComputedStyle(document.activeElement).outlineStyle })',
        )
        expect(focused).toEqual({ tag: 'A', outline: 'solid' })
        if (lang === 'zh')
          expect(await page.locator('h1').textContent()).toBe(t('zh', `console.page.${name}`))
        if (name === 'health') await shot(`health-${lang}`)
      }
    }
    expect(errors).toEqual([])
  })
})
