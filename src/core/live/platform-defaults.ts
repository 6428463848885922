import type { Pace } from '../contracts/surface.ts'

/**
 * What the per-chat paces add to a platform's limit for clock and network jitter. A lane also
 * spaces a call from the end of the one before by the pace less this margin, so however late a
 * slow call reached the platform, the next arrives at least the limit after it.
 */
export const PACE_MARGIN_MS = 100

/**
 * The platforms' limits (FACTS.md), with PACE_MARGIN_MS. Adapters build their Surface's `pace`
 * and `limit` from these; the lane registry takes the global gaps.
 */
export const telegramLimits = {
  /** About one call a second per chat (edits count). */
  privateEditMs: 1000 + PACE_MARGIN_MS,
  /** 20 calls a minute per group. */
  groupEditMs: 3000 + PACE_MARGIN_MS,
  /** Characters after entity parsing. */
  messageLimit: 4096,
  /** About 30 calls a second across all chats. */
  globalGapMs: 34,
} as const

export const discordLimits = {
  /** Edits in one channel: about 5 per 5 s. */
  channelEditMs: 1000 + PACE_MARGIN_MS,
  messageLimit: 2000,
  /** 50 requests a second across the bot. */
  globalGapMs: 20,
} as const

export function telegramPace(chat: 'private' | 'group'): Pace {
  const ms = chat === 'private' ? telegramLimits.privateEditMs : telegramLimits.groupEditMs
  return { perMessageMs: ms, perChatMs: ms }
}

export function discordPace(): Pace {
  return { perMessageMs: discordLimits.channelEditMs, perChatMs: discordLimits.channelEditMs }
}

/** Minimum time between two calls to one platform across all its chats, by the chat key's prefix. */
export const defaultGlobalGapMs: Readonly<Record<string, number>> = {
  telegram: telegramLimits.globalGapMs,
  discord: discordLimits.globalGapMs,
}
