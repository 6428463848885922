import { describe, expect, test } from 'vitest'
import {
  escapeHtml,
  parseTelegramHtml,
  telegramTextLength,
} from '../../../src/core/live/parse-telegram-html.ts'

describe('parseTelegramHtml', () => {
  test('gives the visible text with entities decoded', () => {
    expect(parseTelegramHtml('<b>a &amp; b</b> &lt;i&gt; &quot;q&quot; &#128512; &#x41;')).toEqual({
      text: 'a & b <i> "q" 😀 A',
    })
  })

  test('accepts every tag Telegram supports', () => {
    const html =
      '<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>' +
      '<span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler><a href="https://a.dev">a</a>' +
      '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji><code>c</code><pre>p</pre>' +
      '<pre><code class="language-py">x</code></pre><blockquote>q</blockquote><blockquote expandable>x</blockquote>'
    expect(parseTelegramHtml(html, { strict: true }).error).toBeUndefined()
  })

  test('refuses a bare <, an unknown tag, a wrong nesting and an unclosed tag, as Telegram does', () => {
    expect(parseTelegramHtml('1 < 2').error).toBe(
      `can't parse entities: Unsupported start tag "" at byte offset 2`,
    )
    expect(parseTelegramHtml('<div>x</div>').error).toBe(
      `can't parse entities: Unsupported start tag "div" at byte offset 0`,
    )
    expect(parseTelegramHtml('<b><i>x</b></i>').error).toBe(
      `can't parse entities: Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`,
    )
    expect(parseTelegramHtml('<b>x').error).toBe(
      `can't parse entities: Can't find end tag corresponding to start tag "b"`,
    )
    expect(parseTelegramHtml('<span>x</span>').error).toBe(
      `can't parse entities: Tag "span" must have class "tg-spoiler" at byte offset 0`,
    )
  })

  test('counts byte offsets in UTF-8', () => {
    expect(parseTelegramHtml('中文 <x>').error).toBe(
      `can't parse entities: Unsupported start tag "x" at byte offset 7`,
    )
  })

  test('tolerates a bare & and > like Telegram, and refuses them when strict', () => {
    expect(parseTelegramHtml('a & b > c &nbsp;')).toEqual({ text: 'a & b > c &nbsp;' })
    expect(parseTelegramHtml('a & b', { strict: true }).error).toBe(
      `can't parse entities: bare "&" at byte offset 2`,
    )
    expect(parseTelegramHtml('a > b', { strict: true }).error).toBe(
      `can't parse entities: bare ">" at byte offset 2`,
    )
  })

  test('when strict, refuses code inside formatting, tags inside code and nested blockquotes', () => {
    const strict = (html: string) => parseTelegramHtml(html, { strict: true }).error
    expect(strict('<b><code>x</code></b>')).toBe(
      `can't parse entities: Tag "code" inside formatting at byte offset 3`,
    )
    expect(strict('<code><b>x</b></code>')).toBe(
      `can't parse entities: Tag "b" inside "code" at byte offset 6`,
    )
    expect(strict('<blockquote><blockquote>x</blockquote></blockquote>')).toBe(
      `can't parse entities: Nested blockquote at byte offset 12`,
    )
    expect(strict('<a href="x"><a href="y">z</a></a>')).toBe(
      `can't parse entities: Nested link at byte offset 12`,
    )
  })

  test('refuses text that is blank once parsed', () => {
    expect(parseTelegramHtml('<b> </b>').error).toBe('text must be non-empty')
  })
})

test('telegramTextLength counts what the reader sees, not the tags', () => {
  expect(telegramTextLength('<b>ab</b> &amp; <a href="https://very.long/url">c</a>')).toBe(6)
})

test('escapeHtml escapes &, < and >', () => {
  expect(escapeHtml('<a> & </a>')).toBe('&lt;a&gt; &amp; &lt;/a&gt;')
})
