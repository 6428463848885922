import type { TextFormat } from '../contracts/surface.ts'
import { escapeAttribute, escapeHtml, telegramTextLength } from './parse-telegram-html.ts'
import { escapeDiscord, neutraliseMentions, toDiscordMarkdown, toDiscordSubtext } from './render-discord.ts'
import { toPlainText } from './render-plain.ts'
import { toTelegramCollapsed, toTelegramHtml } from './render-telegram-html.ts'

/**
 * How one platform writes each part of a live message, and how it counts length.
 * `body` and `collapsed` take the model's Markdown; the others take Herald's own words.
 *
 * @example
 *   const f = formatFor('telegram-html')
 *   f.length(f.body('**hi**'))  // 2
 */
export interface MessageFormat {
  readonly name: TextFormat
  /** The answer's Markdown. */
  body(markdown: string): string
  /** The reasoning summary, collapsed. */
  collapsed(markdown: string): string
  /** A quiet line: the status while streaming, the reason an answer ended early. */
  note(text: string): string
  heading(text: string): string
  /** One numbered source link. */
  source(n: number, title: string, url: string): string
  /** The body with the streaming cursor after it. */
  cursor(body: string, cursor: string): string
  /** Length as the platform's limit counts it. */
  length(text: string): number
}

const WEB_URL = /^https?:\/\/[^\s<>"]+$/i

export const telegramHtmlFormat: MessageFormat = {
  name: 'telegram-html',
  body: toTelegramHtml,
  collapsed: toTelegramCollapsed,
  note: (text) => `<i>${escapeHtml(text)}</i>`,
  heading: (text) => `<b>${escapeHtml(text)}</b>`,
  source: (n, title, url) =>
    WEB_URL.test(url)
      ? `${n}. <a href="${escapeAttribute(url)}">${escapeHtml(title || url)}</a>`
      : `${n}. ${escapeHtml(title || url)}`,
  cursor: (body, cursor) =>
    /<\/(pre|blockquote)>$/.test(body) ? `${body}\n${cursor.trim()}` : body + cursor,
  length: telegramTextLength,
}

export const discordFormat: MessageFormat = {
  name: 'discord-markdown',
  body: toDiscordMarkdown,
  collapsed: toDiscordSubtext,
  note: (text) => `-# ${escapeDiscord(text)}`,
  heading: (text) => `**${escapeDiscord(text)}**`,
  source: (n, title, url) =>
    WEB_URL.test(url)
      ? `${n}. [${escapeDiscord(title || url)}](<${neutraliseMentions(url)}>)`
      : `${n}. ${escapeDiscord(title || url)}`,
  cursor: (body, cursor) =>
    /(^|\n)[ \t]*(`{3,}|~{3,})[ \t]*$/.test(body) ? `${body}\n${cursor.trim()}` : body + cursor,
  length: (text) => text.length,
}

export const plainFormat: MessageFormat = {
  name: 'plain',
  body: toPlainText,
  collapsed: (md) =>
    toPlainText(md)
      .split('\n')
      .map((line) => `│ ${line}`)
      .join('\n'),
  note: (text) => text,
  heading: (text) => `${text}:`,
  source: (n, title, url) => (title && title !== url ? `${n}. ${title} — ${url}` : `${n}. ${url}`),
  cursor: (body, cursor) => body + cursor,
  length: (text) => text.length,
}

export function formatFor(name: TextFormat): MessageFormat {
  if (name === 'telegram-html') return telegramHtmlFormat
  if (name === 'discord-markdown') return discordFormat
  return plainFormat
}
