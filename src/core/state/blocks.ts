import type { Clock } from '../contracts/clock.ts'
import type { Store } from '../store/store.ts'

/**
 * People blocked at run time (from the operator's console), beside the environment's
 * BLOCK_USER_IDS: kept in the store, so every process refuses them at once. As with the
 * environment's list, admins are never blocked this way, and a blocked person's events are refused
 * with the same line (`policy.blocked`).
 *
 * @example
 *   await blocks.block('telegram:42', 'console:operator')
 *   if (await blocks.isBlocked('telegram:42')) refuse()
 *   await blocks.unblock('telegram:42')
 */

/** One blocked person, with who blocked them and when. */
export interface BlockEntry {
  /** `platform:id` of the person. */
  userKey: string
  /** Who blocked them. */
  by: string
  at: number
}

export interface Blocks {
  block(userKey: string, by: string): Promise<void>
  unblock(userKey: string): Promise<void>
  isBlocked(userKey: string): Promise<boolean>
  /** Everyone blocked, earliest first. */
  list(): Promise<BlockEntry[]>
}

/** A person as usage, slots and blocks key them. */
export const USER_KEY_PATTERN = /^(telegram|discord|console):[0-9A-Za-z_-]{1,64}$/

export function createBlocks(opts: { store: Store; clock: Clock }): Blocks {
  const kv = opts.store.kv<BlockEntry>('blocked')
  return {
    async block(userKey, by) {
      await kv.set(userKey, { userKey, by, at: opts.clock.now() })
    },
    async unblock(userKey) {
      await kv.delete(userKey)
    },
    async isBlocked(userKey) {
      return (await kv.get(userKey)) !== undefined
    },
    async list() {
      const keys = await opts.store.keys('blocked')
      const entries = (await Promise.all(keys.map((key) => kv.get(key)))).filter(
        (e): e is BlockEntry => e !== undefined && e !== null,
      )
      return entries.sort((a, b) => a.at - b.at || a.userKey.localeCompare(b.userKey))
    },
  }
}
