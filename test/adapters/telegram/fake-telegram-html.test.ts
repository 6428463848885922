import { describe, expect, test } from 'vitest'
import { codePointLength, parseTelegramHtml } from '../../fakes/fake-telegram-html.ts'

describe('the fake Telegram HTML parse mode', () => {
  test('supported tags become entities with UTF-16 offsets', () => {
    expect(parseTelegramHtml('<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <tg-spoiler>x</tg-spoiler>')).toEqual({
      ok: true,
      text: 'bold it u s x',
      entities: [
        { type: 'bold', offset: 0, length: 4 },
        { type: 'italic', offset: 5, length: 2 },
        { type: 'underline', offset: 8, length: 1 },
        { type: 'strikethrough', offset: 10, length: 1 },
        { type: 'spoiler', offset: 12, length: 1 },
      ],
    })
  })

  test('synonyms, links, spoiler spans and expandable blockquotes are accepted', () => {
    const html =
      '<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>' +
      '<span class="tg-spoiler">f</span><a href="https://example.com/?a=1&amp;b=2">g</a>' +
      '<blockquote expandable>h</blockquote><blockquote>i</blockquote>'
    expect(parseTelegramHtml(html)).toEqual({
      ok: true,
      text: 'abcdefghi',
      entities: [
        { type: 'bold', offset: 0, length: 1 },
        { type: 'italic', offset: 1, length: 1 },
        { type: 'underline', offset: 2, length: 1 },
        { type: 'strikethrough', offset: 3, length: 1 },
        { type: 'strikethrough', offset: 4, length: 1 },
        { type: 'spoiler', offset: 5, length: 1 },
        { type: 'text_link', offset: 6, length: 1, url: 'https://example.com/?a=1&b=2' },
        { type: 'expandable_blockquote', offset: 7, length: 1 },
        { type: 'blockquote', offset: 8, length: 1 },
      ],
    })
  })

  test('pre with a code language is one pre entity with the language', () => {
    expect(parseTelegramHtml('<pre><code class="language-ts">let a = 1</code></pre>')).toEqual({
      ok: true,
      text: 'let a = 1',
      entities: [{ type: 'pre', offset: 0, length: 9, language: 'ts' }],
    })
  })

  test('nested tags are entities in offset order, outer first', () => {
    expect(parseTelegramHtml('<b>x <i>y</i></b>')).toEqual({
      ok: true,
      text: 'x y',
      entities: [
        { type: 'bold', offset: 0, length: 3 },
        { type: 'italic', offset: 2, length: 1 },
      ],
    })
  })

  test('the four named entities and numeric ones are decoded; unknown ones and bare & > stay literal', () => {
    const parsed = parseTelegramHtml('&lt;a&gt; &amp; &quot;q&quot; &#65;&#x42; &nbsp; a & b > c &copy')
    expect(parsed).toEqual({ ok: true, text: '<a> & "q" AB &nbsp; a & b > c &copy', entities: [] })
  })

  test('a bare < fails with the byte offset of the <', () => {
    expect(parseTelegramHtml('a < b')).toEqual({
      ok: false,
      error: 'Unsupported start tag "" at byte offset 2',
    })
    expect(parseTelegramHtml('é < b')).toEqual({
      ok: false,
      error: 'Unsupported start tag "" at byte offset 3',
    })
  })

  test('unsupported and unclosed tags fail like tdlib', () => {
    expect(parseTelegramHtml('<p>x</p>')).toEqual({
      ok: false,
      error: 'Unsupported start tag "p" at byte offset 0',
    })
    expect(parseTelegramHtml('<br/>')).toEqual({
      ok: false,
      error: 'Unsupported start tag "br/" at byte offset 0',
    })
    expect(parseTelegramHtml('x<y')).toEqual({ ok: false, error: 'Unclosed start tag at byte offset 1' })
    expect(parseTelegramHtml('<b>x')).toEqual({
      ok: false,
      error: 'Can\'t find end tag corresponding to start tag "b"',
    })
    expect(parseTelegramHtml('x</b>')).toEqual({ ok: false, error: 'Unexpected end tag at byte offset 1' })
    expect(parseTelegramHtml('<b><i>x</b></i>')).toEqual({
      ok: false,
      error: 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
    })
  })

  test('a span needs the tg-spoiler class and attributes need an equal sign', () => {
    expect(parseTelegramHtml('<span>x</span>')).toEqual({
      ok: false,
      error: 'Tag "span" must have class "tg-spoiler" at byte offset 0',
    })
    expect(parseTelegramHtml('<a href>x</a>')).toEqual({
      ok: false,
      error: 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
    })
  })

  test('whitespace around the text is trimmed and entities are clipped to it', () => {
    expect(parseTelegramHtml('  <b> hi </b>\n')).toEqual({
      ok: true,
      text: 'hi',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
    })
    expect(parseTelegramHtml('<b> </b>')).toEqual({ ok: true, text: '', entities: [] })
  })

  test('length counts code points', () => {
    expect(codePointLength('a😀b')).toBe(3)
  })
})
