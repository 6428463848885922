/**
 * `npm run bench:i18n`: what formatting Herald's words per reader costs. A live answer renders its
 * status line, Stop button and cost line on every edit, so `t()` with numbers, money and times runs
 * often. Compared in one run: the table's `t()` (Intl formatters built once per language) and the
 * same sentences with formatters built on every call (the naive way). Writes
 * bench/results/i18n.json with ns per call and the ratio.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Language, type MessageKey, t, usd, wording } from '../src/core/i18n/i18n.ts'

const CALLS = 200_000
const at = new Date(Date.UTC(2026, 11, 5))

/** The sentences a live answer and a refusal fill most: a number, money, a time. */
const CASES: Array<{ key: MessageKey; params: Record<string, number | Date | { usd: number }> }> = [
  { key: 'queue.position', params: { position: 3 } },
  { key: 'usage.line', params: { today: usd(0.42), month: usd(12.5) } },
  { key: 'budget.refused.user', params: { resetsAt: at } },
]

const locales: Record<Language, string> = { en: 'en-US', zh: 'zh-CN' }

/** The same output, building each Intl formatter on the call. */
function naive(lang: Language, key: MessageKey, params: Record<string, number | Date | { usd: number }>) {
  return wording[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name]
    if (value === undefined) return whole
    if (typeof value === 'number') return new Intl.NumberFormat(locales[lang]).format(value)
    if (value instanceof Date) {
      return new Intl.DateTimeFormat(locales[lang], {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: 'UTC',
        timeZoneName: 'short',
      }).format(value)
    }
    return new Intl.NumberFormat(locales[lang], {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    }).format(value.usd)
  })
}

function nsPerCall(fill: (lang: Language, key: MessageKey, params: never) => string): number {
  const langs: Language[] = ['en', 'zh']
  let sink = 0
  const started = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) {
    const c = CASES[i % CASES.length]!
    sink += fill(langs[i & 1]!, c.key, c.params as never).length
  }
  const ns = Number(process.hrtime.bigint() - started) / CALLS
  if (sink === 0) throw new Error('nothing rendered')
  return ns
}

// Warm up every path once, then measure each (interleaved twice; the better run of each counts).
for (const fill of [t, naive]) nsPerCall(fill as never)
const runs = { table: [] as number[], naive: [] as number[] }
for (let round = 0; round < 2; round++) {
  runs.table.push(nsPerCall(t as never))
  runs.naive.push(nsPerCall(naive as never))
}
const best = (xs: number[]) => Math.min(...xs)
const result = {
  calls: CALLS,
  nsPerCall: { table: best(runs.table), naive: best(runs.naive) },
  ratios: { naiveOverTable: best(runs.naive) / best(runs.table) },
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'i18n.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
