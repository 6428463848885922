/**
 * Telegram's HTML parse mode, mirrored: whether the server accepts a text, and the text a reader
 * sees (what the 4096 limit counts). The engine measures with it; fake surfaces and property tests
 * check every message with it.
 *
 * @example
 *   parseTelegramHtml('<b>a &amp; b</b>')  // { text: 'a & b' }
 *   parseTelegramHtml('1 < 2')             // { text: '1 ', error: 'Unsupported start tag "" at byte offset 2' }
 */

/** Telegram HTML as the platform reads it: the text a person sees and its entities. */
export interface TelegramHtml {
  /** The visible text after entity parsing. */
  text: string
  /** Why Telegram would refuse it; undefined when it is accepted. */
  error?: string
}

export interface TelegramHtmlOptions {
  /**
   * Also refuse what Telegram tolerates but Herald never means to write: a bare `&` or `>`, an
   * unknown entity, `code`/`pre` inside formatting, nested blockquotes or links, tags inside code.
   */
  strict?: boolean
}

/** Tags that only format the text they wrap (they may nest inside each other). */
const FORMATTING = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
])
const TAGS = new Set([...FORMATTING, 'tg-emoji', 'tg-time', 'code', 'pre', 'blockquote'])
const ENTITY = /^&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));/
const SPECIAL = /[&<>]/g
const SPECIAL_LOOSE = /[&<]/g
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' }

interface Open {
  name: string
  attrs: Map<string, string>
}

export function parseTelegramHtml(html: string, options: TelegramHtmlOptions = {}): TelegramHtml {
  const strict = options.strict === true
  const stack: Open[] = []
  let text = ''
  let i = 0
  const fail = (error: string): TelegramHtml => ({ text, error: `can't parse entities: ${error}` })
  while (i < html.length) {
    const c = html[i]!
    if (c === '&') {
      const entity = decodeEntity(html.slice(i, i + 12))
      if (entity) {
        text += entity.char
        i += entity.length
        continue
      }
      if (strict) return fail(`bare "&" at byte offset ${byteOffset(html, i)}`)
      text += c
      i++
      continue
    }
    if (c === '>' && strict) return fail(`bare ">" at byte offset ${byteOffset(html, i)}`)
    if (c !== '<') {
      const next = nextSpecial(html, i + 1, strict)
      text += html.slice(i, next)
      i = next
      continue
    }
    const at = byteOffset(html, i)
    if (html[i + 1] === '/') {
      const m = /^<\/([a-zA-Z0-9-]*)\s*>/.exec(html.slice(i, i + 40))
      const top = stack[stack.length - 1]
      if (!m) return fail(`Unclosed end tag at byte offset ${at}`)
      if (!top) return fail(`Unexpected end tag at byte offset ${at}`)
      if (m[1]!.toLowerCase() !== top.name) {
        return fail(`Unmatched end tag at byte offset ${at}, expected "</${top.name}>", found "</${m[1]}>"`)
      }
      stack.pop()
      i += m[0].length
      continue
    }
    const tag = readStartTag(html, i)
    if (typeof tag === 'string') return fail(`${tag} at byte offset ${at}`)
    const problem = checkTag(tag.open, stack, strict)
    if (problem) return fail(`${problem} at byte offset ${at}`)
    stack.push(tag.open)
    i = tag.end
  }
  const open = stack[stack.length - 1]
  if (open) return fail(`Can't find end tag corresponding to start tag "${open.name}"`)
  if (text.trim() === '') return { text, error: 'text must be non-empty' }
  return { text }
}

/** The length Telegram's limit counts: visible text in UTF-16 units (stricter than its code points). */
export function telegramTextLength(html: string): number {
  return parseTelegramHtml(html).text.length
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;')
}

function decodeEntity(s: string): { char: string; length: number } | undefined {
  const m = ENTITY.exec(s)
  if (!m) return undefined
  if (m[3]) return { char: NAMED[m[3]]!, length: m[0].length }
  const code = m[1] ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16)
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined
  return { char: String.fromCodePoint(code), length: m[0].length }
}

function readStartTag(html: string, start: number): { open: Open; end: number } | string {
  const name = /^<([a-zA-Z0-9-]*)/.exec(html.slice(start, start + 40))?.[1] ?? ''
  const lower = name.toLowerCase()
  if (!TAGS.has(lower)) return `Unsupported start tag "${name}"`
  const attrs = new Map<string, string>()
  let i = start + 1 + name.length
  for (;;) {
    while (/\s/.test(html[i] ?? '')) i++
    const c = html[i]
    if (c === undefined) return `Unclosed start tag "${name}"`
    if (c === '>') return { open: { name: lower, attrs }, end: i + 1 }
    const attr = /^[a-zA-Z0-9_-]+/.exec(html.slice(i, i + 64))?.[0]
    if (!attr) return `Empty attribute name in the tag "${name}"`
    i += attr.length
    let value = ''
    if (html[i] === '=') {
      i++
      const quote = html[i]
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1)
        if (close === -1) return `Unclosed end of attribute value in the tag "${name}"`
        value = decodeAttribute(html.slice(i + 1, close))
        i = close + 1
      } else {
        const raw = /^[^\s>]*/.exec(html.slice(i))?.[0] ?? ''
        value = decodeAttribute(raw)
        i += raw.length
      }
    }
    attrs.set(attr.toLowerCase(), value)
  }
}

function decodeAttribute(raw: string): string {
  return raw.replace(
    /&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);/g,
    (e) => decodeEntity(e)?.char ?? e,
  )
}

function checkTag(tag: Open, stack: Open[], strict: boolean): string | undefined {
  if (tag.name === 'span' && tag.attrs.get('class') !== 'tg-spoiler')
    return 'Tag "span" must have class "tg-spoiler"'
  if (tag.name === 'tg-emoji' && !/^\d+$/.test(tag.attrs.get('emoji-id') ?? '')) {
    return 'Custom emoji entity must contain a valid emoji-id'
  }
  if (!strict) return undefined
  const parent = stack[stack.length - 1]
  if (tag.name === 'a' && !tag.attrs.has('href')) return 'Tag "a" must have an href'
  if (parent && (parent.name === 'code' || parent.name === 'pre')) {
    if (!(parent.name === 'pre' && tag.name === 'code')) return `Tag "${tag.name}" inside "${parent.name}"`
  }
  if (tag.name === 'code' && tag.attrs.has('class') && parent?.name !== 'pre')
    return 'A language outside "pre"'
  const within = (names: Set<string> | string[]) => stack.some((o) => [...names].includes(o.name))
  if (tag.name === 'blockquote' && within(['blockquote'])) return 'Nested blockquote'
  if (tag.name === 'a' && within(['a'])) return 'Nested link'
  if ((tag.name === 'code' || tag.name === 'pre') && within(FORMATTING))
    return `Tag "${tag.name}" inside formatting`
  return undefined
}

function nextSpecial(html: string, from: number, strict: boolean): number {
  const special = strict ? SPECIAL : SPECIAL_LOOSE
  special.lastIndex = from
  return special.exec(html)?.index ?? html.length
}

function byteOffset(s: string, index: number): number {
  return Buffer.byteLength(s.slice(0, index), 'utf8')
}
