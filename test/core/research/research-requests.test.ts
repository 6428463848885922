import { describe, expect, test } from 'vitest'
import {
  ada,
  bob,
  bobChat,
  cy,
  dee,
  group,
  requestIdOf,
  researchRun,
  START,
  textOf,
  useResearchHarness,
} from './research-harness.ts'

const question = 'Which heat pumps work best below -20 °C?'

describe('who may start research', () => {
  const h = useResearchHarness()

  test('a member in a private chat is refused and nothing is sent', async () => {
    await h.command(bob, bobChat, question)
    expect(h.notices.map((n) => [n.markdown, n.buttons])).toEqual([['Deep research is for admins only.', []]])
    expect(h.fake.requests).toEqual([])
    expect(await h.services.store.keys('research-requests')).toEqual([])
  })

  test('a member in a group gets a request card that admins approve; the request then runs', async () => {
    h.fake.enqueue({ kind: 'background', events: researchRun('resp_a').events })
    await h.command(bob, group, question)
    const card = h.notices[0]!
    const id = requestIdOf(card)
    expect(card.markdown).toBe(
      [
        '**Research request** from Bob',
        `> ${question}`,
        'Model: **o3-deep-research** · searches: up to 40',
        'Estimated cost: **$1.50–$24.40**',
        'An admin can approve or decline it. It expires in 60 min.',
      ].join('\n'),
    )
    expect(card.buttons.map((b) => b.data)).toEqual([`rs:a:${id}`, `rs:d:${id}`])
    expect(h.fake.requests).toEqual([])

    const byMember = await h.press(dee, group, `rs:a:${id}`, card.ref)
    expect(byMember.answers).toEqual(['Only admins can approve or decline research requests.'])
    const byRequester = await h.press(bob, group, `rs:a:${id}`, card.ref)
    expect(byRequester.answers).toEqual(['Only admins can approve or decline research requests.'])
    expect(h.fake.requests).toEqual([])

    const approved = await h.press(ada, group, `rs:a:${id}`, card.ref)
    expect(approved.answers).toEqual([undefined])
    expect(approved.notices.map((n) => n.markdown)).toEqual([
      'Bob: your research request was approved by Ada.',
    ])
    await h.until(() => h.posts() === 1, 'the research request')
    await h.until(async () => (await h.job(id))?.responseId === 'resp_a', 'the response id')
    expect(await h.job(id)).toMatchObject({
      requester: { key: 'telegram:2' },
      approver: { key: 'telegram:1' },
    })
    h.fake.finishBackground('resp_a')
    await h.until(async () => (await h.job(id))?.status === 'delivered', 'the delivery')
    expect(textOf(h.surface(group), card.ref)).toBe(
      `Research request from Bob\n│ ${question}\nApproved by Ada: the research is starting (progress below).`,
    )
    // Charged to the admin who approved it.
    expect((await h.services.usage.totals({ kind: 'user', id: 'telegram:1' }, 'day')).usd).toBe(2.83)
    expect((await h.services.budgets.checkResearch('telegram:1', 0)).runsToday).toBe(1)

    const again = await h.press(cy, group, `rs:a:${id}`, card.ref)
    expect(again.answers).toEqual(['This request was already handled.'])
    expect(h.posts()).toBe(1)
  })

  test('a declined request sends nothing and tells the requester', async () => {
    await h.command(bob, group, question)
    const card = h.notices[0]!
    const id = requestIdOf(card)
    const declined = await h.press(ada, group, `rs:d:${id}`, card.ref)
    expect(declined.notices.map((n) => n.markdown)).toEqual([
      'Bob: your research request was declined by Ada.',
    ])
    await h.until(() => textOf(h.surface(group), card.ref).endsWith('Declined by Ada.'), 'the card edit')
    expect(h.surface(group).messages.find((m) => m.ref.id === card.ref.id)?.buttons).toEqual([])
    const late = await h.press(cy, group, `rs:a:${id}`, card.ref)
    expect(late.answers).toEqual(['This request was already handled.'])
    await h.clock.advance(60_000)
    expect(h.fake.requests).toEqual([])
  })

  test('a request pressed after it expired is marked expired and sends nothing', async () => {
    await h.command(bob, group, question)
    const card = h.notices[0]!
    await h.clock.advance(60 * 60_000)
    const late = await h.press(ada, group, `rs:a:${requestIdOf(card)}`, card.ref)
    expect(late.answers).toEqual(['This research request expired.'])
    await h.until(
      () => textOf(h.surface(group), card.ref).endsWith('This research request expired.'),
      'the card edit',
    )
    expect(h.fake.requests).toEqual([])
  })

  test('the sweep marks cards nobody decided in time', async () => {
    await h.command(bob, group, question)
    const card = h.notices[0]!
    expect(await h.research.resumeAll()).toBe(0)
    await h.until(
      () => textOf(h.surface(group), card.ref).endsWith('This research request expired.'),
      'the sweep',
      60_000,
    )
    expect(h.clock.now()).toBeGreaterThanOrEqual(START + 60 * 60_000)
    expect(await h.services.store.keys('research-requests')).toEqual([])
    expect(h.fake.requests).toEqual([])
  })

  test('only the requester can confirm or cancel their card', async () => {
    await h.command(ada, group, question)
    const card = h.notices[0]!
    const id = requestIdOf(card)
    for (const data of [`rs:c:${id}`, `rs:x:${id}`]) {
      const other = await h.press(cy, group, data, card.ref)
      expect(other.answers).toEqual(['Only Ada can confirm or cancel this.'])
    }
    const cancelled = await h.press(ada, group, `rs:x:${id}`, card.ref)
    expect(cancelled.answers).toEqual([undefined])
    await h.until(
      () => textOf(h.surface(group), card.ref).endsWith('Cancelled by Ada; nothing was sent.'),
      'the card edit',
    )
    expect((await h.press(ada, group, `rs:c:${id}`, card.ref)).answers).toEqual([
      'This request was already handled.',
    ])
    expect(h.fake.requests).toEqual([])
  })

  test('a confirm card expires after its time', async () => {
    await h.command(ada, group, question)
    const card = h.notices[0]!
    await h.clock.advance(10 * 60_000)
    expect((await h.press(ada, group, `rs:c:${requestIdOf(card)}`, card.ref)).answers).toEqual([
      'This research request expired.',
    ])
    expect(h.fake.requests).toEqual([])
  })

  test('an unknown model and an empty question are refused', async () => {
    await h.command(ada, group, question, 'gpt-5')
    await h.command(ada, group, '   ')
    expect(h.notices.map((n) => n.markdown)).toEqual([
      '“gpt-5” is not a research model here. Choose one of: o3-deep-research, o4-mini-deep-research',
      'Please write a research question after the command.',
    ])
  })

  test('the smaller model is estimated from its own prices', async () => {
    await h.command(ada, group, question, 'o4-mini-deep-research')
    expect(h.notices[0]?.markdown).toContain('Model: **o4-mini-deep-research** · searches: up to 40')
    // 100k × $2 + 10k × $8 + 10 searches = $0.38; 2M × $2 + 100k × $8 + 40 searches = $5.20
    expect(h.notices[0]?.markdown).toContain('Estimated cost: **$0.38–$5.20**')
  })
})

describe('research budgets', () => {
  const h = useResearchHarness({ env: { RESEARCH_DAILY_BUDGET_USD: '20', RESEARCH_DAILY_PER_ADMIN: '1' } })

  test('a run that may not fit in today’s budget is refused before a card is shown', async () => {
    await h.command(ada, group, 'Everything about batteries')
    expect(h.notices.map((n) => [n.markdown, n.buttons])).toEqual([
      [
        'Research refused: the daily research budget would be exceeded ($0.00 spent of $20.00; this run may cost up to $24.40). It resets at Apr 11, 00:00 UTC.',
        [],
      ],
    ])
    expect(h.fake.requests).toEqual([])
  })

  test('an admin past the daily count is refused at confirm, and the card says why', async () => {
    await h.command(ada, group, 'Everything about batteries', 'o4-mini-deep-research')
    const card = h.notices[0]!
    expect(card.markdown).toContain('Research today: $0.00 spent · $20.00 left of $20.00')
    // Another run took today's only slot meanwhile.
    expect(await h.services.budgets.reserveResearch('telegram:1', 1)).toMatchObject({ ok: true })
    const pressed = await h.press(ada, group, `rs:c:${requestIdOf(card)}`, card.ref)
    const line =
      'Research refused: Ada has reached the daily limit of research runs (1). It resets at Apr 11, 00:00 UTC.'
    expect(pressed.answers).toEqual([line])
    await h.until(() => textOf(h.surface(group), card.ref).endsWith(line), 'the card edit')
    expect(h.fake.requests).toEqual([])
  })
})
