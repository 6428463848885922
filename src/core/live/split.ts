import { type FenceBlock, fenceOpening, isBlockSyntax, scanBlocks } from './markdown.ts'

/**
 * Splits an answer's Markdown into pieces whose messages fit the platform's limit, at the best
 * boundary (paragraph, then line, sentence, word, then a hard cut). A code block cut by the split
 * is closed at the end of one piece and reopened with its language at the start of the next, so
 * every piece renders on its own; the pieces' source ranges concatenate to the whole answer.
 *
 * @example
 *   const f = formatFor('discord-markdown')
 *   splitForLimit(answer, { limit: 2000, measure: (md) => f.length(f.body(md)) })
 *   // [{ start: 0, end: 1893, markdown: '…\n```' }, { start: 1893, end: 2410, markdown: '```py\n…' }]
 */
export interface Chunk {
  /** The piece's range in the source. */
  start: number
  end: number
  /** The piece as Markdown, with a code fence cut by the split closed or reopened. */
  markdown: string
}

/** Where a piece goes: the answer's first message, its last one (which carries the trailer), or both. */
export interface Place {
  first: boolean
  last: boolean
}

export interface SplitOptions {
  limit: number
  /** Length, as the platform counts it, of the whole message that would hold `markdown` at `place`. */
  measure: (markdown: string, place: Place) => number
  /** Split from this offset: the text before it is in messages already finalised. Default 0. */
  from?: number
  /** Whether the first piece starts the answer's first message. Default: `from === 0`. */
  first?: boolean
}

interface Fence extends FenceBlock {
  /** Offsets just after the first and the last non-blank character of the code (0 when all blank). */
  codeFrom: number
  codeTo: number
}

const FENCE_LINE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/
const BOUNDARIES = ['paragraph', 'line', 'sentence', 'word'] as const
type Boundary = (typeof BOUNDARIES)[number]

export function splitForLimit(source: string, options: SplitOptions): Chunk[] {
  const { limit, measure } = options
  const from = options.from ?? 0
  const text = new SplitText(source)
  const chunks: Chunk[] = []
  let pos = from
  let first = options.first ?? from === 0
  for (;;) {
    const whole = text.chunk(pos, source.length)
    if (pos >= text.solidEnd || measure(whole.markdown, { first, last: true }) <= limit) {
      chunks.push(whole)
      return chunks
    }
    const fits = (end: number) => measure(text.chunk(pos, end).markdown, { first, last: false }) <= limit
    const cut = text.cut(pos, fits, limit)
    if (cut === undefined) {
      chunks.push(whole)
      return chunks
    }
    chunks.push(text.chunk(pos, cut))
    pos = cut
    first = false
  }
}

/**
 * Finalises a piece a turn before it would overflow: cuts at the latest boundary of the best kind
 * (paragraph, line, sentence, word) among the last `window` characters, leaving text after it.
 * Undefined when there is none.
 *
 * @example
 *   splitNearEnd('One.\nTwo three fo', 0, 12)  // pieces 'One.\n' and 'Two three fo'
 */
export function splitNearEnd(source: string, from: number, window: number): [Chunk, Chunk] | undefined {
  const text = new SplitText(source)
  const cut = text.lateBoundary(from, window)
  return cut === undefined ? undefined : [text.chunk(from, cut), text.chunk(cut, source.length)]
}

function openFenceAtEnd(markdown: string): FenceBlock | undefined {
  const last = scanBlocks(markdown).at(-1)
  return last?.type === 'fence' && !last.closed ? last : undefined
}

class SplitText {
  readonly source: string
  /** Offset just after the last non-blank character: a cut must leave something to show after it. */
  readonly solidEnd: number
  private readonly fences: Fence[]

  constructor(source: string) {
    this.source = source
    this.solidEnd = source.trimEnd().length
    this.fences = scanBlocks(source)
      .filter((b): b is FenceBlock => b.type === 'fence')
      .map((f) => {
        const code = source.slice(f.contentStart, f.contentEnd)
        const lead = code.length - code.trimStart().length
        return {
          ...f,
          codeFrom: lead < code.length ? f.contentStart + lead + 1 : 0,
          codeTo: f.contentStart + code.trimEnd().length,
        }
      })
  }

  /** The source range as Markdown of its own: an open fence is reopened at the start and closed at the end. */
  chunk(start: number, end: number): Chunk {
    const body = this.source.slice(start, end)
    const opened = this.fenceInside(start)
    const head = opened ? `${opened.indent}${opened.marker}${opened.lang}\n` : ''
    let markdown = head + body
    // A fence still open where the piece ends is closed (the last piece may stay open: the stream goes on).
    const open = end < this.source.length ? openFenceAtEnd(markdown) : undefined
    if (open) markdown += `${markdown.endsWith('\n') ? '' : '\n'}${open.indent}${open.marker}`
    return { start, end, markdown }
  }

  /** The best cut after `pos` such that the piece before it fits; undefined when none can be made. */
  cut(pos: number, fits: (end: number) => boolean, limit: number): number | undefined {
    let most = this.longestFit(pos, fits, limit)
    for (let attempt = 0; attempt < 8 && most > pos; attempt++) {
      const cut = this.bestBoundary(pos, most)
      if (cut === undefined) break
      if (fits(cut)) return cut
      most = cut - 1
    }
    // No cut the rules allow fits (a fence line longer than the limit, a limit smaller than the
    // decorations): any cut that fits, splitting no character, else the smallest piece.
    for (let p = most; p > pos; p--) if (this.whole(p) && fits(p)) return p
    for (let p = pos + 1; p < this.solidEnd; p++) if (this.whole(p)) return p
    return undefined
  }

  /** Whether p falls between two characters (not inside a surrogate pair or a CRLF). */
  private whole(p: number): boolean {
    const s = this.source
    if (/[\uD800-\uDBFF]/.test(s[p - 1] ?? '') && /[\uDC00-\uDFFF]/.test(s[p] ?? '')) return false
    return !(s[p - 1] === '\r' && s[p] === '\n')
  }

  /** The largest end whose piece fits, by galloping then bisecting (length grows with the end, nearly always). */
  private longestFit(pos: number, fits: (end: number) => boolean, limit: number): number {
    const top = this.solidEnd - 1
    let lo = pos
    let hi = top + 1
    for (let step = Math.max(1, limit); ; step *= 2) {
      const end = Math.min(pos + step, top)
      if (end <= lo) break
      if (!fits(end)) {
        hi = end
        break
      }
      lo = end
      if (end === top) return top
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2)
      if (fits(mid)) lo = mid
      else hi = mid
    }
    return lo
  }

  lateBoundary(pos: number, window: number): number | undefined {
    const floor = Math.max(pos + 1, this.source.length - window)
    for (const kind of BOUNDARIES) {
      for (let p = this.solidEnd - 1; p >= floor; p--)
        if (this.isBoundary(kind, p) && this.allowed(pos, p)) return p
    }
    return undefined
  }

  private bestBoundary(pos: number, most: number): number | undefined {
    const floor = pos + Math.floor((most - pos) / 2)
    for (const kind of BOUNDARIES) {
      for (let p = most; p >= floor; p--) if (this.isBoundary(kind, p) && this.allowed(pos, p)) return p
    }
    for (let p = most; p > pos; p--) if (this.allowed(pos, p)) return p
    return undefined
  }

  private isBoundary(kind: Boundary, p: number): boolean {
    const s = this.source
    const before = s[p - 1] ?? ''
    const at = s[p] ?? ''
    switch (kind) {
      case 'paragraph':
        return before === '\n' && at !== '\n' && this.lineBefore(p).trim() === ''
      case 'line':
        return before === '\n'
      case 'sentence':
        return /[。！？]/.test(before)
          ? !/\s/.test(at)
          : /\s/.test(before) && !/\s/.test(at) && /[.!?][)"'”’]*\s+$/.test(s.slice(Math.max(0, p - 8), p))
      case 'word':
        return /\s/.test(before) && !/\s/.test(at)
    }
  }

  /** The line that ends just before offset p (which starts a line). */
  private lineBefore(p: number): string {
    const end = p - 1
    return this.source.slice(this.source.lastIndexOf('\n', end - 1) + 1, end)
  }

  /** Whether a piece may end at p: it leaves text after it, splits no character, fence line or code edge. */
  private allowed(pos: number, p: number): boolean {
    const s = this.source
    if (p <= pos || p >= this.solidEnd || !this.whole(p)) return false
    for (const f of this.fences) {
      if (p > f.start && p <= f.contentStart) return false
      if (f.closed && p >= f.contentEnd && p < f.end) return false
      if (p > f.contentStart && p < f.contentEnd && (f.codeFrom === 0 || p < f.codeFrom || p >= f.codeTo))
        return false
    }
    if (s[p - 1] === '\n') return true
    // A cut inside a line must not make either half read as something else: a fence line, or outside
    // code a heading, quote or list item.
    const lineStart = s.lastIndexOf('\n', p - 1) + 1
    const lineEnd = s.indexOf('\n', p)
    const head = s.slice(lineStart, p)
    const rest = s.slice(p, lineEnd === -1 ? s.length : lineEnd)
    if (this.fenceInside(p)) return !FENCE_LINE.test(head) && !FENCE_LINE.test(rest)
    return !fenceOpening(head) && !isBlockSyntax(rest)
  }

  /** The fence whose code contains offset p (after its opening line, before its closing one), if any. */
  private fenceInside(p: number): Fence | undefined {
    return this.fences.find((f) => p > f.start && p >= f.contentStart && p < f.contentEnd)
  }
}
