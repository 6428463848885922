import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, inject } from 'vitest'
import { createStore } from '../../../src/core/store/open-store.ts'
import type { Store, StoreOptions } from '../../../src/core/store/store.ts'

/** Store-backed tests run against both backends: a SQLite temp file and the run's real Redis. */
export const BACKENDS = ['sqlite', 'redis'] as const
export type BackendName = (typeof BACKENDS)[number]

export interface StoreLocation {
  readonly url: string
  /** Opens (or reopens, like a restarted process) the store at this location. */
  open(opts?: StoreOptions): Promise<Store>
}

/**
 * One fresh location per call: a new temp file, or a new key prefix on the shared Redis, so tests
 * never see each other's keys. Everything opened is closed after each test.
 */
export function storeFixture(backend: BackendName): {
  location(): StoreLocation
  open(opts?: StoreOptions): Promise<Store>
} {
  const opened: Store[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()))
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const location = (): StoreLocation => {
    let url: string
    let prefix: string | undefined
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'herald-store-'))
      dirs.push(dir)
      url = `sqlite:${join(dir, 'data', 'herald.sqlite')}`
    } else {
      url = inject('redisUrl')
      prefix = `test:${randomUUID()}:`
    }
    return {
      url,
      async open(opts = {}) {
        const store = await createStore(url, prefix === undefined ? opts : { ...opts, prefix })
        opened.push(store)
        return store
      },
    }
  }
  return { location, open: (opts) => location().open(opts) }
}
