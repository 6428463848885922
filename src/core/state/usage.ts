import { type Clock, systemClock } from '../contracts/clock.ts'
import type { Usage } from '../responses/state.ts'
import type { Store } from '../store/store.ts'
import { imagePriceUsd, type ModelPrice, type ModelRegistry } from './models.ts'

/**
 * What answers cost: tokens × the registry's prices, recorded per user, chat and globally, per UTC
 * day and month. Money is kept in integer micro-dollars (1 USD = 1,000,000 µUSD), rounded once per
 * request, so totals added up by many processes never drift.
 *
 * @example
 *   const ledger = createUsageLedger({ store, models })
 *   await ledger.record({ user: 'tg:42', chat: 'tg:-100', model: 'gpt-5-mini', usage, searches: 1 })
 *   (await ledger.totals({ kind: 'user', id: 'tg:42' }, 'day')).usd
 */

export const MICRO_USD_PER_USD = 1_000_000
const DAY_MS = 86_400_000
const DAY_TTL_MS = 40 * DAY_MS
const MONTH_TTL_MS = 400 * DAY_MS

/**
 * Cost in micro-dollars. Cached input tokens (part of `input_tokens`) are billed at `cachedInput`,
 * the rest of the input at `input`; reasoning tokens are already inside `output_tokens`, so they
 * are not added again. A price per 1M tokens times a token count is exactly micro-dollars.
 */
export function costMicroUsd(price: ModelPrice, usage: Usage, webSearchCalls = 0): number {
  const count = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0)
  const input = count(usage.input_tokens)
  const cached = Math.min(count(usage.cached_input_tokens), input)
  const micro =
    (input - cached) * price.input +
    cached * price.cachedInput +
    count(usage.output_tokens) * price.output +
    count(webSearchCalls) * price.webSearchPer1k * 1000
  return Math.round(micro)
}

/** A picture the hosted image tool drew: priced by its image model, size and quality. */
export interface PictureCharge {
  model: string
  size?: string | undefined
  quality?: string | undefined
  /** Partial images streamed before it: each adds 100 image-output tokens. */
  partials?: number
}

export const PARTIAL_IMAGE_TOKENS = 100

/** Micro-dollars for the pictures of one answer; a model the registry does not know costs 0. */
export function picturesMicroUsd(models: ModelRegistry, pictures: readonly PictureCharge[]): number {
  let micro = 0
  for (const picture of pictures) {
    const info = models.get(picture.model)
    if (!info) continue
    micro += imagePriceUsd(info, picture.size, picture.quality) * MICRO_USD_PER_USD
    micro += Math.max(0, picture.partials ?? 0) * PARTIAL_IMAGE_TOKENS * info.price.output
  }
  return Math.round(micro)
}

/** Micro-dollars for transcribing `seconds` of audio with a transcription model (0 for one it does not know). */
export function transcriptionMicroUsd(models: ModelRegistry, model: string, seconds: number): number {
  const perMinute = models.get(model)?.price.perMinute ?? 0
  return Math.round((Math.max(0, seconds) / 60) * perMinute * MICRO_USD_PER_USD)
}

/** Micro-dollars for speaking `chars` characters with a speech model (0 for one it does not know). */
export function speechMicroUsd(models: ModelRegistry, model: string, chars: number): number {
  const perMillion = models.get(model)?.price.perMillionChars ?? 0
  return Math.round((Math.max(0, chars) / 1_000_000) * perMillion * MICRO_USD_PER_USD)
}

/** `2025-03-09` for a time in ms, in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** `2025-03` for a time in ms, in UTC. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7)
}

/** The next UTC midnight after `ms`: when daily totals start again. */
export function nextUtcMidnight(ms: number): number {
  return (Math.floor(ms / DAY_MS) + 1) * DAY_MS
}

export type UsageScope =
  | { kind: 'user'; id: string }
  | { kind: 'chat'; id: string }
  | { kind: 'global' }
  /** Deep research only (also counted in the user, chat and global totals). */
  | { kind: 'research' }
  /** By the model the request named, and by platform (the chat key's first part): dollars per UTC day only. */
  | { kind: 'model'; id: string }
  | { kind: 'platform'; id: string }

export type UsagePeriod = 'day' | 'month'

export interface UsageTotals {
  microUsd: number
  usd: number
  requests: number
  inputTokens: number
  outputTokens: number
  searches: number
}

export interface UsageRecord {
  user: string
  chat: string
  /** The model the request named (a dated snapshot finds its base price). */
  model: string
  usage: Usage
  /** Web-search calls made by the answer. */
  searches?: number
  /** Pictures the image tool drew for the answer (priced apart from the tokens). */
  pictures?: readonly PictureCharge[]
  /** A voice note transcribed for the answer: priced per minute of audio. */
  transcription?: { model: string; seconds: number }
  /** An answer spoken as a voice message: priced per character of text. */
  speech?: { model: string; chars: number }
  /** When it happened (ms); defaults to now. */
  at?: number
  /** A deep-research run: also counted against the research budget. */
  research?: boolean
}

export interface RecordedCost {
  microUsd: number
  usd: number
  /** False when the model has no price in the registry: the tokens are counted, the money is 0. */
  priced: boolean
}

export interface Spender {
  user: string
  microUsd: number
  usd: number
  requests: number
}

export interface Chat {
  chat: string
  microUsd: number
  usd: number
  requests: number
}

/** One UTC day's spend, split by model and by platform (the console's charts). */
export interface DaySpend {
  day: string
  usd: number
  researchUsd: number
  byModel: Record<string, number>
  byPlatform: Record<string, number>
}

export interface UsageLedger {
  /** USD for one answer, undefined for a model the registry does not know. */
  priceOf(model: string, usage: Usage, webSearchCalls?: number): number | undefined
  record(entry: UsageRecord): Promise<RecordedCost>
  totals(scope: UsageScope, period: UsagePeriod, at?: number): Promise<UsageTotals>
  /** Micro-dollars spent in the scope on the UTC day of `at` (now by default): what budgets read. */
  spentToday(scope: UsageScope, at?: number): Promise<number>
  /** Users by spend, highest first (admin view). */
  topSpenders(period: UsagePeriod, limit?: number, at?: number): Promise<Spender[]>
  /** Chats by spend, highest first (admin view). */
  topChats(period: UsagePeriod, limit?: number, at?: number): Promise<Chat[]>
  /** The last `days` UTC days up to the day of `at`, oldest first. */
  daily(days: number, at?: number): Promise<DaySpend[]>
}

export interface UsageLedgerOptions {
  store: Store
  models: ModelRegistry
  clock?: Clock
}

const FIELDS = ['usd', 'req', 'in', 'out', 'search'] as const
type Field = (typeof FIELDS)[number]

function periodKey(period: UsagePeriod, at: number): string {
  return period === 'day' ? `d:${utcDay(at)}` : `m:${utcMonth(at)}`
}

function scopeKey(scope: UsageScope): string {
  switch (scope.kind) {
    case 'user':
      return `u:${scope.id}`
    case 'chat':
      return `c:${scope.id}`
    case 'global':
      return 'g'
    case 'research':
      return 'r'
    case 'model':
      return `m:${scope.id}`
    case 'platform':
      return `p:${scope.id}`
  }
}

// Period and field come first and the id last, so no id can make two keys collide.
const counterKey = (period: string, field: Field, scope: UsageScope) =>
  `usage:${period}:${field}:${scopeKey(scope)}`
const spendersKey = (period: string) => `usage:${period}:users`
const setKey = (period: string, of: 'chats' | 'models' | 'platforms') => `usage:${period}:${of}`
const platformOf = (chat: string) => chat.split(':')[0] ?? chat

export function createUsageLedger(opts: UsageLedgerOptions): UsageLedger {
  const { store, models } = opts
  const clock = opts.clock ?? systemClock

  const totals = async (scope: UsageScope, period: UsagePeriod, at = clock.now()): Promise<UsageTotals> => {
    const p = periodKey(period, at)
    const [usd, req, input, output, search] = await Promise.all(
      FIELDS.map((field) => store.counter(counterKey(p, field, scope))),
    )
    return {
      microUsd: usd ?? 0,
      usd: (usd ?? 0) / MICRO_USD_PER_USD,
      requests: req ?? 0,
      inputTokens: input ?? 0,
      outputTokens: output ?? 0,
      searches: search ?? 0,
    }
  }

  /** The people or chats of a period, highest spend first (ties by id), with their requests. */
  const ranked = async (p: string, ids: string[], kind: 'user' | 'chat', limit: number) => {
    const rows = await Promise.all(
      ids.map(async (id) => {
        const scope: UsageScope = { kind, id }
        const [microUsd, requests] = await Promise.all([
          store.counter(counterKey(p, 'usd', scope)),
          store.counter(counterKey(p, 'req', scope)),
        ])
        return { id, microUsd, usd: microUsd / MICRO_USD_PER_USD, requests }
      }),
    )
    rows.sort((a, b) => b.microUsd - a.microUsd || a.id.localeCompare(b.id))
    return rows.slice(0, limit)
  }

  return {
    priceOf(model, usage, webSearchCalls = 0) {
      const info = models.get(model)
      return info ? costMicroUsd(info.price, usage, webSearchCalls) / MICRO_USD_PER_USD : undefined
    },

    async record(entry) {
      const at = entry.at ?? clock.now()
      const info = models.get(entry.model)
      const searches = entry.searches ?? 0
      const microUsd =
        (info ? costMicroUsd(info.price, entry.usage, searches) : 0) +
        picturesMicroUsd(models, entry.pictures ?? []) +
        (entry.transcription
          ? transcriptionMicroUsd(models, entry.transcription.model, entry.transcription.seconds)
          : 0) +
        (entry.speech ? speechMicroUsd(models, entry.speech.model, entry.speech.chars) : 0)
      const amounts: Record<Field, number> = {
        usd: microUsd,
        req: 1,
        in: Math.max(0, Math.round(entry.usage.input_tokens || 0)),
        out: Math.max(0, Math.round(entry.usage.output_tokens || 0)),
        search: Math.max(0, Math.round(searches)),
      }
      const scopes: UsageScope[] = [
        { kind: 'user', id: entry.user },
        { kind: 'chat', id: entry.chat },
        { kind: 'global' },
      ]
      if (entry.research) scopes.push({ kind: 'research' })
      const writes: Promise<unknown>[] = []
      for (const period of ['day', 'month'] as const) {
        const p = periodKey(period, at)
        const ttl = period === 'day' ? DAY_TTL_MS : MONTH_TTL_MS
        for (const scope of scopes) {
          for (const field of FIELDS) {
            if (amounts[field] !== 0)
              writes.push(store.incrBy(counterKey(p, field, scope), amounts[field], ttl))
          }
        }
        writes.push(
          store.addToSet(spendersKey(p), entry.user, ttl),
          store.addToSet(setKey(p, 'chats'), entry.chat, ttl),
        )
      }
      // The split by model and platform is read per day only (the console's charts): dollars alone.
      const day = periodKey('day', at)
      const platform = platformOf(entry.chat)
      for (const scope of [
        { kind: 'model', id: entry.model },
        { kind: 'platform', id: platform },
      ] as const) {
        if (microUsd !== 0) writes.push(store.incrBy(counterKey(day, 'usd', scope), microUsd, DAY_TTL_MS))
      }
      writes.push(
        store.addToSet(setKey(day, 'models'), entry.model, DAY_TTL_MS),
        store.addToSet(setKey(day, 'platforms'), platform, DAY_TTL_MS),
      )
      await Promise.all(writes)
      return { microUsd, usd: microUsd / MICRO_USD_PER_USD, priced: info !== undefined }
    },

    totals,

    async spentToday(scope, at = clock.now()) {
      return store.counter(counterKey(periodKey('day', at), 'usd', scope))
    },

    async topSpenders(period, limit = 10, at = clock.now()) {
      const p = periodKey(period, at)
      const rows = await ranked(p, await store.members(spendersKey(p)), 'user', limit)
      return rows.map(({ id, ...row }) => ({ user: id, ...row }))
    },

    async topChats(period, limit = 10, at = clock.now()) {
      const p = periodKey(period, at)
      const rows = await ranked(p, await store.members(setKey(p, 'chats')), 'chat', limit)
      return rows.map(({ id, ...row }) => ({ chat: id, ...row }))
    },

    async daily(days, at = clock.now()) {
      const usd = async (p: string, scope: UsageScope) =>
        (await store.counter(counterKey(p, 'usd', scope))) / MICRO_USD_PER_USD
      const split = async (p: string, of: 'models' | 'platforms', kind: 'model' | 'platform') => {
        const ids = (await store.members(setKey(p, of))).sort()
        const amounts = await Promise.all(ids.map((id) => usd(p, { kind, id })))
        return Object.fromEntries(ids.map((id, i) => [id, amounts[i] ?? 0]))
      }
      const result: DaySpend[] = []
      for (let back = days - 1; back >= 0; back--) {
        const dayAt = at - back * DAY_MS
        const p = periodKey('day', dayAt)
        const [total, research, byModel, byPlatform] = await Promise.all([
          usd(p, { kind: 'global' }),
          usd(p, { kind: 'research' }),
          split(p, 'models', 'model'),
          split(p, 'platforms', 'platform'),
        ])
        result.push({ day: utcDay(dayAt), usd: total, researchUsd: research, byModel, byPlatform })
      }
      return result
    },
  }
}
