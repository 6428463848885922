import { describe, expect, test } from 'vitest'
import { fenceCode, inlineText, parseInline, scanBlocks } from '../../../src/core/live/markdown.ts'

describe('scanBlocks', () => {
  test('reads lines by kind and fenced code as one block', () => {
    const md = '# Title\n- item\n2) second\n> quote\n---\n\ntext\n```py\nx = 1\n```\nafter'
    expect(
      scanBlocks(md).map((b) => (b.type === 'fence' ? `fence:${b.lang}` : `${b.kind}:${b.content}`)),
    ).toEqual([
      'heading:Title',
      'bullet:item',
      'ordered:second',
      'quote:quote',
      'rule:---',
      'blank:',
      'paragraph:text',
      'fence:py',
      'paragraph:after',
    ])
  })

  test('gives a fence its offsets, and runs an unclosed fence to the end', () => {
    const md = 'a\n```ts\nlet x\n```\nb\n~~~\nopen'
    const fences = scanBlocks(md).filter((b) => b.type === 'fence')
    expect(fences).toEqual([
      {
        type: 'fence',
        start: 2,
        contentStart: 8,
        contentEnd: 14,
        end: 17,
        indent: '',
        marker: '```',
        lang: 'ts',
        closed: true,
      },
      {
        type: 'fence',
        start: 20,
        contentStart: 24,
        contentEnd: 28,
        end: 28,
        indent: '',
        marker: '~~~',
        lang: '',
        closed: false,
      },
    ])
    expect(fenceCode(md, fences[0]!)).toBe('let x')
  })

  test('closes a fence only with the same character, at least as long', () => {
    const md = '````\n```\n~~~~\n````'
    const [fence] = scanBlocks(md)
    expect(fence?.type === 'fence' && fenceCode(md, fence)).toBe('```\n~~~~')
  })

  test('keeps only a plain word as the language', () => {
    const langs = ['```c++', '```weird lang', '```a"b', '``` x ``` y'].map((line) => scanBlocks(line)[0])
    expect(langs.map((b) => (b?.type === 'fence' ? b.lang : b?.kind))).toEqual([
      'c++',
      'weird',
      '',
      'paragraph',
    ])
  })

  test('removes the indentation of an indented fence from its code', () => {
    const md = '1. step\n   ```sh\n   ls -l\n     cd x\n   ```'
    const fence = scanBlocks(md)[1]
    expect(fence?.type === 'fence' && fenceCode(md, fence)).toBe('ls -l\n  cd x')
  })
})

describe('parseInline', () => {
  test('reads bold, italic, strike, code and links', () => {
    expect(parseInline('**b** *i* _u_ ~~s~~ `c` [t](https://a.dev)')).toEqual([
      { type: 'strong', delim: '**', children: [{ type: 'text', text: 'b', raw: 'b' }] },
      { type: 'text', text: ' ', raw: ' ' },
      { type: 'em', delim: '*', children: [{ type: 'text', text: 'i', raw: 'i' }] },
      { type: 'text', text: ' ', raw: ' ' },
      { type: 'em', delim: '_', children: [{ type: 'text', text: 'u', raw: 'u' }] },
      { type: 'text', text: ' ', raw: ' ' },
      { type: 'strike', delim: '~~', children: [{ type: 'text', text: 's', raw: 's' }] },
      { type: 'text', text: ' ', raw: ' ' },
      { type: 'code', text: 'c', raw: '`c`' },
      { type: 'text', text: ' ', raw: ' ' },
      {
        type: 'link',
        url: 'https://a.dev',
        form: 'markdown',
        children: [{ type: 'text', text: 't', raw: 't' }],
      },
    ])
  })

  test('leaves an unclosed marker as text, as mid-stream', () => {
    expect(parseInline('**bold and `code')).toEqual([
      { type: 'text', text: '**bold and `code', raw: '**bold and `code' },
    ])
  })

  test('keeps underscores inside words and escaped markers as text', () => {
    expect(inlineText(parseInline('snake_case_name \\*not em\\*'))).toBe('snake_case_name *not em*')
  })

  test('reads a bare URL without its trailing punctuation, and an angle URL', () => {
    const nodes = parseInline('see https://en.wikipedia.org/wiki/Rust_(lang). or <https://a.dev/x>')
    expect(nodes.filter((n) => n.type === 'link').map((n) => n.type === 'link' && [n.form, n.url])).toEqual([
      ['bare', 'https://en.wikipedia.org/wiki/Rust_(lang)'],
      ['angle', 'https://a.dev/x'],
    ])
  })

  test('reads ***x*** as bold around italic and code before emphasis', () => {
    expect(parseInline('***x***')).toEqual([
      {
        type: 'strong',
        delim: '**',
        children: [{ type: 'em', delim: '*', children: [{ type: 'text', text: 'x', raw: 'x' }] }],
      },
    ])
    expect(parseInline('`a*b` c*')[0]).toEqual({ type: 'code', text: 'a*b', raw: '`a*b`' })
  })
})
