import type { Invocation } from '../contracts/chat.ts'
import type { MessageRef, Surface } from '../contracts/surface.ts'
import type { Translate } from '../i18n/i18n.ts'
import { inLane } from '../live/in-lane.ts'
import { toPlainText } from '../live/render-plain.ts'
import { NO_TOKENS } from '../responses/state.ts'
import { MICRO_USD_PER_USD, speechMicroUsd } from '../state/usage.ts'
import type { AnswerDeps } from './answer-deps.ts'

/**
 * Voice out (`/voice on`): once an answer's text is final it is also spoken (`POST /audio/speech`
 * with the speech model in TTS_VOICE, Ogg/Opus) and sent as a voice message through the chat's lane, so it keeps
 * the platform's pace. The budget is checked before the request and the speech is recorded in
 * usage, priced per character. The voice message belongs to the answer's turn: a reply to it
 * continues the conversation as a reply to the text would. Speaking never harms the text answer: a failure is one log line and
 * one short notice.
 *
 * A long answer is spoken only up to its first sentence boundary within the endpoint's 4096
 * characters, with a caption saying the rest is in the text. Speaking it in parts would send
 * several voice messages in a row (a 4096-character part is already about four minutes of
 * listening), hold the chat's lane for all of them, and multiply the cost, while the whole answer
 * is already right above as text.
 *
 * @example
 *   const spoken = spokenPart('First. Second.', 8)  // { text: 'First.', cut: true }
 *   await speakAnswer(s, inv, surface, answerText, signal)
 */

/** Characters `/audio/speech` takes in one `input`. */
export const SPEECH_INPUT_LIMIT = 4096

export interface SpokenPart {
  text: string
  /** True when the answer goes on past `text`. */
  cut: boolean
}

/**
 * What is spoken of `text`: all of it when it fits `limit`, else its start up to the last sentence
 * end (then paragraph, line, word) within `limit`, hard-cut when there is none.
 */
export function spokenPart(text: string, limit = SPEECH_INPUT_LIMIT): SpokenPart {
  const whole = text.trim()
  if (whole.length <= limit) return { text: whole, cut: false }
  const head = whole.slice(0, limit + 1)
  const boundaries = [/[.!?…。！？](?=[\s"'”’)\]]|$)/g, /\n\s*\n/g, /\n/g, /\s/g]
  for (const boundary of boundaries) {
    let end = -1
    for (const match of head.matchAll(boundary)) {
      const at = boundary === boundaries[0] ? match.index + match[0].length : match.index
      if (at <= limit && at > 0) end = at
    }
    if (end > 0) return { text: whole.slice(0, end).trim(), cut: true }
  }
  return { text: whole.slice(0, limit), cut: true }
}

/** The answer's Markdown as words to say: plain text, without code fences' markers. */
export function speakableText(markdown: string): string {
  return toPlainText(markdown)
    .split('\n')
    .filter((line) => !/^\s*(`{3,}|~{3,})/.test(line))
    .join('\n')
    .trim()
}

export interface SpeakContext {
  s: AnswerDeps & { t: Translate }
  inv: Invocation
  surface: Surface
  user: string
  signal: AbortSignal
}

/** What speaking an answer did: the dollars it cost, and the voice message when one was sent. */
export interface Spoken {
  usd: number
  message?: MessageRef
}

const NOT_SPOKEN: Spoken = { usd: 0 }

/** Speaks `markdown` and sends it as a voice message. */
export async function speakAnswer(ctx: SpeakContext, markdown: string): Promise<Spoken> {
  const { s, inv, surface, user, signal } = ctx
  const sendVoice = surface.sendVoice
  if (!sendVoice) return NOT_SPOKEN
  const spoken = spokenPart(speakableText(markdown))
  if (spoken.text === '') return NOT_SPOKEN
  const model = s.config.speechModel
  const log = s.log.child({ chat: inv.chat.key, user, model })
  try {
    const estimateUsd = speechMicroUsd(s.models, model, spoken.text.length) / MICRO_USD_PER_USD
    const budget = await s.budgets.check({ user, chat: inv.chat.key, isAdmin: inv.user.isAdmin, estimateUsd })
    if (!budget.ok) {
      log.info({ scope: budget.scope }, 'voice message skipped: over budget')
      await inv.notify(s.t('voice.over_budget'))
      return NOT_SPOKEN
    }
    const bytes = await s.media.speak(
      { model, input: spoken.text, voice: s.config.speechVoice, response_format: 'opus' },
      signal,
    )
    const cost = await s.usage.record({
      user,
      chat: inv.chat.key,
      model,
      usage: NO_TOKENS,
      speech: { model, chars: spoken.text.length },
    })
    s.metrics.dollars.inc({ model }, cost.usd)
    const caption = spoken.cut ? s.t('voice.rest_in_text') : undefined
    const message = await inLane(s.lanes, surface, () => sendVoice.call(surface, bytes, caption))
    return { usd: cost.usd, message }
  } catch (err) {
    if (signal.aborted) return NOT_SPOKEN
    log.warn({ err }, 'speaking the answer failed')
    await inv.notify(s.t('voice.failed')).catch(() => undefined)
    return NOT_SPOKEN
  }
}
