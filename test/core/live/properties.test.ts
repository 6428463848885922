import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { discordFormat, type MessageFormat, telegramHtmlFormat } from '../../../src/core/live/format.ts'
import { scanBlocks } from '../../../src/core/live/markdown.ts'
import { parseTelegramHtml } from '../../../src/core/live/parse-telegram-html.ts'
import { type Chunk, splitForLimit } from '../../../src/core/live/split.ts'
import { markdown, streamed } from './arbitrary-markdown.ts'

const runs = { numRuns: Number(process.env.FC_RUNS ?? 300) }

function split(source: string, format: MessageFormat, limit: number): Chunk[] {
  return splitForLimit(source, { limit, measure: (md) => format.length(format.body(md)) })
}

/**
 * The Markdown a piece adds around its source range: a fence line reopened before, one closed after.
 * The body can itself look like part of a fence (a streamed "``"), so the reopened line is tried first
 * and the body must follow it exactly.
 */
function added(chunk: Chunk, source: string): { head: string; tail: string } {
  const body = source.slice(chunk.start, chunk.end)
  const reopened = /^[ \t]*(`{3,}|~{3,})[\w+#.-]*\n/.exec(chunk.markdown)?.[0]
  for (const head of [reopened, ''].filter((h): h is string => h !== undefined)) {
    if (chunk.markdown.startsWith(head + body))
      return { head, tail: chunk.markdown.slice(head.length + body.length) }
  }
  return { head: '<body not found>', tail: '' }
}

describe.each([
  ['Telegram HTML', telegramHtmlFormat, 4096],
  ['Telegram HTML, small limit', telegramHtmlFormat, 120],
  ['Discord Markdown', discordFormat, 2000],
  ['Discord Markdown, small limit', discordFormat, 120],
] as const)('splitting %s', (_name, format, limit) => {
  test('pieces concatenate to the source and add only fence lines', () => {
    fc.assert(
      fc.property(streamed, (source) => {
        const chunks = split(source, format, limit)
        expect(chunks.map((c) => source.slice(c.start, c.end)).join('')).toBe(source)
        chunks.forEach((chunk, i) => {
          expect(chunk.start).toBe(i === 0 ? 0 : chunks[i - 1]!.end)
          const { head, tail } = added(chunk, source)
          expect(head).toMatch(/^(|[ \t]*(`{3,}|~{3,})[\w+#.-]*\n)$/)
          expect(tail).toMatch(/^(|\n?[ \t]*(`{3,}|~{3,}))$/)
        })
      }),
      runs,
    )
  })

  test('every piece is within the limit and every fence in it is closed', () => {
    fc.assert(
      fc.property(streamed, (source) => {
        const chunks = split(source, format, limit)
        chunks.forEach((chunk, i) => {
          const rendered = format.body(chunk.markdown)
          expect(format.length(rendered)).toBeLessThanOrEqual(limit)
          const isLast = i === chunks.length - 1
          // Only the answer's own unclosed fence, at the very end, may stay open in the Markdown.
          const open = scanBlocks(chunk.markdown).filter((b) => b.type === 'fence' && !b.closed)
          expect(open.length).toBeLessThanOrEqual(isLast ? 1 : 0)
          if (format === discordFormat) {
            expect(scanBlocks(rendered).every((b) => b.type !== 'fence' || b.closed)).toBe(true)
          }
        })
      }),
      runs,
    )
  })
})

describe('Telegram HTML of any Markdown', () => {
  test('is accepted by the strict parser, piece by piece', () => {
    fc.assert(
      fc.property(streamed, fc.integer({ min: 80, max: 4096 }), (source, limit) => {
        for (const chunk of split(source, telegramHtmlFormat, limit)) {
          const html = telegramHtmlFormat.body(chunk.markdown)
          const parsed = parseTelegramHtml(html, { strict: true })
          // A piece may be blank only when its Markdown is (the engine then shows a cursor or a label).
          if (parsed.error === 'text must be non-empty') continue
          expect(parsed.error).toBeUndefined()
        }
      }),
      runs,
    )
  })

  test('shows every non-empty code block as pre, with its language', () => {
    fc.assert(
      fc.property(markdown, (source) => {
        const html = telegramHtmlFormat.body(source)
        const fences = scanBlocks(source).filter(
          (b) => b.type === 'fence' && source.slice(b.contentStart, b.contentEnd).trim() !== '',
        )
        const tags = fences.map((f) =>
          f.type === 'fence' && f.lang ? `<pre><code class="language-${f.lang}">` : '<pre>',
        )
        expect(html.match(/<pre>(<code class="language-[^"]+">)?/g) ?? []).toEqual(tags)
      }),
      runs,
    )
  })
})

describe('Discord Markdown of any Markdown', () => {
  test('mentions nobody', () => {
    fc.assert(
      fc.property(streamed, (source) => {
        for (const chunk of split(source, discordFormat, 2000)) {
          const text = discordFormat.body(chunk.markdown)
          expect(text).not.toMatch(/@(everyone|here)/)
          expect(text).not.toMatch(/<@[!&]?\d/)
        }
      }),
      runs,
    )
  })
})
