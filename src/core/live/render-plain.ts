import { type Inline, inlineText, parseInline, scanBlocks } from './markdown.ts'

/**
 * The model's Markdown as plain text, for the console and for a Telegram edit the server refused to
 * parse: markup goes, code fences stay (so code still reads as code), a link shows its address.
 *
 * @example
 *   toPlainText('**Hi**, see [docs](https://x.dev)')  // 'Hi, see docs (https://x.dev)'
 */
export function toPlainText(md: string): string {
  const out: string[] = []
  for (const block of scanBlocks(md)) {
    if (block.type === 'fence') {
      out.push(md.slice(block.start, block.end))
      continue
    }
    const text = plainInline(parseInline(block.content))
    switch (block.kind) {
      case 'blank':
        out.push('')
        break
      case 'rule':
        out.push('———')
        break
      case 'quote':
        out.push(`│ ${text}`)
        break
      case 'bullet':
        out.push(`${block.indent}• ${text}`)
        break
      case 'ordered':
        out.push(`${block.indent}${block.marker} ${text}`)
        break
      default:
        out.push(text)
    }
  }
  return out.join('\n')
}

function plainInline(nodes: Inline[]): string {
  let out = ''
  for (const node of nodes) {
    if (node.type !== 'link' || node.form !== 'markdown') {
      out += inlineText([node])
      continue
    }
    const label = inlineText(node.children)
    out += label === node.url ? label : `${label} (${node.url})`
  }
  return out
}
