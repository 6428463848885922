import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { KeyvStoreAdapter, StoredData } from 'keyv'
import type { Clock } from '../contracts/clock.ts'

/**
 * A keyv 5 storage adapter over one `kv` table of a `node:sqlite` database. Keyv hands it values
 * already serialized (`{"value":…,"expires":…}`); the adapter keeps its own `expires` column, read
 * with the injected Clock, so expiry is exact in tests and expired rows can be pruned in bulk.
 * Keyv sets `namespace` on the adapter; it is the `ns` column.
 */
export class SqliteKeyvAdapter implements KeyvStoreAdapter {
  opts: { dialect: 'sqlite'; url: string }
  namespace: string | undefined
  readonly #db: DatabaseSync
  readonly #clock: Clock
  readonly #onWrite: () => void
  readonly #get: StatementSync
  readonly #set: StatementSync
  readonly #delete: StatementSync
  readonly #clear: StatementSync

  constructor(db: DatabaseSync, namespace: string, clock: Clock, onWrite: () => void) {
    this.opts = { dialect: 'sqlite', url: 'sqlite' }
    this.namespace = namespace
    this.#db = db
    this.#clock = clock
    this.#onWrite = onWrite
    this.#get = db.prepare(
      'SELECT value FROM kv WHERE ns = ? AND key = ? AND (expires IS NULL OR expires > ?)',
    )
    this.#set = db.prepare(
      'INSERT INTO kv (ns, key, value, expires) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
    )
    this.#delete = db.prepare('DELETE FROM kv WHERE ns = ? AND key = ? AND (expires IS NULL OR expires > ?)')
    this.#clear = db.prepare('DELETE FROM kv WHERE ns = ?')
  }

  get #ns(): string {
    return this.namespace ?? ''
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const row = this.#get.get(this.#ns, key, this.#clock.now()) as { value: string } | undefined
    return row?.value as StoredData<Value> | undefined
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    return Promise.all(keys.map((key) => this.get<Value>(key)))
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    this.#write(key, value, ttl)
    this.#onWrite()
    return true
  }

  async setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    // Synchronous inside the transaction: no other statement of this connection can slip in.
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      for (const entry of entries) this.#write(entry.key, entry.value, entry.ttl)
      this.#db.exec('COMMIT')
    } catch (error) {
      this.#db.exec('ROLLBACK')
      throw error
    }
    this.#onWrite()
  }

  #write(key: string, value: unknown, ttl: number | undefined): void {
    const text = typeof value === 'string' ? value : JSON.stringify(value)
    const expires = typeof ttl === 'number' && ttl > 0 ? this.#clock.now() + ttl : null
    this.#set.run(this.#ns, key, text, expires)
  }

  async delete(key: string): Promise<boolean> {
    return Number(this.#delete.run(this.#ns, key, this.#clock.now()).changes) > 0
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let deleted = false
    for (const key of keys) deleted = (await this.delete(key)) || deleted
    return deleted
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => this.has(key)))
  }

  async clear(): Promise<void> {
    this.#clear.run(this.#ns)
  }

  /** Keyv wires its error relay here; this adapter throws instead of emitting. */
  on(): this {
    return this
  }
}
