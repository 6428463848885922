import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { Keyv } from 'keyv'
import { systemClock } from '../contracts/clock.ts'
import { assertIntegerAmount, assertNamespace, assertTtl } from './key-rules.ts'
import { Listeners } from './notifications.ts'
import { SqliteKeyvAdapter } from './sqlite-keyv-adapter.ts'
import type { Store, StoreOptions } from './store.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (ns TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, expires INTEGER,
  PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pace (key TEXT PRIMARY KEY, next INTEGER NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sets (name TEXT NOT NULL, member TEXT NOT NULL, expires INTEGER,
  PRIMARY KEY (name, member)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notes (seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL,
  message TEXT NOT NULL, expires INTEGER NOT NULL);
`

/** Notifications stay in the file this long, for processes that look for them every `notifyPollMs`. */
const NOTE_TTL_MS = 60_000
/** A pacing bucket outlives its next call by this much (see the Redis store). */
const PACE_KEEP_MS = 60_000

/** Expired rows are invisible at once and deleted at open and after every this many writes. */
const PRUNE_EVERY_WRITES = 1000

/**
 * The default store: one SQLite file (`node:sqlite`), WAL mode and a busy timeout so several
 * processes on one machine can share it. Every atomic primitive is one SQL statement (an upsert
 * with a condition, `RETURNING` the new value), so no read-modify-write races between processes.
 */
export function createSqliteStore(path: string, opts: StoreOptions = {}): Store {
  const clock = opts.clock ?? systemClock
  const file = path === ':memory:' ? path : resolve(path)
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new DatabaseSync(file)
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec(SCHEMA)

  const sql = {
    claim: db.prepare(
      'INSERT INTO locks (key, owner, expires) VALUES ($key, $owner, $expires) ' +
        'ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires = excluded.expires ' +
        'WHERE locks.expires <= $now',
    ),
    renew: db.prepare(
      'UPDATE locks SET expires = $expires WHERE key = $key AND owner = $owner AND expires > $now',
    ),
    release: db.prepare('DELETE FROM locks WHERE key = $key AND owner = $owner AND expires > $now'),
    holder: db.prepare('SELECT owner FROM locks WHERE key = $key AND expires > $now'),
    incr: db.prepare(
      'INSERT INTO counters (key, value, expires) VALUES ($key, $amount, $expires) ' +
        'ON CONFLICT (key) DO UPDATE SET ' +
        'value = CASE WHEN counters.expires <= $now THEN excluded.value ELSE counters.value + excluded.value END, ' +
        'expires = CASE WHEN counters.expires <= $now THEN excluded.expires ' +
        'ELSE coalesce(counters.expires, excluded.expires) END ' +
        'RETURNING value',
    ),
    counter: db.prepare(
      'SELECT value FROM counters WHERE key = $key AND (expires IS NULL OR expires > $now)',
    ),
    setExpiry: db.prepare(
      'SELECT expires FROM sets WHERE name = $name AND (expires IS NULL OR expires > $now) LIMIT 1',
    ),
    addMember: db.prepare(
      'INSERT INTO sets (name, member, expires) VALUES ($name, $member, $expires) ' +
        'ON CONFLICT (name, member) DO UPDATE SET expires = excluded.expires',
    ),
    touchSet: db.prepare('UPDATE sets SET expires = $expires WHERE name = $name'),
    removeMember: db.prepare('DELETE FROM sets WHERE name = $name AND member = $member'),
    members: db.prepare(
      'SELECT member FROM sets WHERE name = $name AND (expires IS NULL OR expires > $now) ORDER BY member',
    ),
    paceNext: db.prepare('SELECT next FROM pace WHERE key = $key'),
    paceSet: db.prepare(
      'INSERT INTO pace (key, next, expires) VALUES ($key, $next, $expires) ' +
        'ON CONFLICT (key) DO UPDATE SET next = max(pace.next, excluded.next), ' +
        'expires = max(pace.expires, excluded.expires)',
    ),
    keys: db.prepare(
      'SELECT key FROM kv WHERE ns = $ns AND (expires IS NULL OR expires > $now) ORDER BY key',
    ),
  }

  const prune = () => {
    const now = clock.now()
    for (const table of ['kv', 'locks', 'counters', 'sets', 'notes', 'pace']) {
      db.prepare(`DELETE FROM ${table} WHERE expires IS NOT NULL AND expires <= ?`).run(now)
    }
  }
  let writes = 0
  const wrote = () => {
    writes += 1
    if (writes % PRUNE_EVERY_WRITES === 0) prune()
  }
  prune()

  const namespaces = new Map<string, Keyv<unknown>>()
  let closed = false

  // Notifications: delivered at once in this process; other processes sharing the file find them
  // with one indexed query every `notifyPollMs` while they listen (never per answer or per key).
  const listeners = new Listeners()
  const notes = {
    add: db.prepare(
      'INSERT INTO notes (channel, message, expires) VALUES ($channel, $message, $expires) RETURNING seq',
    ),
    after: db.prepare('SELECT seq, channel, message FROM notes WHERE seq > $seq ORDER BY seq'),
    last: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM notes'),
  }
  let seen = (notes.last.get() as { seq: number }).seq
  const ownSeqs = new Set<number>()
  const pollMs = Math.max(10, opts.notifyPollMs ?? 250)
  let polling: AbortController | undefined
  const poll = async (stop: AbortSignal) => {
    while (!stop.aborted && !closed) {
      try {
        await clock.sleep(pollMs, stop)
      } catch {
        return
      }
      if (closed) return
      const rows = notes.after.all({ seq: seen }) as Array<{ seq: number; channel: string; message: string }>
      for (const row of rows) {
        seen = Math.max(seen, row.seq)
        if (ownSeqs.delete(row.seq)) continue
        listeners.deliver(row.channel, row.message)
      }
    }
  }

  return {
    backend: 'sqlite',

    isUp: () => true,

    kv<T>(namespace: string): Keyv<T> {
      assertNamespace(namespace)
      let keyv = namespaces.get(namespace)
      if (!keyv) {
        const store = new SqliteKeyvAdapter(db, namespace, clock, wrote)
        keyv = new Keyv<unknown>({ store, namespace, useKeyPrefix: false, throwOnErrors: true })
        namespaces.set(namespace, keyv)
      }
      return keyv as Keyv<T>
    },

    async keys(namespace) {
      assertNamespace(namespace)
      return (sql.keys.all({ ns: namespace, now: clock.now() }) as Array<{ key: string }>).map((r) => r.key)
    },

    async claim(key, owner, ttlMs) {
      assertTtl(ttlMs)
      const now = clock.now()
      const result = sql.claim.run({ key, owner, expires: now + ttlMs, now })
      wrote()
      return Number(result.changes) > 0
    },

    async renew(key, owner, ttlMs) {
      assertTtl(ttlMs)
      const now = clock.now()
      return Number(sql.renew.run({ key, owner, expires: now + ttlMs, now }).changes) > 0
    },

    async release(key, owner) {
      return Number(sql.release.run({ key, owner, now: clock.now() }).changes) > 0
    },

    async holder(key) {
      const row = sql.holder.get({ key, now: clock.now() }) as { owner: string } | undefined
      return row?.owner
    },

    async incrBy(key, amount, ttlMs) {
      assertIntegerAmount(amount)
      if (ttlMs !== undefined) assertTtl(ttlMs)
      const now = clock.now()
      const expires = ttlMs === undefined ? null : now + ttlMs
      const row = sql.incr.get({ key, amount, expires, now }) as { value: number }
      wrote()
      return row.value
    },

    async counter(key) {
      const row = sql.counter.get({ key, now: clock.now() }) as { value: number } | undefined
      return row?.value ?? 0
    },

    async addToSet(set, member, ttlMs) {
      if (ttlMs !== undefined) assertTtl(ttlMs)
      const now = clock.now()
      db.exec('BEGIN IMMEDIATE')
      try {
        if (ttlMs === undefined) {
          // Like Redis SADD: a new member lives as long as the set it joins.
          const row = sql.setExpiry.get({ name: set, now }) as { expires: number | null } | undefined
          sql.addMember.run({ name: set, member, expires: row?.expires ?? null })
        } else {
          sql.addMember.run({ name: set, member, expires: now + ttlMs })
          sql.touchSet.run({ name: set, expires: now + ttlMs })
        }
        db.exec('COMMIT')
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
      wrote()
    },

    async removeFromSet(set, member) {
      sql.removeMember.run({ name: set, member })
    },

    async members(set) {
      return (sql.members.all({ name: set, now: clock.now() }) as Array<{ member: string }>).map(
        (r) => r.member,
      )
    },

    async notify(channel, message) {
      const row = notes.add.get({ channel, message, expires: clock.now() + NOTE_TTL_MS }) as { seq: number }
      if (polling) ownSeqs.add(row.seq)
      else seen = Math.max(seen, row.seq)
      wrote()
      listeners.deliver(channel, message)
    },

    async listen(channel, listener) {
      const remove = listeners.add(channel, listener)
      if (!polling) {
        polling = new AbortController()
        seen = (notes.last.get() as { seq: number }).seq
        void poll(polling.signal)
      }
      return () => {
        remove()
        if (listeners.size === 0 && polling) {
          polling.abort()
          polling = undefined
          ownSeqs.clear()
        }
      }
    },

    async takeCall(buckets, now) {
      // One write transaction: another process's take waits (busy_timeout) and then sees this one's.
      db.exec('BEGIN IMMEDIATE')
      try {
        let wait = 0
        for (const { key } of buckets) {
          const row = sql.paceNext.get({ key }) as { next: number } | undefined
          wait = Math.max(wait, (row?.next ?? 0) - now)
        }
        if (wait <= 0) {
          for (const { key, gapMs } of buckets) {
            const next = Math.ceil(now + gapMs)
            sql.paceSet.run({ key, next, expires: clock.now() + gapMs + PACE_KEEP_MS })
          }
        }
        db.exec('COMMIT')
        return Math.max(0, wait)
      } catch (error) {
        db.exec('ROLLBACK')
        throw error
      }
    },

    async holdCalls(key, until, now) {
      sql.paceSet.run({ key, next: Math.ceil(until), expires: clock.now() + (until - now) + PACE_KEEP_MS })
    },

    async ping() {
      db.prepare('SELECT 1').get()
    },

    async close() {
      if (closed) return
      closed = true
      polling?.abort()
      db.close()
    },
  }
}
