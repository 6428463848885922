import type { Pace } from '../contracts/surface.ts'

/**
 * The platforms' limits (FACTS.md), with a margin for clock and network jitter. Adapters build
 * their Surface's `pace` and `limit` from these; the lane registry takes the global gaps.
 */
export const telegramLimits = {
  /** About one call a second per chat (edits count). */
  privateEditMs: 1100,
  /** 20 calls a minute per group. */
  groupEditMs: 3100,
  /** Characters after entity parsing. */
  messageLimit: 4096,
  /** About 30 calls a second across all chats. */
  globalGapMs: 34,
} as const

export const discordLimits = {
  /** Edits in one channel: about 5 per 5 s. */
  channelEditMs: 1100,
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
