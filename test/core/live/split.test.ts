import { describe, expect, test } from 'vitest'
import { discordFormat, type MessageFormat, telegramHtmlFormat } from '../../../src/core/live/format.ts'
import { splitForLimit, splitNearEnd } from '../../../src/core/live/split.ts'

const plainLength = (md: string) => md.length
const pieces = (source: string, limit: number, measure = plainLength) =>
  splitForLimit(source, { limit, measure }).map((c) => c.markdown)
const measured = (format: MessageFormat) => (md: string) => format.length(format.body(md))

describe('splitForLimit', () => {
  test('keeps a text that fits in one piece', () => {
    expect(splitForLimit('short text', { limit: 100, measure: plainLength })).toEqual([
      { start: 0, end: 10, markdown: 'short text' },
    ])
  })

  test('cuts at a paragraph, then a line, then a sentence, then a word, then anywhere', () => {
    expect(pieces('aaaa bbbb\ncccc\n\ndddd eeee', 20)).toEqual(['aaaa bbbb\ncccc\n\n', 'dddd eeee'])
    expect(pieces('aaaa bbbb\ncccc dddd eeee', 20)).toEqual(['aaaa bbbb\n', 'cccc dddd eeee'])
    expect(pieces('Aaaa bbbb. Cccc dddd eeee', 20)).toEqual(['Aaaa bbbb. ', 'Cccc dddd eeee'])
    expect(pieces('aaaa bbbb cccc dddd eeee', 20)).toEqual(['aaaa bbbb cccc dddd ', 'eeee'])
    expect(pieces('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz'])
  })

  test('prefers a later line break over a paragraph break in the first half of the piece', () => {
    expect(pieces('aa\n\nbbbbbbbbbbbb\ncc ccc ccc', 20)).toEqual(['aa\n\nbbbbbbbbbbbb\n', 'cc ccc ccc'])
  })

  test('cuts after a CJK full stop', () => {
    expect(pieces('这是第一句。这是第二句话很长', 10)).toEqual(['这是第一句。', '这是第二句话很长'])
  })

  test('never splits an emoji', () => {
    expect(pieces('😀😀😀', 3)).toEqual(['😀', '😀', '😀'])
  })

  test('closes a code block cut by the split and reopens it with its language', () => {
    const source = 'Intro.\n\n```python\nline_one = 1\nline_two = 2\nline_three = 3\n```\nAfter.'
    const chunks = splitForLimit(source, { limit: 60, measure: plainLength })
    expect(chunks.map((c) => c.markdown)).toEqual([
      'Intro.\n\n```python\nline_one = 1\nline_two = 2\n```',
      '```python\nline_three = 3\n```\nAfter.',
    ])
    expect(chunks.map((c) => source.slice(c.start, c.end)).join('')).toBe(source)
  })

  test('does not cut right after a fence opening or before its closing line', () => {
    // 'Intro line\n```\n' would fit the first piece, but would leave an empty code block in it.
    expect(pieces('Intro line\n```\nfirst\nsecond\n```\nend', 20)).toEqual([
      'Intro line\n',
      '```\nfirst\n```',
      '```\nsecond\n```\nend',
    ])
  })

  test('does not cut a line where the rest would read as a heading, quote or list item', () => {
    expect(pieces('one two # three four - five', 20)).toEqual(['one two # three ', 'four - five'])
  })

  test('leaves no piece that is only whitespace', () => {
    expect(pieces('aaaa bbbb cccc\n\n\n\n   ', 16)).toEqual(['aaaa bbbb ', 'cccc\n\n\n\n   '])
  })

  test('measures Telegram after entity parsing: tags and link addresses do not count', () => {
    const link = '[x](https://example.com/a/very/long/path/that/does/not/show) '
    const source = link.repeat(10)
    expect(splitForLimit(source, { limit: 30, measure: measured(telegramHtmlFormat) })).toHaveLength(1)
    expect(splitForLimit(source, { limit: 30, measure: measured(discordFormat) }).length).toBeGreaterThan(10)
  })

  test('splits from an offset, counting the first piece as not first', () => {
    const seen: boolean[] = []
    const chunks = splitForLimit('done part|new part one two', {
      limit: 100,
      from: 10,
      measure: (md, place) => {
        seen.push(place.first)
        return md.length
      },
    })
    expect(chunks).toEqual([{ start: 10, end: 26, markdown: 'new part one two' }])
    expect(seen).toEqual([false])
  })

  test('keeps room for what the last message carries', () => {
    const trailer = 12
    const chunks = splitForLimit('aaaa bbbb cccc dddd', {
      limit: 20,
      measure: (md, place) => md.length + (place.last ? trailer : 0),
    })
    expect(chunks.map((c) => c.markdown)).toEqual(['aaaa bbbb cccc ', 'dddd'])
  })
})

describe('splitNearEnd', () => {
  test('cuts at the latest boundary of the best kind among the last characters', () => {
    const md = (chunks: ReturnType<typeof splitNearEnd>) => chunks?.map((c) => c.markdown)
    expect(md(splitNearEnd('One.\nTwo three fo', 0, 12))).toEqual(['One.\n', 'Two three fo'])
    expect(md(splitNearEnd('One.\nTwo three fo', 0, 8))).toEqual(['One.\nTwo three ', 'fo'])
    expect(splitNearEnd('abcdefgh', 0, 4)).toBeUndefined()
  })

  test('closes and reopens a code block it cuts', () => {
    const chunks = splitNearEnd('```sh\nls\ncd /tmp\npw', 0, 10)
    expect(chunks?.map((c) => c.markdown)).toEqual(['```sh\nls\ncd /tmp\n```', '```sh\npw'])
  })
})
