/**
 * A small tokenizer of the Markdown subset models write, shared by the renderers and the splitter.
 * Blocks are source lines (headings, quotes, list items, rules, paragraphs) and fenced code; inline
 * spans (bold, italic, strike, code, links) are parsed per line. A marker without its closer stays
 * text, so half a streamed answer renders as safely as a whole one.
 *
 * @example
 *   scanBlocks('# Hi\n```ts\nlet a\n```')  // [{ type: 'line', kind: 'heading', … }, { type: 'fence', lang: 'ts', … }]
 *   parseInline('**bold** and `code`')     // [{ type: 'strong', … }, { type: 'text', … }, { type: 'code', … }]
 */

export type LineKind = 'blank' | 'paragraph' | 'heading' | 'quote' | 'bullet' | 'ordered' | 'rule'

export interface LineBlock {
  type: 'line'
  kind: LineKind
  /** The line's offsets in the source, without its newline. */
  start: number
  end: number
  /** Indentation before a list marker. */
  indent: string
  /** The list marker (`-`, `*`, `+`, `1.`, `2)`); '' for other kinds. */
  marker: string
  /** Everything before `content`: indentation, `#`, `>`, the list marker and the spaces after it. */
  lead: string
  /** The inline source of the line. */
  content: string
}

export interface FenceBlock {
  type: 'fence'
  /** Start of the opening line. */
  start: number
  /** After the opening line's newline. */
  contentStart: number
  /** Start of the closing line (the source's end when unclosed). */
  contentEnd: number
  /** End of the closing line, without its newline (the source's end when unclosed). */
  end: number
  indent: string
  /** The opening run: ``` ``` ```, ```` ```` ```` or `~~~`. */
  marker: string
  /** The language tag, '' when absent or not a plain word. */
  lang: string
  closed: boolean
}

export type Block = LineBlock | FenceBlock

export type Inline =
  | { type: 'text'; text: string; raw: string }
  | { type: 'code'; text: string; raw: string }
  | { type: 'strong' | 'em' | 'strike'; delim: string; children: Inline[] }
  /** `markdown`: [text](url); `angle`: <url>; `bare`: a URL in running text. */
  | { type: 'link'; url: string; form: 'markdown' | 'angle' | 'bare'; children: Inline[] }

const FENCE_OPEN = /^([ \t]*)(`{3,}(?=[^`]*$)|~{3,})[ \t]*([^\s]*)/
const FENCE_CLOSE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/
const LANG = /^[\w+#.-]{1,32}$/
const HEADING = /^( {0,3}#{1,6}[ \t]+)(.*)$/
const QUOTE = /^( {0,3}>[ \t]?)(.*)$/
const BULLET = /^([ \t]*)([-*+])([ \t]+)(.*)$/
const ORDERED = /^([ \t]*)(\d{1,9}[.)])([ \t]+)(.*)$/
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/

/** The fence a line opens, if it is an opening fence line. */
export function fenceOpening(line: string): { indent: string; marker: string; lang: string } | undefined {
  const m = FENCE_OPEN.exec(line)
  if (!m) return undefined
  const lang = m[3] ?? ''
  return { indent: m[1] ?? '', marker: m[2] ?? '```', lang: LANG.test(lang) ? lang : '' }
}

function closesFence(line: string, marker: string): boolean {
  const m = FENCE_CLOSE.exec(line)
  const run = m?.[1]
  return run !== undefined && run[0] === marker[0] && run.length >= marker.length
}

/** Whether a line (or the rest of one) would be read as anything but paragraph text. */
export function isBlockSyntax(line: string): boolean {
  return classify(line).kind !== 'paragraph' || fenceOpening(line) !== undefined
}

function classify(line: string): Pick<LineBlock, 'kind' | 'indent' | 'marker' | 'lead' | 'content'> {
  const plain = { indent: '', marker: '', lead: '' }
  if (line.trim() === '') return { kind: 'blank', ...plain, content: line }
  if (RULE.test(line)) return { kind: 'rule', ...plain, content: line }
  let m = HEADING.exec(line)
  if (m) return { kind: 'heading', ...plain, lead: m[1] ?? '', content: m[2] ?? '' }
  m = QUOTE.exec(line)
  if (m) return { kind: 'quote', ...plain, lead: m[1] ?? '', content: m[2] ?? '' }
  m = BULLET.exec(line) ?? ORDERED.exec(line)
  if (m) {
    const [, indent = '', marker = '', gap = '', content = ''] = m
    const kind = /\d/.test(marker) ? 'ordered' : 'bullet'
    return { kind, indent, marker, lead: indent + marker + gap, content }
  }
  return { kind: 'paragraph', ...plain, content: line }
}

/** Splits Markdown into line blocks and fenced code blocks; an unclosed fence runs to the end. */
export function scanBlocks(md: string): Block[] {
  const blocks: Block[] = []
  let pos = 0
  for (;;) {
    const nl = md.indexOf('\n', pos)
    const end = nl === -1 ? md.length : nl
    const line = md.slice(pos, end)
    const open = fenceOpening(line)
    if (open) {
      const fence = scanFence(md, pos, end, open)
      blocks.push(fence)
      if (fence.end >= md.length) return blocks
      pos = fence.end + 1
      continue
    }
    blocks.push({ type: 'line', start: pos, end, ...classify(line) })
    if (nl === -1) return blocks
    pos = nl + 1
  }
}

function scanFence(
  md: string,
  start: number,
  openEnd: number,
  open: { indent: string; marker: string; lang: string },
): FenceBlock {
  const contentStart = Math.min(openEnd + 1, md.length)
  let pos = contentStart
  while (pos < md.length) {
    const nl = md.indexOf('\n', pos)
    const end = nl === -1 ? md.length : nl
    if (closesFence(md.slice(pos, end), open.marker)) {
      return { type: 'fence', start, contentStart, contentEnd: pos, end, ...open, closed: true }
    }
    if (nl === -1) break
    pos = nl + 1
  }
  return { type: 'fence', start, contentStart, contentEnd: md.length, end: md.length, ...open, closed: false }
}

/** The code inside a fence, without its last newline and with the fence's indentation removed. */
export function fenceCode(md: string, fence: FenceBlock): string {
  const code = md.slice(fence.contentStart, fence.contentEnd).replace(/\n$/, '')
  if (fence.indent === '') return code
  const strip = new RegExp(`^[ \\t]{0,${fence.indent.length}}`)
  return code
    .split('\n')
    .map((line) => line.replace(strip, ''))
    .join('\n')
}

const ESCAPABLE = /\\([!-/:-@[-`{-~])/g
const PUNCT = /[!-/:-@[-`{-~]/
const WORD = /[\p{L}\p{N}]/u
const SPACE = /\s/
const BARE_URL = /^https?:\/\/[^\s<>]+/i
const ANGLE_URL = /^<((?:https?|mailto|tg):[^\s<>]+)>/i
const LINK_DEST = /^\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/

/** Parses one line's inline Markdown. Links are not parsed inside link text. */
export function parseInline(src: string, links = true): Inline[] {
  const out: Inline[] = []
  let textStart = 0
  let i = 0
  const flush = (to: number) => {
    if (to > textStart) pushText(out, src.slice(textStart, to))
  }
  const take = (node: Inline, from: number, to: number) => {
    flush(from)
    out.push(node)
    i = to
    textStart = to
  }
  while (i < src.length) {
    const c = src[i]!
    if (c === '\\' && PUNCT.test(src[i + 1] ?? '')) {
      i += 2
      continue
    }
    if (c === '`') {
      const span = codeSpan(src, i)
      if (span) take({ type: 'code', text: span.text, raw: src.slice(i, span.end) }, i, span.end)
      else i += runLength(src, i)
      continue
    }
    if (links && c === '[') {
      const link = markdownLink(src, i)
      const from = i > 0 && src[i - 1] === '!' && i - 1 >= textStart ? i - 1 : i
      if (link) take(link.node, from, link.end)
      else i++
      continue
    }
    if (links && c === '<') {
      const m = ANGLE_URL.exec(src.slice(i, i + 2048))
      if (m) take({ type: 'link', url: m[1]!, form: 'angle', children: [] }, i, i + m[0].length)
      else i++
      continue
    }
    if (links && (c === 'h' || c === 'H') && !WORD.test(src[i - 1] ?? ' ')) {
      const url = bareUrl(src.slice(i, i + 2048))
      if (url) take({ type: 'link', url, form: 'bare', children: [] }, i, i + url.length)
      else i++
      continue
    }
    if (c === '*' || c === '_' || c === '~') {
      const span = emphasis(src, i, links)
      if (span) take(span.node, i, span.end)
      else i += runLength(src, i)
      continue
    }
    i++
  }
  flush(src.length)
  return out
}

function pushText(out: Inline[], raw: string): void {
  const last = out[out.length - 1]
  const text = raw.replace(ESCAPABLE, '$1')
  if (last?.type === 'text') {
    last.raw += raw
    last.text += text
  } else {
    out.push({ type: 'text', text, raw })
  }
}

function runLength(src: string, i: number): number {
  let n = 1
  while (src[i + n] === src[i]) n++
  return n
}

/** A code span opened by a run of n backticks, closed by the next run of exactly n. */
function codeSpan(src: string, i: number): { text: string; end: number } | undefined {
  const n = runLength(src, i)
  let j = i + n
  for (;;) {
    const k = src.indexOf('`', j)
    if (k === -1) return undefined
    const run = runLength(src, k)
    if (run === n) {
      const body = src.slice(i + n, k)
      if (body.trim() === '') return undefined
      const text = body.length > 2 && body.startsWith(' ') && body.endsWith(' ') ? body.slice(1, -1) : body
      return { text, end: k + n }
    }
    j = k + run
  }
}

function markdownLink(src: string, i: number): { node: Inline; end: number } | undefined {
  let depth = 0
  let j = i
  for (; j < src.length; j++) {
    const c = src[j]
    if (c === '\\') j++
    else if (c === '`') {
      const span = codeSpan(src, j)
      if (span) j = span.end - 1
    } else if (c === '[') depth++
    else if (c === ']' && --depth === 0) break
  }
  if (j >= src.length || src[j + 1] !== '(') return undefined
  const m = LINK_DEST.exec(src.slice(j + 1, j + 1 + 2048))
  if (!m) return undefined
  const url = (m[1] ?? '').replace(/^<|>$/g, '')
  const text = src.slice(i + 1, j)
  if (url === '' || text.trim() === '') return undefined
  return {
    node: { type: 'link', url, form: 'markdown', children: parseInline(text, false) },
    end: j + 1 + m[0].length,
  }
}

function bareUrl(src: string): string | undefined {
  const m = BARE_URL.exec(src)
  if (!m) return undefined
  let url = m[0].replace(/[.,;:!?'"*_~]+$/, '')
  // A closing parenthesis belongs to the URL only when the URL opened one.
  while (url.endsWith(')') && count(url, '(') < count(url, ')')) url = url.slice(0, -1)
  return /^https?:\/\/./i.test(url) ? url : undefined
}

function count(s: string, c: string): number {
  let n = 0
  for (const x of s) if (x === c) n++
  return n
}

/** `**x**`, `__x__`, `*x*`, `_x_` or `~~x~~` starting at i, with the flanking rules that keep snake_case text. */
function emphasis(src: string, i: number, links: boolean): { node: Inline; end: number } | undefined {
  const c = src[i]!
  const run = runLength(src, i)
  const widths = c === '~' ? (run >= 2 ? [2] : []) : run >= 2 ? [2] : [1]
  for (const width of widths) {
    const delim = c.repeat(width)
    const innerStart = i + width
    if (SPACE.test(src[innerStart] ?? ' ')) continue
    if (c === '_' && WORD.test(src[i - 1] ?? ' ')) continue
    const close = findCloser(src, innerStart, delim)
    if (close === undefined) continue
    const type = c === '~' ? 'strike' : width === 2 ? 'strong' : 'em'
    const children = parseInline(src.slice(innerStart, close), links)
    return { node: { type, delim, children }, end: close + width }
  }
  return undefined
}

function findCloser(src: string, from: number, delim: string): number | undefined {
  const c = delim[0]!
  for (let k = from + 1; k < src.length; k++) {
    const ch = src[k]
    if (ch === '\\') {
      k++
      continue
    }
    if (ch === '`') {
      const span = codeSpan(src, k)
      if (span) k = span.end - 1
      else k += runLength(src, k) - 1
      continue
    }
    if (ch !== c) continue
    const run = runLength(src, k)
    // The closer is the end of a run, so `***x***` closes as strong around `*x*`.
    const at = k + run - delim.length
    const fits = delim.length === 1 ? run === 1 || run === 3 : run >= delim.length
    const before = src[at - 1] ?? ' '
    const after = src[at + delim.length] ?? ' '
    if (fits && at > from && !SPACE.test(before) && !(c === '_' && WORD.test(after))) return at
    k += run - 1
  }
  return undefined
}

/** The text a reader sees, without any markup: for plain renderings and measurements. */
export function inlineText(nodes: Inline[]): string {
  let out = ''
  for (const node of nodes) {
    if (node.type === 'text' || node.type === 'code') out += node.text
    else if (node.type === 'link') out += node.children.length > 0 ? inlineText(node.children) : node.url
    else out += inlineText(node.children)
  }
  return out
}
