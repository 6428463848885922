import type { Clock } from '../contracts/clock.ts'
import type { Store } from '../store/store.ts'

/**
 * The pace every process of one bot keeps together: a chat's interval (Telegram about 1 call a
 * second in a private chat, 20 a minute in a group) and the platform's (30 a second, Discord 50)
 * hold across processes, and a 429 seen by one process pauses that chat in all of them. Each lane
 * asks before every call; local pacing and priorities stay in the lane.
 *
 * @example
 *   const wait = await pace.take('telegram:-100', 3100, 'telegram', 34)
 *   if (wait > 0) await clock.sleep(wait)   // then ask again
 */
export interface SharedPace {
  /** 0 when a call may go now in the chat and on its platform (the call is then counted); otherwise ms to wait. */
  take(chatKey: string, chatGapMs: number, platform: string, platformGapMs: number): Promise<number>
  /** Nothing goes to the chat (or, when `global`, to the platform) for `ms`, in any process. */
  hold(chatKey: string, platform: string, ms: number, global: boolean): Promise<void>
}

/**
 * Shared pacing kept in the store (SQLite for processes of one machine, Redis for many). While the
 * store is away the lanes' own pacing goes on alone: a process is then only as polite as itself.
 */
export function storePace(store: Pick<Store, 'takeCall' | 'holdCalls'>, clock: Clock): SharedPace {
  return {
    async take(chatKey, chatGapMs, platform, platformGapMs) {
      const buckets = [{ key: `chat:${chatKey}`, gapMs: chatGapMs }]
      if (platformGapMs > 0) buckets.push({ key: `platform:${platform}`, gapMs: platformGapMs })
      try {
        return await store.takeCall(buckets, clock.now())
      } catch {
        return 0
      }
    },
    async hold(chatKey, platform, ms, global) {
      const key = global ? `platform:${platform}` : `chat:${chatKey}`
      const now = clock.now()
      await store.holdCalls(key, now + ms, now).catch(() => {})
    },
  }
}
