import { t } from '../i18n/i18n.ts'
import type { Activity, AnswerState, Citation } from '../responses/state.ts'
import type { MessageFormat } from './format.ts'

/**
 * The words a live message writes itself, by key; pass the app's translator to localise them
 * (the keys are the app's i18n keys). English defaults: `englishLabels`.
 */
export type LiveLabelKey =
  | 'status.waiting'
  | 'status.queued'
  | 'status.thinking'
  | 'status.searching'
  | 'status.searching_plain'
  | 'status.calling'
  | 'status.drawing'
  | 'sources.title'
  | 'answer.empty'
  | 'reason.max_output_tokens'
  | 'reason.content_filter'
  | 'reason.stream_ended'
  | 'reason.timeout'
  | 'reason.aborted'
  | 'reason.max_tool_rounds'
  | 'reason.cancelled'
  | 'reason.failed'
  | 'reason.incomplete'

export type LiveTranslate = (key: LiveLabelKey, params?: Record<string, string | number>) => string

/** The English words, from the app's own table (src/core/i18n/i18n.ts), where every LiveLabelKey is a key. */
export const englishLabels: LiveTranslate = (key, params = {}) => t('en', key, params)

/** The status line for what the model is doing; undefined while it writes (the cursor says enough). */
export function statusLabel(activity: Activity, t: LiveTranslate): string | undefined {
  switch (activity.kind) {
    case 'waiting':
      return t('status.waiting')
    case 'queued':
      return t('status.queued')
    case 'thinking':
      return t('status.thinking')
    case 'searching':
      return activity.query
        ? t('status.searching', { query: clip(oneLine(activity.query), 80) })
        : t('status.searching_plain')
    case 'calling':
      return t('status.calling', { name: clip(oneLine(activity.name), 60) })
    case 'drawing':
      return t('status.drawing')
    case 'writing':
      return undefined
  }
}

const INCOMPLETE_KEYS = new Set([
  'max_output_tokens',
  'content_filter',
  'stream_ended',
  'timeout',
  'aborted',
  'max_tool_rounds',
])

/** The one line an answer that did not complete ends with; undefined for a completed one. */
export function reasonLine(state: AnswerState, t: LiveTranslate): string | undefined {
  switch (state.status) {
    case 'completed':
      return undefined
    case 'cancelled':
      return t('reason.cancelled')
    case 'failed':
      return t('reason.failed', {
        message: clip(oneLine(state.error?.message || state.error?.code || 'error'), 200),
      })
    case 'incomplete': {
      const reason = state.incompleteReason ?? 'unknown'
      return INCOMPLETE_KEYS.has(reason)
        ? t(`reason.${reason}` as LiveLabelKey)
        : t('reason.incomplete', { reason })
    }
    default:
      // Finished while still in progress: the stream ended without a final event.
      return t('reason.stream_ended')
  }
}

/** Everything one message shows; the body is the answer's Markdown for this message. */
export interface MessageParts {
  /** The reasoning summary (Markdown), collapsed above the body. */
  reasoning?: string
  body: string
  cursor?: string
  status?: string
  sourcesTitle?: string
  sources?: Citation[]
  reason?: string
  /** Shown when nothing else would be (a message cannot be empty). */
  empty?: string
}

export function composeMessage(format: MessageFormat, parts: MessageParts): string {
  const sections: string[] = []
  if (parts.reasoning) sections.push(format.collapsed(parts.reasoning))
  let body = format.body(trimBody(parts.body))
  if (parts.cursor !== undefined)
    body = body.trim() === '' ? parts.cursor.trim() : format.cursor(body, parts.cursor)
  if (body.trim() !== '') sections.push(body)
  if (parts.status) sections.push(format.note(parts.status))
  if (parts.sources && parts.sources.length > 0)
    sections.push(sourcesBlock(format, parts.sources, parts.sourcesTitle))
  if (parts.reason) sections.push(format.note(parts.reason))
  if (sections.length === 0 && parts.empty) sections.push(format.note(parts.empty))
  return sections.join('\n\n')
}

/** Leading blank lines and trailing whitespace do not show; dropping them keeps a message from looking empty. */
function trimBody(md: string): string {
  return md.replace(/^(?:[ \t]*\n)+/, '').trimEnd()
}

function sourcesBlock(format: MessageFormat, sources: Citation[], title = 'Sources'): string {
  const lines = [format.heading(title)]
  sources.forEach((c, i) => {
    lines.push(format.source(i + 1, clip(oneLine(c.title), 120), c.url))
  })
  return lines.join('\n')
}

/**
 * The longest sources list that stays within `maxLength` (the rest are dropped), so a message with
 * fifty citations still fits its limit.
 */
export function fitSources(
  format: MessageFormat,
  sources: Citation[],
  maxLength: number,
  title?: string,
): Citation[] {
  let n = sources.length
  while (n > 0 && format.length(sourcesBlock(format, sources.slice(0, n), title)) > maxLength) n--
  return sources.slice(0, n)
}

/** The reasoning summary cut to `maxLength` as the platform counts it: its start at the end, its latest part while streaming. */
export function fitReasoning(
  format: MessageFormat,
  md: string,
  maxLength: number,
  keep: 'head' | 'tail',
): string {
  const whole = md.trim()
  let text = whole
  for (let size = whole.length; text !== '' && format.length(format.collapsed(text)) > maxLength; ) {
    size = Math.floor(size * 0.8)
    if (size < 2) return ''
    text =
      keep === 'head'
        ? `${dropBrokenPair(whole.slice(0, size)).trimEnd()}…`
        : `…${dropBrokenPair(whole.slice(-size)).trimStart()}`
  }
  return text
}

function dropBrokenPair(s: string): string {
  return s.replace(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/g, '')
}

/** Text for one line: a status or a reason must not break the message's layout. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${dropBrokenPair(text.slice(0, max - 1))}…`
}
