import { BotApiError, type TgChat } from './fake-telegram-types.ts'

/** One flood rule: at most `max` calls in any `windowMs`. */
export interface RateRule {
  windowMs: number
  max: number
}

export interface RateLimits {
  private: RateRule[]
  group: RateRule[]
  global: RateRule[]
  /** Timer tolerance: a call this much early still counts as outside the window. */
  slackMs: number
}

/** Telegram's flood limits as commonly observed: 1 call/s per chat, 20/min per group, 30/s overall. */
export const TELEGRAM_RATE_LIMITS: RateLimits = {
  private: [{ windowMs: 1000, max: 1 }],
  group: [
    { windowMs: 1000, max: 1 },
    { windowMs: 60_000, max: 20 },
  ],
  global: [{ windowMs: 1000, max: 30 }],
  slackMs: 25,
}

/**
 * Telegram's flood control as the fake applies it to calls that change a chat (send, edit, document,
 * draft): sliding windows per chat and overall, a 429 with `retry_after` that also blocks the chat
 * until then, forced 429s for tests, and a record of calls made inside a running retry_after.
 */
export class FloodControl {
  rateLimits: RateLimits | false
  /** Calls made while the chat was inside a running retry_after (the bot should never do this). */
  readonly violations: { chat: number; method: string; at: number }[] = []
  private readonly chatCalls = new Map<number, number[]>()
  private readonly globalCalls: number[] = []
  private readonly blockedUntil = new Map<number, number>()
  private readonly forced = new Map<number, number>()
  private readonly now: () => number

  constructor(rateLimits: RateLimits | false, now: () => number) {
    this.rateLimits = rateLimits
    this.now = now
  }

  /** Makes the next send/edit in the chat fail with 429 and blocks the chat for `seconds`. */
  rateLimitNext(chatId: number, seconds: number): void {
    this.forced.set(chatId, seconds)
  }

  /** Flood control for one call that changes a chat (send, edit, document, draft). */
  throttle(chat: TgChat, method: string): void {
    const now = this.now()
    const forced = this.forced.get(chat.id)
    if (forced !== undefined) {
      this.forced.delete(chat.id)
      this.blockedUntil.set(chat.id, now + forced * 1000)
      throw new BotApiError(429, `Too Many Requests: retry after ${forced}`, forced)
    }
    const until = this.blockedUntil.get(chat.id) ?? 0
    if (until > now) {
      this.violations.push({ chat: chat.id, method, at: now })
      const retry = Math.max(1, Math.ceil((until - now) / 1000))
      throw new BotApiError(429, `Too Many Requests: retry after ${retry}`, retry)
    }
    const limits = this.rateLimits
    if (limits === false) return
    const calls = this.chatCalls.get(chat.id) ?? []
    this.chatCalls.set(chat.id, calls)
    const rules = chat.type === 'private' ? limits.private : limits.group
    const check = (list: number[], rule: RateRule, blockChat: boolean) => {
      const inWindow = list.filter((at) => at > now - rule.windowMs + limits.slackMs)
      if (inWindow.length < rule.max) return
      const retry = Math.max(1, Math.ceil((inWindow[0]! + rule.windowMs - now) / 1000))
      if (blockChat) this.blockedUntil.set(chat.id, now + retry * 1000)
      throw new BotApiError(429, `Too Many Requests: retry after ${retry}`, retry)
    }
    for (const rule of rules) check(calls, rule, true)
    for (const rule of limits.global) check(this.globalCalls, rule, false)
    calls.push(now)
    this.globalCalls.push(now)
    const horizon = now - 120_000
    while (calls.length > 0 && calls[0]! < horizon) calls.shift()
    while (this.globalCalls.length > 0 && this.globalCalls[0]! < horizon) this.globalCalls.shift()
  }
}
