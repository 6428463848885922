import { describe, expect, test } from 'vitest'
import type { Usage } from '../../../src/core/responses/state.ts'
import { loadModels } from '../../../src/core/state/models.ts'
import {
  costMicroUsd,
  createUsageLedger,
  nextUtcMidnight,
  picturesMicroUsd,
  speechMicroUsd,
  transcriptionMicroUsd,
  utcDay,
  utcMonth,
} from '../../../src/core/state/usage.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

const models = loadModels()
const price = (id: string) => models.get(id)!.price

const usage = (input: number, cached: number, output: number, reasoning = 0): Usage => ({
  input_tokens: input,
  cached_input_tokens: cached,
  output_tokens: output,
  reasoning_tokens: reasoning,
  total_tokens: input + output,
})

describe('prices', () => {
  test('gpt-5-mini: cached input at the cached rate, reasoning inside output, searches per call', () => {
    // 234 × $0.25 + 1000 × $0.025 + 567 × $2 per 1M = 58.5 + 25 + 1134 = 1217.5 µUSD → 1218
    expect(costMicroUsd(price('gpt-5-mini'), usage(1234, 1000, 567))).toBe(1218)
    expect(costMicroUsd(price('gpt-5-mini'), usage(1234, 1000, 567, 400))).toBe(1218)
    // + 2 searches × $10 / 1000 = 20 000 µUSD
    expect(costMicroUsd(price('gpt-5-mini'), usage(1234, 1000, 567), 2)).toBe(21_218)
  })

  test('o3-deep-research run and a gpt-4o search', () => {
    // 80 000 × 10 + 20 000 × 2.5 + 30 000 × 40 + 15 × 10 000 = 800 000 + 50 000 + 1 200 000 + 150 000
    expect(costMicroUsd(price('o3-deep-research'), usage(100_000, 20_000, 30_000, 25_000), 15)).toBe(
      2_200_000,
    )
    // 1000 × 2.5 + 200 × 10 + 1 × 25 000
    expect(costMicroUsd(price('gpt-4o'), usage(1000, 0, 200), 1)).toBe(29_500)
  })

  test('pictures: the per-image price by size and quality, plus 100 image tokens per partial', () => {
    // gpt-image-1 medium 1024² $0.042 + 2 partials × 100 × $40 per 1M = 42 000 + 8 000
    expect(
      picturesMicroUsd(models, [{ model: 'gpt-image-1', size: '1024x1024', quality: 'medium', partials: 2 }]),
    ).toBe(50_000)
    // gpt-image-1.5 low landscape $0.013, and an unknown image model costs nothing
    expect(
      picturesMicroUsd(models, [
        { model: 'gpt-image-1.5', size: '1536x1024', quality: 'low' },
        { model: 'dall-e-9', size: '1024x1024', quality: 'low' },
      ]),
    ).toBe(13_000)
  })

  test('a voice note: seconds of audio at the transcription model’s price per minute', () => {
    // 90 s × $0.003 per minute = $0.0045
    expect(transcriptionMicroUsd(models, 'gpt-4o-mini-transcribe', 90)).toBe(4500)
    expect(transcriptionMicroUsd(models, 'whisper-1', 30)).toBe(3000)
    expect(transcriptionMicroUsd(models, 'unknown-transcribe', 30)).toBe(0)
  })

  test('a spoken answer: characters at the speech model’s price per 1M characters', () => {
    // 4096 characters × $15 per 1M = $0.06144
    expect(speechMicroUsd(models, 'gpt-4o-mini-tts', 4096)).toBe(61_440)
    expect(speechMicroUsd(models, 'unknown-tts', 4096)).toBe(0)
  })

  test('more cached than input never bills negative input', () => {
    expect(costMicroUsd(price('gpt-5'), usage(100, 150, 0))).toBe(13) // 100 × 0.125 = 12.5 → 13
  })

  test('UTC day and month keys and the next midnight', () => {
    const t = Date.UTC(2025, 2, 9, 23, 59, 59, 999)
    expect([utcDay(t), utcMonth(t)]).toEqual(['2025-03-09', '2025-03'])
    expect(nextUtcMidnight(t)).toBe(Date.UTC(2025, 2, 10))
    expect(nextUtcMidnight(Date.UTC(2025, 2, 10))).toBe(Date.UTC(2025, 2, 11))
  })
})

describe.each(BACKENDS)('usage ledger on %s', (backend) => {
  const fixture = storeFixture(backend)

  test('records per user, chat and globally, per UTC day and month', async () => {
    const clock = fakeClock(Date.UTC(2025, 2, 31, 23, 59, 0))
    const ledger = createUsageLedger({ store: await fixture.open(), models, clock })
    expect(ledger.priceOf('gpt-5-mini', usage(1234, 1000, 567))).toBe(0.001218)
    expect(
      await ledger.record({
        user: 'u1',
        chat: 'c1',
        model: 'gpt-5-mini',
        usage: usage(1234, 1000, 567),
        searches: 2,
      }),
    ).toEqual({
      microUsd: 21_218,
      usd: 0.021218,
      priced: true,
    })
    await ledger.record({ user: 'u1', chat: 'c2', model: 'gpt-4o', usage: usage(1000, 0, 200), searches: 1 })
    await clock.advance(60_000) // April 1st, a new day and a new month
    await ledger.record({
      user: 'u1',
      chat: 'c1',
      model: 'gpt-5-mini-2025-08-07',
      usage: usage(1234, 1000, 567),
    })

    expect(await ledger.totals({ kind: 'user', id: 'u1' }, 'day')).toEqual({
      microUsd: 1218,
      usd: 0.001218,
      requests: 1,
      inputTokens: 1234,
      outputTokens: 567,
      searches: 0,
    })
    const march = Date.UTC(2025, 2, 31, 12)
    expect(await ledger.totals({ kind: 'user', id: 'u1' }, 'month', march)).toEqual({
      microUsd: 50_718,
      usd: 0.050718,
      requests: 2,
      inputTokens: 2234,
      outputTokens: 767,
      searches: 3,
    })
    expect(await ledger.spentToday({ kind: 'chat', id: 'c1' }, march)).toBe(21_218)
    expect(await ledger.spentToday({ kind: 'chat', id: 'c2' }, march)).toBe(29_500)
    expect(await ledger.spentToday({ kind: 'global' }, march)).toBe(50_718)
    expect(await ledger.spentToday({ kind: 'global' })).toBe(1218)
  })

  test('an unknown model counts the request but no money', async () => {
    const ledger = createUsageLedger({ store: await fixture.open(), models })
    expect(ledger.priceOf('mystery', usage(10, 0, 10))).toBeUndefined()
    expect(await ledger.record({ user: 'u', chat: 'c', model: 'mystery', usage: usage(10, 0, 10) })).toEqual({
      microUsd: 0,
      usd: 0,
      priced: false,
    })
    expect((await ledger.totals({ kind: 'user', id: 'u' }, 'day')).requests).toBe(1)
  })

  test('research spend is counted apart and in the totals', async () => {
    const ledger = createUsageLedger({ store: await fixture.open(), models })
    await ledger.record({
      user: 'admin',
      chat: 'c',
      model: 'o3-deep-research',
      usage: usage(100_000, 20_000, 30_000),
      searches: 15,
      research: true,
    })
    await ledger.record({ user: 'admin', chat: 'c', model: 'gpt-5-mini', usage: usage(1234, 1000, 567) })
    expect(await ledger.spentToday({ kind: 'research' })).toBe(2_200_000)
    expect(await ledger.spentToday({ kind: 'global' })).toBe(2_201_218)
  })

  test('lists top spenders, highest first', async () => {
    const clock = fakeClock(Date.UTC(2025, 5, 1, 10))
    const ledger = createUsageLedger({ store: await fixture.open(), models, clock })
    await ledger.record({ user: 'small', chat: 'c', model: 'gpt-5-nano', usage: usage(1000, 0, 1000) })
    await ledger.record({ user: 'big', chat: 'c', model: 'gpt-5', usage: usage(1000, 0, 1000) })
    await ledger.record({ user: 'mid', chat: 'c', model: 'gpt-5-mini', usage: usage(1000, 0, 1000) })
    await ledger.record({ user: 'mid', chat: 'c', model: 'gpt-5-mini', usage: usage(1000, 0, 1000) })
    expect(await ledger.topSpenders('day', 2)).toEqual([
      { user: 'big', microUsd: 11_250, usd: 0.01125, requests: 1 },
      { user: 'mid', microUsd: 4500, usd: 0.0045, requests: 2 },
    ])
    await clock.advance(86_400_000)
    expect(await ledger.topSpenders('day')).toEqual([])
    expect((await ledger.topSpenders('month')).map((s) => s.user)).toEqual(['big', 'mid', 'small'])
  })

  test('splits each day by model and platform, with research apart, and ranks chats', async () => {
    const clock = fakeClock(Date.UTC(2025, 5, 1, 10))
    const ledger = createUsageLedger({ store: await fixture.open(), models, clock })
    await ledger.record({
      user: 'telegram:1',
      chat: 'telegram:-5',
      model: 'gpt-5',
      usage: usage(1000, 0, 1000),
    })
    await clock.advance(86_400_000)
    await ledger.record({
      user: 'telegram:1',
      chat: 'telegram:-5',
      model: 'gpt-5-mini',
      usage: usage(1000, 0, 1000),
    })
    await ledger.record({
      user: 'discord:2',
      chat: 'discord:9',
      model: 'gpt-5-mini',
      usage: usage(1000, 0, 1000),
    })
    await ledger.record({
      user: 'discord:2',
      chat: 'discord:9',
      model: 'o3-deep-research',
      usage: usage(100_000, 20_000, 30_000),
      searches: 15,
      research: true,
    })
    expect(await ledger.daily(3)).toEqual([
      { day: '2025-05-31', usd: 0, researchUsd: 0, byModel: {}, byPlatform: {} },
      {
        day: '2025-06-01',
        usd: 0.01125,
        researchUsd: 0,
        byModel: { 'gpt-5': 0.01125 },
        byPlatform: { telegram: 0.01125 },
      },
      {
        day: '2025-06-02',
        usd: 2.2045,
        researchUsd: 2.2,
        byModel: { 'gpt-5-mini': 0.0045, 'o3-deep-research': 2.2 },
        byPlatform: { discord: 2.20225, telegram: 0.00225 },
      },
    ])
    expect(await ledger.topChats('day')).toEqual([
      { chat: 'discord:9', microUsd: 2_202_250, usd: 2.20225, requests: 2 },
      { chat: 'telegram:-5', microUsd: 2250, usd: 0.00225, requests: 1 },
    ])
  })
})
