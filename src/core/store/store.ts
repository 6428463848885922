import type { Keyv } from 'keyv'
import type { Clock } from '../contracts/clock.ts'
import { StoreUnavailable } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'

/**
 * Where Herald keeps what must outlive a message: conversations, settings, usage, research jobs,
 * locks and rate-limit counters. One SQLite file by default; Redis to share it between processes
 * on several machines. Both backends give the same guarantees: every primitive below is atomic
 * across processes (SQLite through WAL + busy_timeout and single-statement upserts, Redis through
 * SET NX PX, INCRBY and small Lua scripts).
 *
 * @example
 *   const store = await createStore('sqlite:./data/herald.sqlite')
 *   const turns = store.kv<Turn>('conv')
 *   if (await store.claim(`tg:update:${update.update_id}`, processId, 86_400_000)) handle(update)
 */
export interface Store {
  readonly backend: 'sqlite' | 'redis'
  /**
   * A namespaced key-value map (`conv`, `settings`, `jobs`, …). Values are JSON; `set(key, value, ttlMs)`
   * expires the key. The same namespace always gives the same instance.
   */
  kv<T>(namespace: string): Keyv<T>
  /** Names every live key of a namespace (unprefixed, in no particular order). */
  keys(namespace: string): Promise<string[]>

  /**
   * Takes `key` for `owner` if nobody holds it or the holder's time ran out. A second claim by the
   * same owner is refused too, so a claim doubles as "handle this id once" (update de-duplication).
   */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>
  /** Extends the hold to `ttlMs` from now; false when `owner` no longer holds `key`. */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>
  /** Lets go of `key` if `owner` holds it; false otherwise (expired or taken by someone else). */
  release(key: string, owner: string): Promise<boolean>
  /** Who holds `key` now, if anyone. */
  holder(key: string): Promise<string | undefined>

  /**
   * Adds an integer `amount` (may be negative) and returns the new total. Money is counted in
   * integer micro-dollars so totals never drift. `ttlMs` sets the counter's lifetime when it is
   * created (or has none yet): a fixed window that later increments do not extend.
   */
  incrBy(key: string, amount: number, ttlMs?: number): Promise<number>
  /** The counter's value, 0 when absent or expired. */
  counter(key: string): Promise<number>

  /** Adds `member` to `set`; `ttlMs` (re)sets the whole set's lifetime. */
  addToSet(set: string, member: string, ttlMs?: number): Promise<void>
  removeFromSet(set: string, member: string): Promise<void>
  members(set: string): Promise<string[]>

  /**
   * Tells every process listening on `channel`, this one included, about `message` (an id, say).
   * Best effort, like Redis pub/sub: a listener that was not there misses it, so what must not be
   * lost is also written to the store and the message only says "look now".
   */
  notify(channel: string, message: string): Promise<void>
  /**
   * Calls `listener` with every message notified on `channel` once the returned promise resolves
   * (Redis: the subscription is in place); resolves with the unsubscribe.
   */
  listen(channel: string, listener: (message: string) => void): Promise<() => void>

  /**
   * Pacing shared by every process: each bucket (a key, refilled one call every `gapMs`) holds one
   * call. When all of them have it at `now`, takes it from each and returns 0; otherwise takes
   * nothing and returns how many ms until the last of them refills. `now` is the caller's clock, so
   * every process must keep time (NTP); the platforms' limits are paced with a margin above that.
   *
   * @example
   *   const wait = await store.takeCall([{ key: 'chat:telegram:-100', gapMs: 3100 }, { key: 'platform:telegram', gapMs: 34 }], clock.now())
   */
  takeCall(buckets: ReadonlyArray<PaceBucket>, now: number): Promise<number>
  /** No call from bucket `key` before `until` (a 429's retry_after), in any process. */
  holdCalls(key: string, until: number, now: number): Promise<void>

  /**
   * False while a shared backend cannot be reached (Redis down or failing over); its operations then
   * fail at once with StoreUnavailable instead of waiting. A local file is always up.
   */
  isUp(): boolean
  /** Resolves when the backend answers; rejects otherwise (for `/healthz`). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** A rate bucket of {@link Store.takeCall}: one call every `gapMs` under `key`. */
export interface PaceBucket {
  key: string
  gapMs: number
}

export interface StoreOptions {
  /** Time for SQLite expiries (Redis uses its server's clock). */
  clock?: Clock
  /** Prefix of every key, so several deployments (or test runs) can share one Redis. Default `herald:`. */
  prefix?: string
  /** How long a SQLite write waits for another process's lock. Default 5000. */
  busyTimeoutMs?: number
  /** SQLite: how often notifications from other processes sharing the file are looked for. Default 250. */
  notifyPollMs?: number
  /** Errors the store cannot hand to a caller (a Redis subscription that failed). */
  onError?: (error: Error) => void
  /**
   * Hears once that Redis went away (with the error) and once that it is back; the client
   * reconnects on its own in between.
   */
  onAvailability?: (up: boolean, error?: Error) => void
  /** The longest wait between two reconnect attempts to Redis. Default 2000. */
  reconnectMaxMs?: number
}

/** True when `err` comes from the store being away rather than from a bug. */
export function isStoreAway(store: Pick<Store, 'isUp'>, err: unknown): boolean {
  return err instanceof StoreUnavailable || !store.isUp()
}

/**
 * Logs a failed store operation: a warning for a real failure, debug while the store is away (its
 * loss and return are logged once each where it is opened, not once per operation).
 */
export function logStoreFailure(
  store: Pick<Store, 'isUp'>,
  log: Pick<Logger, 'warn' | 'debug'>,
  err: unknown,
  fields: Record<string, unknown>,
  message: string,
): void {
  if (isStoreAway(store, err)) log.debug({ err, ...fields }, message)
  else log.warn({ err, ...fields }, message)
}
