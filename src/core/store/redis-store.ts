import KeyvRedis, { createClient, Keyv } from '@keyv/redis'
import { ConfigError, StoreUnavailable } from '../contracts/errors.ts'
import { assertIntegerAmount, assertNamespace, assertTtl } from './key-rules.ts'
import { Listeners } from './notifications.ts'
import type { Store, StoreOptions } from './store.ts'

// Each script reads and writes one key, so it is atomic on the server (and cluster-safe).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`
const INCR = `local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`
const ADD = `redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`

/** A pacing bucket outlives its next call by this much, so a clock a little off never revives a spent one. */
const PACE_KEEP_MS = 60_000

// Every bucket holds the time its next call may go (the caller's clock, in ms). All of them are
// checked, and only when none is running late are they all moved on: atomic, so two processes never
// both take the last call. The hash tag keeps every bucket on one cluster slot.
const TAKE = `local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local at = tonumber(redis.call('GET', key) or '0')
  if at - now > wait then wait = at - now end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  local gap = tonumber(ARGV[i + 1])
  redis.call('SET', key, string.format('%.0f', now + gap), 'PX', gap + ${PACE_KEEP_MS})
end
return 0`
const HOLD = `local now = tonumber(ARGV[1])
local untilAt = tonumber(ARGV[2])
local at = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilAt > at then
  redis.call('SET', KEYS[1], string.format('%.0f', untilAt), 'PX', math.max(1, untilAt - now) + ${PACE_KEEP_MS})
end
return 1`

type RedisClient = ReturnType<typeof createClient>

/** `redis://user:secret@host` → `redis://user:***@host`, for error messages. */
function redact(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}

/**
 * The store for more than one machine: one Redis, keys under `prefix` (default `herald:`):
 * `kv:<namespace>:<key>` (keyv), `lock:<key>`, `n:<key>` (counters), `set:<name>`. TTLs run on the
 * Redis server's clock. A Redis that cannot be reached at start-up is a clear error. Later outages
 * are survived: while the client reconnects every command fails at once (no offline queue, so
 * nothing hangs and nothing runs late), `isUp()` is false, and `onAvailability` hears of the loss
 * once and of the return once.
 */
export async function createRedisStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  const prefix = opts.prefix ?? 'herald:'
  let connected = false
  let up = false
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(2 ** retries * 100, opts.reconnectMaxMs ?? 2000) : retries < 2 ? 200 : cause,
    },
  })
  // The client reports every failed reconnect attempt; people hear of the state changes only.
  client.on('error', (error: Error) => {
    if (!connected || !up) return
    up = false
    opts.onAvailability?.(false, error)
  })
  client.on('ready', () => {
    if (!connected || up) return
    up = true
    opts.onAvailability?.(true)
  })
  try {
    await client.connect()
  } catch (error) {
    throw new ConfigError('STORE_URL', `cannot reach Redis at ${redact(url)}: ${(error as Error).message}`)
  }
  connected = true
  up = true
  // Every keyv namespace adds its own listeners to the shared client.
  client.setMaxListeners(100)

  const lock = (key: string) => `${prefix}lock:${key}`
  const count = (key: string) => `${prefix}n:${key}`
  const set = (name: string) => `${prefix}set:${name}`
  const pace = (key: string) => `${prefix}{pace}:${key}`
  const kvPrefix = (namespace: string) => `${prefix}kv:${namespace}`
  const ms = (ttlMs: number) => String(Math.max(1, Math.ceil(ttlMs)))

  const namespaces = new Map<string, Keyv<unknown>>()
  let closed = false

  // Notifications: Redis pub/sub on a second connection (a subscribed connection runs no other
  // command), opened at the first listen. Every process, this one included, hears a publish.
  const channel = (name: string) => `${prefix}ch:${name}`
  const listeners = new Listeners()
  const subscribed = new Set<string>()
  let subscriber: RedisClient | undefined
  let subscribing: Promise<void> = Promise.resolve()
  const subscribe = (name: string) => {
    subscribing = subscribing
      .then(async () => {
        if (!subscriber) {
          subscriber = client.duplicate()
          // It shares the main connection's fate, whose loss and return are reported once each.
          subscriber.on('error', () => {})
          await subscriber.connect()
        }
        await subscriber.subscribe(channel(name), (message: string) => listeners.deliver(name, message))
      })
      .catch((error: unknown) => opts.onError?.(error as Error))
  }

  /** An error while Redis is away becomes StoreUnavailable, so callers can tell it from a bug. */
  const guard = <T>(promise: Promise<T>): Promise<T> =>
    promise.catch((error: unknown) => {
      throw up || closed
        ? error
        : new StoreUnavailable(`Redis is unavailable: ${(error as Error).message}`, { cause: error })
    })

  return {
    backend: 'redis',

    isUp: () => up,

    kv<T>(namespace: string): Keyv<T> {
      assertNamespace(namespace)
      let keyv = namespaces.get(namespace)
      if (!keyv) {
        const full = kvPrefix(namespace)
        const store = new KeyvRedis<unknown>(client, {
          namespace: full,
          keyPrefixSeparator: ':',
          throwOnErrors: true,
        })
        keyv = new Keyv<unknown>({ store, namespace: full, useKeyPrefix: false, throwOnErrors: true })
        namespaces.set(namespace, keyv)
      }
      return keyv as Keyv<T>
    },

    async keys(namespace) {
      assertNamespace(namespace)
      const start = `${kvPrefix(namespace)}:`
      const found: string[] = []
      for await (const batch of client.scanIterator({ MATCH: `${escapeGlob(start)}*`, COUNT: 500 })) {
        for (const key of batch) found.push(String(key).slice(start.length))
      }
      return found.sort()
    },

    async claim(key, owner, ttlMs) {
      assertTtl(ttlMs)
      const reply = await guard(
        client.set(lock(key), owner, {
          condition: 'NX',
          expiration: { type: 'PX', value: Number(ms(ttlMs)) },
        }),
      )
      return reply === 'OK'
    },

    async renew(key, owner, ttlMs) {
      assertTtl(ttlMs)
      return (
        Number(await guard(client.eval(RENEW, { keys: [lock(key)], arguments: [owner, ms(ttlMs)] }))) === 1
      )
    },

    async release(key, owner) {
      return Number(await guard(client.eval(RELEASE, { keys: [lock(key)], arguments: [owner] }))) === 1
    },

    async holder(key) {
      const owner = await guard(client.get(lock(key)))
      return owner === null ? undefined : String(owner)
    },

    async incrBy(key, amount, ttlMs) {
      assertIntegerAmount(amount)
      if (ttlMs !== undefined) assertTtl(ttlMs)
      const ttl = ttlMs === undefined ? '' : ms(ttlMs)
      return Number(await guard(client.eval(INCR, { keys: [count(key)], arguments: [String(amount), ttl] })))
    },

    async counter(key) {
      const value = await guard(client.get(count(key)))
      return value === null ? 0 : Number(value)
    },

    async addToSet(name, member, ttlMs) {
      if (ttlMs !== undefined) assertTtl(ttlMs)
      const ttl = ttlMs === undefined ? '' : ms(ttlMs)
      await guard(client.eval(ADD, { keys: [set(name)], arguments: [member, ttl] }))
    },

    async removeFromSet(name, member) {
      await guard(client.sRem(set(name), member))
    },

    async members(name) {
      return (await guard(client.sMembers(set(name)))).map(String).sort()
    },

    async notify(name, message) {
      await guard(client.publish(channel(name), message))
    },

    async listen(name, listener) {
      const remove = listeners.add(name, listener)
      if (!subscribed.has(name)) {
        subscribed.add(name)
        subscribe(name)
      }
      await subscribing
      return remove
    },

    async takeCall(buckets, now) {
      if (buckets.length === 0) return 0
      const args = [String(Math.floor(now)), ...buckets.map((b) => String(Math.ceil(b.gapMs)))]
      const keys = buckets.map((b) => pace(b.key))
      return Number(await guard(client.eval(TAKE, { keys, arguments: args })))
    },

    async holdCalls(key, until, now) {
      const args = [String(Math.floor(now)), String(Math.ceil(until))]
      await guard(client.eval(HOLD, { keys: [pace(key)], arguments: args }))
    },

    async ping() {
      await guard(client.ping())
    },

    async close() {
      if (closed) return
      closed = true
      connected = false
      await subscribing
      await subscriber?.close()
      await client.close()
    },
  }
}
