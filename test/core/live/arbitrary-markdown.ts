import fc from 'fast-check'

/**
 * Random model-like Markdown: paragraphs, headings, lists, quotes, code fences (some never closed),
 * links, bare URLs, mentions, HTML-looking text and entities, emoji and CJK, and stray markup
 * characters; plus a cut at a random stream point (never inside a character).
 */
const word = fc.constantFrom(
  'the',
  'answer',
  'is',
  'Herald',
  '42',
  'snake_case_name',
  '中文字符',
  '日本語のテキスト',
  '😀',
  '👍🏽',
  '👨‍👩‍👧',
  '&amp;',
  '&lt;b&gt;',
  '&',
  '<',
  '>',
  '<b>',
  '</i>',
  '<a href="x">',
  '&nbsp;',
  '&#128512;',
  '"quoted"',
  "it's",
  'a<b>c',
  'x&&y',
  '1 < 2 > 0',
  '@everyone',
  '@here',
  '<@123456>',
  '<@!42>',
  '<@&987>',
  '\\*',
  '\\_',
)
const junk = fc.constantFrom(
  '*',
  '**',
  '_',
  '__',
  '`',
  '``',
  '```',
  '~~',
  '[',
  ']',
  '(',
  ')',
  '|',
  '#',
  '\\',
  '>',
  '!',
  '~~~',
)
const url = fc.constantFrom(
  'https://example.com',
  'https://example.com/a_b?c=1&d=<2>',
  'https://en.wikipedia.org/wiki/Rust_(programming_language)',
  'http://x.dev/@here',
  'javascript:alert(1)',
  'tg://user?id=1',
)
const text = fc
  .array(fc.oneof({ weight: 6, arbitrary: word }, { weight: 1, arbitrary: junk }), {
    minLength: 1,
    maxLength: 12,
  })
  .map((ws) => ws.join(' '))

const inline = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: text.map((t) => `**${t}**`) },
  { weight: 1, arbitrary: text.map((t) => `*${t}*`) },
  { weight: 1, arbitrary: text.map((t) => `_${t}_`) },
  { weight: 1, arbitrary: text.map((t) => `~~${t}~~`) },
  { weight: 1, arbitrary: text.map((t) => `\`${t}\``) },
  { weight: 1, arbitrary: fc.tuple(text, url).map(([t, u]) => `[${t}](${u})`) },
  { weight: 1, arbitrary: url },
  { weight: 1, arbitrary: url.map((u) => `<${u}>`) },
)
const line = fc.array(inline, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(' '))

const lang = fc.constantFrom('', 'python', 'ts', 'c++', 'weird lang', 'a"b')
const codeLine = fc.oneof(
  text,
  fc.constantFrom(
    'if (a < b && c > d) { return "&amp;" }',
    '    indented()',
    '',
    '``',
    '`inline`',
    '<script>',
    '@everyone',
  ),
)
const fence = fc
  .tuple(
    fc.constantFrom('```', '````', '~~~'),
    lang,
    fc.array(codeLine, { minLength: 0, maxLength: 14 }),
    fc.boolean(),
  )
  .map(([marker, l, lines, closed]) => `${marker}${l}\n${lines.join('\n')}${closed ? `\n${marker}` : ''}`)

const block = fc.oneof(
  { weight: 5, arbitrary: fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('\n')) },
  { weight: 1, arbitrary: line.map((l) => `## ${l}`) },
  {
    weight: 2,
    arbitrary: fc.array(line, { minLength: 1, maxLength: 4 }).map((ls) => ls.map((l) => `- ${l}`).join('\n')),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(line, { minLength: 1, maxLength: 3 })
      .map((ls) => ls.map((l, i) => `${i + 1}. ${l}`).join('\n')),
  },
  {
    weight: 1,
    arbitrary: fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.map((l) => `> ${l}`).join('\n')),
  },
  { weight: 2, arbitrary: fence },
  { weight: 1, arbitrary: fc.constantFrom('---', '', '   ', '***') },
)

export const markdown = fc
  .tuple(fc.array(block, { minLength: 1, maxLength: 40 }), fc.constantFrom('\n\n', '\n', '\n\n\n'))
  .map(([blocks, sep]) => blocks.join(sep))

/** Cuts at a code point boundary, as a stream delivers text. */
export function cutAt(source: string, fraction: number): string {
  const points = [...source]
  return points.slice(0, Math.round(points.length * fraction)).join('')
}

/** A Markdown answer as a stream has delivered it so far. */
export const streamed = fc
  .tuple(markdown, fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([md, f]) => cutAt(md, f))
