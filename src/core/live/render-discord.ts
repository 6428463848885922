import { type FenceBlock, type Inline, parseInline, scanBlocks } from './markdown.ts'

/**
 * The model's Markdown for Discord, which renders Markdown itself: the text stays as written except
 * that links are wrapped (`[a](<url>)`, `<url>`) so they do not unfurl, code fences are written
 * with backticks (Discord knows no `~~~`), and nothing can mention anyone: `@everyone`, `@here`,
 * `<@id>`, `<@&id>` get a zero-width space after the `@`, in code too (Discord's idea of where code
 * starts can differ from ours). The adapter also sends `allowed_mentions: { parse: [] }`.
 *
 * @example
 *   toDiscordMarkdown('see https://x.dev @here')  // 'see <https://x.dev> @\u200bhere'
 */
export function toDiscordMarkdown(md: string): string {
  const out: string[] = []
  for (const block of scanBlocks(md)) {
    if (block.type === 'fence') out.push(fenceMarkdown(md, block))
    else out.push(block.lead + inlineMarkdown(parseInline(block.content)))
  }
  return neutraliseMentions(out.join('\n'))
}

/** Markdown lines as Discord subtext (`-# `), for the reasoning summary; blank lines are dropped. */
export function toDiscordSubtext(md: string): string {
  const lines = md
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `-# ${inlineMarkdown(parseInline(line.trim()))}`)
  return neutraliseMentions(lines.join('\n'))
}

/** Inserts a zero-width space after the `@` of every mention form, so the text pings nobody. */
export function neutraliseMentions(text: string): string {
  return text.replace(/<@(?!\u200b)/g, '<@\u200b').replace(/@(everyone|here)/gi, '@\u200b$1')
}

/** Text Herald writes itself (labels, titles, queries): mentions neutralised, Markdown escaped. */
export function escapeDiscord(text: string): string {
  return neutraliseMentions(text.replace(/[\\*_~`|[\]<>]/g, '\\$&'))
}

/** A fence with backticks, closed even when the stream has not closed it yet. */
function fenceMarkdown(md: string, fence: FenceBlock): string {
  const code = md.slice(fence.contentStart, fence.contentEnd)
  const raw = md.slice(fence.start, fence.end)
  if (fence.marker.startsWith('`')) {
    return fence.closed ? raw : `${raw}${raw.endsWith('\n') ? '' : '\n'}${fence.indent}${fence.marker}`
  }
  const longest = Math.max(0, ...(code.match(/^[ \t]*`+/gm) ?? []).map((run) => run.trim().length))
  const ticks = '`'.repeat(Math.max(3, longest + 1))
  const body = code === '' || code.endsWith('\n') ? code : `${code}\n`
  return `${fence.indent}${ticks}${fence.lang}\n${body}${fence.indent}${ticks}`
}

function inlineMarkdown(nodes: Inline[]): string {
  let out = ''
  for (const node of nodes) {
    switch (node.type) {
      case 'text':
      case 'code':
        out += node.raw
        break
      case 'strong':
      case 'em':
      case 'strike':
        out += node.delim + inlineMarkdown(node.children) + node.delim
        break
      case 'link':
        out += linkMarkdown(node)
        break
    }
  }
  return out
}

function linkMarkdown(node: Extract<Inline, { type: 'link' }>): string {
  const url = /[<>\s]/.test(node.url) ? node.url : `<${node.url}>`
  if (node.form !== 'markdown') return url
  return `[${inlineMarkdown(node.children)}](${url})`
}
