import { type Block, fenceCode, type Inline, parseInline, scanBlocks } from './markdown.ts'
import { escapeAttribute, escapeHtml } from './parse-telegram-html.ts'

/**
 * The model's Markdown as Telegram HTML: bold, italic, strike, code, pre with its language, links,
 * blockquotes; headings become bold lines and lists stay text. Every character the model wrote is
 * escaped and every tag is written from the parse tree, so any input (half an answer included)
 * gives HTML Telegram accepts.
 *
 * @example
 *   toTelegramHtml('**Hi** <you> & `x`')  // '<b>Hi</b> &lt;you&gt; &amp; <code>x</code>'
 */
export function toTelegramHtml(md: string): string {
  const blocks = scanBlocks(md)
  const out: string[] = []
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!
    if (block.type === 'fence') {
      out.push(renderFence(fenceCode(md, block), block.lang))
      continue
    }
    if (block.kind !== 'quote') {
      out.push(renderLine(block))
      continue
    }
    const quoted: string[] = []
    for (let q: Block | undefined = block; q?.type === 'line' && q.kind === 'quote'; q = blocks[++i]) {
      quoted.push(inlineHtml(parseInline(q.content), 0))
    }
    i--
    out.push(`<blockquote>${quoted.join('\n')}</blockquote>`)
  }
  return out.join('\n')
}

/** Markdown lines as HTML inside a collapsed `<blockquote expandable>` (for the reasoning summary). */
export function toTelegramCollapsed(md: string): string {
  const lines = md.split('\n').map((line) => inlineHtml(parseInline(line), 0))
  return `<blockquote expandable>${lines.join('\n')}</blockquote>`
}

function renderFence(code: string, lang: string): string {
  if (code.trim() === '') return ''
  if (lang === '') return `<pre>${escapeHtml(code)}</pre>`
  return `<pre><code class="language-${escapeAttribute(lang)}">${escapeHtml(code)}</code></pre>`
}

function renderLine(block: Extract<Block, { type: 'line' }>): string {
  const inline = () => inlineHtml(parseInline(block.content), 0)
  switch (block.kind) {
    case 'blank':
      return ''
    case 'rule':
      return '———'
    case 'heading':
      return `<b>${inlineHtml(parseInline(block.content), 1)}</b>`
    case 'bullet':
      return `${escapeHtml(block.indent)}• ${inline()}`
    case 'ordered':
      return `${escapeHtml(block.indent)}${escapeHtml(block.marker)} ${inline()}`
    default:
      return inline()
  }
}

const SAFE_URL = /^(?:https?:\/\/|mailto:|tg:\/\/)\S+$/i

/** depth > 0 means inside formatting, where Telegram allows no code entity: code shows as plain text there. */
function inlineHtml(nodes: Inline[], depth: number): string {
  let out = ''
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
        out += escapeHtml(node.text)
        break
      case 'code':
        out += depth > 0 ? escapeHtml(node.text) : `<code>${escapeHtml(node.text)}</code>`
        break
      case 'strong':
        out += `<b>${inlineHtml(node.children, depth + 1)}</b>`
        break
      case 'em':
        out += `<i>${inlineHtml(node.children, depth + 1)}</i>`
        break
      case 'strike':
        out += `<s>${inlineHtml(node.children, depth + 1)}</s>`
        break
      case 'link':
        out += linkHtml(node.url, node.form === 'markdown' ? node.children : [], depth)
        break
    }
  }
  return out
}

function linkHtml(url: string, children: Inline[], depth: number): string {
  const label = children.length > 0 ? inlineHtml(children, depth + 1) : escapeHtml(url)
  if (children.length === 0 || !SAFE_URL.test(url)) return label
  return `<a href="${escapeAttribute(url)}">${label}</a>`
}
