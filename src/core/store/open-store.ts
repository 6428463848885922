import { ConfigError } from '../contracts/errors.ts'
import { createSqliteStore } from './sqlite-store.ts'
import type { Store, StoreOptions } from './store.ts'

export type StoreLocation = { backend: 'sqlite'; path: string } | { backend: 'redis'; url: string }

/** Parses `sqlite:<path>` (relative or absolute; `sqlite:///abs` too) or `redis://` / `rediss://`. */
export function parseStoreUrl(url: string): StoreLocation {
  const expected = `expected sqlite:<path> or redis://host:port, got "${url}"`
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length)
    if (path.startsWith('//')) path = path.slice(2)
    if (path === '') throw new ConfigError('STORE_URL', expected)
    return { backend: 'sqlite', path }
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    let host = ''
    try {
      host = new URL(url).hostname
    } catch {}
    if (host === '') throw new ConfigError('STORE_URL', expected)
    return { backend: 'redis', url }
  }
  throw new ConfigError('STORE_URL', expected)
}

/** Opens the store at `url` (see {@link parseStoreUrl}); a Redis that does not answer rejects. */
export async function createStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url)
  if (location.backend === 'sqlite') return createSqliteStore(location.path, opts)
  // The Redis client (~25 MB) is loaded only by the deployments that use it.
  const { createRedisStore } = await import('./redis-store.ts')
  return createRedisStore(location.url, opts)
}
