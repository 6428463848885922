import { mkdirSync, writeFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import type { ErrorKind } from '../../../src/core/contracts/errors.ts'
import {
  formatDateTime,
  formatParam,
  LANGUAGES,
  type Language,
  languageOf,
  type MessageKey,
  type Params,
  parseLanguage,
  type Translate,
  translator,
  usd,
  wording,
} from '../../../src/core/i18n/i18n.ts'

const KEYS = Object.keys(wording.en).sort() as MessageKey[]
const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

const ERROR_KINDS: ErrorKind[] = [
  'bad_request',
  'auth',
  'permission',
  'not_found',
  'not_found_base_url',
  'rate_limited',
  'quota',
  'server',
  'overloaded',
  'timeout',
  'network',
  'stream',
  'aborted',
  'config',
  'surface',
  'surface_rate_limited',
  'gone',
  'input',
  'policy',
]

/** Values as the code fills them in, in the reader's language where the code translates them too. */
function samples(t: Translate): Params {
  return {
    model: 'gpt-5',
    base: 'https://relay.example/v1',
    usd: usd(0.0105),
    tokens: 16,
    tool: 'web_search_preview',
    detail: 'ECONNREFUSED',
    effort: 'high',
    search: t('settings.on'),
    reasoning: t('settings.off'),
    pictures: t('settings.on'),
    voice: t('settings.off'),
    models: 'gpt-5, gpt-5-mini',
    allowed: 'low, medium, high',
    who: 'Ada',
    today: usd(0.42),
    month: usd(12.5),
    rank: 1,
    name: 'Ada',
    id: 'telegram:42',
    scope: 'telegram:chat:-1001234567',
    person: 'Ada',
    answers: 2,
    estimate: '$1.50–$24.40',
    spent: usd(3.2),
    requests: 1234,
    position: 3,
    seconds: 30,
    length: 9000,
    max: 8000,
    size: 12.5,
    mime: 'application/pdf',
    resetsAt: new Date(Date.UTC(2026, 11, 5)),
    error: t('errors.server'),
    message: t('errors.rate_limited'),
    reason: 'max_output_tokens',
    query: 'solar cell efficiency 2026',
    uptime: t('duration.hours', { h: 3, m: 5 }),
    active: 2,
    queued: 0,
    research: 1,
    store: t('status.up', { name: 'sqlite' }),
    platforms: [t('status.up', { name: 'telegram' }), t('status.down', { name: 'discord' })],
    low: usd(1.5),
    high: usd(24.4),
    cap: usd(50),
    left: usd(46.8),
    searches: 37,
    minutes: 10,
    admin: 'Grace',
    requester: 'Ada',
    elapsed: t('duration.minutes', { n: 12 }),
    cost: usd(3.41),
    count: 3,
    queries: '“perovskite tandem”, “silicon record”',
    status: t('research.status_running'),
    why: t('research.why_dropped'),
    runs: 5,
    n: 5,
    h: 1,
    m: 5,
    language: t(`language.name.${t.lang}`),
    command: 'colour',
    question: 'How efficient are the best solar cells today?',
    date: formatDateTime(t.lang, new Date(Date.UTC(2026, 11, 5, 9, 30))),
    line: t('research.finished', {
      elapsed: t('duration.minutes', { n: 12 }),
      searches: 37,
      cost: usd(3.41),
    }),
    option: 'effort',
    budget: t('console.budget.global'),
    env: usd(20),
    choices: ['minimal', 'low', 'medium', 'high'],
  }
}

/** Keys whose sample differs from the shared table (a tool's name, not a person's). */
const OVERRIDES: Partial<Record<MessageKey, Params>> = {
  'status.calling': { name: 'calculate' },
  'status.up': { name: 'telegram' },
  'status.down': { name: 'discord' },
  'limits.image_too_large': { size: 12.5, max: 10 },
  'settings.model_unknown': { allowed: 'gpt-5, gpt-5-mini' },
}

function render(lang: Language): Array<[string, string]> {
  const t = translator(lang)
  const base = samples(t)
  const rows: Array<[string, string]> = KEYS.map((key) => [key, t(key, { ...base, ...OVERRIDES[key] })])
  // Sentences the code composes from two keys: every error kind inside the lines that carry one.
  for (const kind of ERROR_KINDS) {
    const line = t(`errors.${kind}`)
    rows.push([`reason.failed ← errors.${kind}`, t('reason.failed', { message: line })])
    rows.push([`research.start_failed ← errors.${kind}`, t('research.start_failed', { error: line })])
  }
  for (const why of KEYS.filter((k) => k.startsWith('research.why_'))) {
    rows.push([`research.interrupted ← ${why}`, t('research.interrupted', { ...base, why: t(why) })])
  }
  for (const key of KEYS.filter((k) => k.startsWith('args.'))) {
    rows.push([`input.bad_args ← ${key}`, t('input.bad_args', { error: t(key, base) })])
  }
  for (const on of ['settings.on', 'settings.off'] as const) {
    rows.push([`settings.search_set ← ${on}`, t('settings.search_set', { search: t(on) })])
  }
  for (const other of LANGUAGES) {
    rows.push([`language.set ← ${other}`, t('language.set', { language: t(`language.name.${other}`) })])
  }
  return rows
}

describe('the wording table', () => {
  test('every English key has its Chinese counterpart and the other way round, none empty', () => {
    expect(Object.keys(wording.zh).sort()).toEqual(KEYS)
    for (const lang of LANGUAGES) {
      expect(KEYS.filter((key) => wording[lang][key].trim() === '')).toEqual([])
    }
  })

  test('both languages fill the same placeholders in every key', () => {
    const differ = KEYS.filter(
      (key) => placeholders(wording.en[key]).join() !== placeholders(wording.zh[key]).join(),
    )
    expect(differ).toEqual([])
  })

  test('every error kind has its line', () => {
    expect(ERROR_KINDS.filter((kind) => !(`errors.${kind}` in wording.en))).toEqual([])
  })

  test('every key, filled with sample values, reads as a finished sentence (output in test-results/)', () => {
    mkdirSync('test-results', { recursive: true })
    const out: string[] = ['# Herald’s words, rendered with sample values', '']
    const found: Array<{ key: string; lang: Language; text: string; problems: unknown[] }> = []
    for (const lang of LANGUAGES) {
      const rows = render(lang)
      out.push(`## ${lang}`, '')
      for (const [key, text] of rows) out.push(`- \`${key}\`: ${text.replace(/\n/g, '\n  ')}`)
      out.push('')
      for (const [key, text] of rows) {
        const problems = [
          /\{\w+\}/.test(text) && 'a placeholder left',
          /undefined|NaN|\[object Object\]|Invalid Date/.test(text) && 'a value not filled in',
          /\bthe (your|my|this|our)\b/i.test(text) && 'an article before a possessive',
          /\b(\w+) \1\b/i.test(text) && 'a doubled word',
          / [.,;:!?](\s|$)/.test(text) && 'a space before punctuation',
          lang === 'zh' && /[\u4e00-\u9fff][,;!?]/.test(text) && 'ASCII punctuation in Chinese',
          lang === 'zh' && /[\u4e00-\u9fff]\.(\s|$)/.test(text) && 'an ASCII full stop in Chinese',
          lang === 'zh' && /[。，；：] /.test(text) && 'a space after Chinese punctuation',
        ].filter(Boolean)
        if (problems.length > 0) found.push({ key, lang, text, problems })
      }
    }
    writeFileSync('test-results/i18n-rendered.md', out.join('\n'))
    expect(found).toEqual([])
  })
})

describe('formatting for the reader', () => {
  test('numbers, money and times follow the language; times are UTC and say so', () => {
    const at = new Date(Date.UTC(2026, 11, 5, 0, 0))
    expect(['en', 'zh'].map((lang) => formatParam(lang as Language, 12345.5))).toEqual([
      '12,345.5',
      '12,345.5',
    ])
    expect(formatParam('en', usd(1.5))).toBe('$1.50')
    expect(formatParam('zh', usd(1.5))).toBe('US$1.50')
    expect(formatParam('en', usd(0.0042))).toBe('$0.0042')
    expect(formatParam('en', at)).toBe('Dec 5, 00:00 UTC')
    expect(formatParam('zh', at)).toBe('12月5日 UTC 00:00')
    expect([formatDateTime('en', at), formatDateTime('zh', at)]).toEqual([
      'Dec 5, 2026, 00:00 UTC',
      '2026年12月5日 UTC 00:00',
    ])
  })

  test('a budget refusal reads as a sentence for every scope', () => {
    const resetsAt = new Date(Date.UTC(2026, 11, 5))
    const t = translator('en')
    expect(t('budget.refused.user', { resetsAt })).toBe(
      'Your daily budget is used up. It resets at Dec 5, 00:00 UTC.',
    )
    expect(translator('zh')('budget.refused.chat', { resetsAt })).toBe(
      '本聊天的今日预算已用完，将于 12月5日 UTC 00:00 重置。',
    )
  })
})

describe('whose language', () => {
  test('platform tags map to the languages Herald speaks', () => {
    const tags = ['zh-hans', 'zh-CN', 'zh_TW.UTF-8', 'en', 'en-GB', 'en_US.UTF-8', 'fr', 'C', '', undefined]
    expect(tags.map(parseLanguage)).toEqual([
      'zh',
      'zh',
      'zh',
      'en',
      'en',
      'en',
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })

  test('the first candidate Herald speaks wins, else the fallback; force keeps the fallback for all', () => {
    const rule = { fallback: 'en' as const, force: false }
    expect(languageOf(rule, 'zh-hans', 'en')).toBe('zh')
    expect(languageOf(rule, 'fr', 'zh')).toBe('zh')
    expect(languageOf(rule, 'fr', undefined)).toBe('en')
    expect(languageOf({ ...rule, force: true }, 'zh-hans')).toBe('en')
  })
})
