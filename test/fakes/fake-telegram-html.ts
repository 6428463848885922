/**
 * Telegram's HTML parse mode, as the Bot API server (tdlib's `parse_html`) applies it: the supported
 * tags, attribute syntax, `&lt;`-style entities (a `;` is optional, unknown ones stay literal) and its
 * error texts with UTF-8 byte offsets. Used by the fake Bot API to accept or refuse what Herald sends.
 *
 * @example
 *   parseTelegramHtml('<b>Hi</b> &amp; bye')  // { ok: true, text: 'Hi & bye', entities: [{ type: 'bold', offset: 0, length: 2 }] }
 *   parseTelegramHtml('a < b')                // { ok: false, error: 'Unsupported start tag "" at byte offset 2' }
 */
export interface TgEntity {
  type: string
  /** UTF-16 code units, as the Bot API counts them. */
  offset: number
  length: number
  url?: string
  language?: string
  custom_emoji_id?: string
  user?: { id: number; is_bot: boolean; first_name: string }
}

export type HtmlParse = { ok: true; text: string; entities: TgEntity[] } | { ok: false; error: string }

const SUPPORTED_TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
])

const ENTITY_TYPE: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  code: 'code',
  pre: 'pre',
  'tg-emoji': 'custom_emoji',
}

interface OpenTag {
  name: string
  argument: string
  expandable: boolean
  offset: number
}

/** tdlib's `is_space`, where the end of the text counts as the terminating NUL. */
function isSpace(ch: string | undefined): boolean {
  return (
    ch === undefined || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\0' || ch === '\v'
  )
}

function atEnd(text: string, i: number): boolean {
  return i >= text.length || text[i] === '\0'
}

function byteOffset(text: string, i: number): number {
  return Buffer.byteLength(text.slice(0, i), 'utf8')
}

/** Decodes one `&…` reference at `pos`, or returns undefined when it is kept as literal text. */
function decodeEntity(text: string, pos: number): { ch: string; next: number } | undefined {
  let end = pos + 1
  let code = 0
  if (text[end] === '#') {
    end++
    const hex = text[end] === 'x'
    if (hex) end++
    const digit = hex ? /[0-9a-fA-F]/ : /[0-9]/
    while (end < text.length && digit.test(text[end]!)) {
      code = code * (hex ? 16 : 10) + Number.parseInt(text[end]!, hex ? 16 : 10)
      end++
      if (code >= 0x10ffff) return undefined
    }
    if (code === 0 || end - pos >= 10) return undefined
  } else {
    while (end < text.length && /[A-Za-z]/.test(text[end]!)) end++
    const name = text.slice(pos + 1, end)
    const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 }
    if (named[name] === undefined) return undefined
    code = named[name]
  }
  return { ch: String.fromCodePoint(code), next: text[end] === ';' ? end + 1 : end }
}

function entityFor(tag: OpenTag, offset: number, length: number, content: string): TgEntity | undefined {
  if (tag.name === 'a') {
    const url = tag.argument === '' ? content : tag.argument
    const user = /^tg:\/\/user\?id=(\d+)$/.exec(url)
    if (user)
      return {
        type: 'text_mention',
        offset,
        length,
        user: { id: Number(user[1]), is_bot: false, first_name: '' },
      }
    if (!/^(https?:\/\/|tg:\/\/|[a-z0-9-]+(\.[a-z0-9-]+)+)/i.test(url)) return undefined
    return { type: 'text_link', offset, length, url }
  }
  if (tag.name === 'blockquote')
    return { type: tag.expandable ? 'expandable_blockquote' : 'blockquote', offset, length }
  if (tag.name === 'code' && tag.argument !== '')
    return { type: 'code', offset, length, language: tag.argument }
  if (tag.name === 'tg-emoji') return { type: 'custom_emoji', offset, length, custom_emoji_id: tag.argument }
  return { type: ENTITY_TYPE[tag.name]!, offset, length }
}

export function parseTelegramHtml(html: string): HtmlParse {
  let out = ''
  const open: OpenTag[] = []
  const entities: TgEntity[] = []
  const fail = (error: string): HtmlParse => ({ ok: false, error })
  let i = 0
  while (i < html.length) {
    const c = html[i]!
    if (c === '&') {
      const decoded = decodeEntity(html, i)
      if (decoded) {
        out += decoded.ch
        i = decoded.next
        continue
      }
    }
    if (c !== '<') {
      out += c
      i++
      continue
    }
    const begin = i++
    if (html[i] !== '/') {
      while (!isSpace(html[i]) && html[i] !== '>') i++
      if (atEnd(html, i)) return fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`)
      const name = html.slice(begin + 1, i).toLowerCase()
      if (!SUPPORTED_TAGS.has(name)) {
        return fail(`Unsupported start tag "${name}" at byte offset ${byteOffset(html, begin)}`)
      }
      let argument = ''
      let expandable = false
      while (html[i] !== '>') {
        while (!atEnd(html, i) && isSpace(html[i])) i++
        if (html[i] === '>') break
        const attributeBegin = i
        while (!isSpace(html[i]) && html[i] !== '=' && html[i] !== '>') i++
        const attribute = html.slice(attributeBegin, i).toLowerCase()
        if (attribute === '') {
          return fail(`Empty attribute name in the tag "${name}" at byte offset ${byteOffset(html, begin)}`)
        }
        while (!atEnd(html, i) && isSpace(html[i])) i++
        if (html[i] !== '=') {
          if (name === 'blockquote' && attribute === 'expandable') {
            expandable = true
            continue
          }
          return fail(
            `Expected equal sign in declaration of an attribute of the tag "${name}" at byte offset ${byteOffset(html, begin)}`,
          )
        }
        i++
        while (!atEnd(html, i) && isSpace(html[i])) i++
        if (atEnd(html, i))
          return fail(`Unclosed start tag "${name}" at byte offset ${byteOffset(html, begin)}`)
        let value = ''
        const quote = html[i]
        if (quote !== '"' && quote !== "'") {
          const tokenBegin = i
          while (i < html.length && /[A-Za-z0-9.-]/.test(html[i]!)) i++
          value = html.slice(tokenBegin, i).toLowerCase()
          if (!isSpace(html[i]) && html[i] !== '>') {
            return fail(`Unexpected end of name token at byte offset ${byteOffset(html, tokenBegin)}`)
          }
        } else {
          i++
          while (i < html.length && html[i] !== quote) {
            const decoded = html[i] === '&' ? decodeEntity(html, i) : undefined
            if (decoded) {
              value += decoded.ch
              i = decoded.next
            } else {
              value += html[i++]
            }
          }
          if (html[i] === quote) i++
        }
        if (atEnd(html, i)) return fail(`Unclosed start tag at byte offset ${byteOffset(html, begin)}`)
        if (name === 'a' && attribute === 'href') argument = value
        else if (name === 'code' && attribute === 'class' && value.startsWith('language-'))
          argument = value.slice(9)
        else if (name === 'span' && attribute === 'class' && value.startsWith('tg-'))
          argument = value.slice(3)
        else if (name === 'tg-emoji' && attribute === 'emoji-id') argument = value
      }
      if (name === 'span' && argument !== 'spoiler') {
        return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(html, begin)}`)
      }
      open.push({ name, argument, expandable, offset: out.length })
      i++
      continue
    }
    if (open.length === 0) return fail(`Unexpected end tag at byte offset ${byteOffset(html, begin)}`)
    i++
    const nameBegin = i
    while (!isSpace(html[i]) && html[i] !== '>') i++
    const endName = html.slice(nameBegin, i).toLowerCase()
    while (!atEnd(html, i) && isSpace(html[i])) i++
    if (html[i] !== '>') return fail(`Unclosed end tag at byte offset ${byteOffset(html, begin)}`)
    const tag = open.pop()!
    if (endName !== '' && endName !== tag.name) {
      return fail(
        `Unmatched end tag at byte offset ${byteOffset(html, begin)}, expected "</${tag.name}>", found "</${endName}>"`,
      )
    }
    i++
    const length = out.length - tag.offset
    if (length === 0) continue
    const entity = entityFor(tag, tag.offset, length, out.slice(tag.offset))
    if (!entity) continue
    // `<pre><code class="language-x">…</code></pre>` is one pre entity with a language.
    const last = entities[entities.length - 1]
    if (
      entity.type === 'pre' &&
      last?.type === 'code' &&
      last.offset === tag.offset &&
      last.length === length
    ) {
      entities.pop()
      if (last.language !== undefined) entity.language = last.language
    }
    entities.push(entity)
  }
  if (open.length > 0)
    return fail(`Can't find end tag corresponding to start tag "${open[open.length - 1]!.name}"`)
  return trimFormatted(out, entities)
}

/** The server strips whitespace around a message and clips entities to what is left. */
export function trimFormatted(text: string, entities: readonly TgEntity[]): HtmlParse {
  const start = text.length - text.trimStart().length
  const trimmed = text.trim()
  const end = start + trimmed.length
  const kept: TgEntity[] = []
  for (const entity of entities) {
    const from = Math.max(entity.offset, start)
    const to = Math.min(entity.offset + entity.length, end)
    if (to > from) kept.push({ ...entity, offset: from - start, length: to - from })
  }
  kept.sort((a, b) => a.offset - b.offset || b.length - a.length)
  return { ok: true, text: trimmed, entities: kept }
}

/** Length as the server counts it: Unicode code points. */
export function codePointLength(text: string): number {
  let n = 0
  for (const _ of text) n++
  return n
}
