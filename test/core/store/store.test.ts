import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { ConfigError } from '../../../src/core/contracts/errors.ts'
import { createStore, parseStoreUrl } from '../../../src/core/store/open-store.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { BACKENDS, storeFixture } from './store-backends.ts'

describe('parseStoreUrl', () => {
  test('reads sqlite paths, relative and absolute, and redis URLs', () => {
    expect(parseStoreUrl('sqlite:./data/herald.sqlite')).toEqual({
      backend: 'sqlite',
      path: './data/herald.sqlite',
    })
    expect(parseStoreUrl('sqlite:/var/lib/herald/h.sqlite')).toEqual({
      backend: 'sqlite',
      path: '/var/lib/herald/h.sqlite',
    })
    expect(parseStoreUrl('sqlite:///var/h.sqlite')).toEqual({ backend: 'sqlite', path: '/var/h.sqlite' })
    expect(parseStoreUrl('redis://cache:6379')).toEqual({ backend: 'redis', url: 'redis://cache:6379' })
    expect(parseStoreUrl('rediss://u:p@cache:6380/2')).toEqual({
      backend: 'redis',
      url: 'rediss://u:p@cache:6380/2',
    })
  })

  test('a URL of another backend is a ConfigError naming STORE_URL', () => {
    for (const url of ['postgres://db/herald', 'sqlite:', './herald.sqlite', 'redis://']) {
      expect(() => parseStoreUrl(url)).toThrow(ConfigError)
    }
    expect(() => parseStoreUrl('mongodb://x')).toThrow(
      'STORE_URL: expected sqlite:<path> or redis://host:port, got "mongodb://x"',
    )
  })

  test('an unreachable Redis is a clear start-up error without the password', async () => {
    await expect(createStore('redis://user:secret@127.0.0.1:1')).rejects.toThrow(
      /^STORE_URL: cannot reach Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1:1/,
    )
  })
})

describe('sqlite file', () => {
  test('creates the parent folders of a relative path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-rel-'))
    const relative = join(dir, 'a', 'b', 'h.sqlite').replace(`${process.cwd()}/`, '')
    const store = await createStore(`sqlite:${relative}`)
    await store.kv<number>('t').set('x', 1)
    await store.close()
    expect(existsSync(resolve(relative))).toBe(true)
    rmSync(dir, { recursive: true, force: true })
  })

  test('another process sees claims and counters in the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-proc-'))
    const url = `sqlite:${join(dir, 'h.sqlite')}`
    const store = await createStore(url)
    expect(await store.claim('job:1', 'parent', 60_000)).toBe(true)
    const storeModule = resolve('src/core/store/open-store.ts')
    const script = `
      const { createStore } = await import(${JSON.stringify(storeModule)})
      const store = await createStore(${JSON.stringify(url)})
      const claimed = await store.claim('job:1', 'child', 60_000)
      const total = await store.incrBy('n', 5)
      await store.close()
      console.log(JSON.stringify({ claimed, total }))`
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script])
    expect(JSON.parse(stdout)).toEqual({ claimed: false, total: 5 })
    expect(await store.incrBy('n', 2)).toBe(7)
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('expiry follows the injected clock: keys, claims, counters and sets', async () => {
    const clock = fakeClock(1_000_000)
    const store = await storeFixture('sqlite').open({ clock })
    const kv = store.kv<string>('t')
    await kv.set('short', 'a', 1000)
    await kv.set('long', 'b')
    await store.claim('lock', 'A', 1000)
    await store.incrBy('window', 3, 1000)
    await store.addToSet('s', 'm', 1000)
    await clock.advance(999)
    expect([await kv.get('short'), await store.holder('lock'), await store.counter('window')]).toEqual([
      'a',
      'A',
      3,
    ])
    expect(await store.incrBy('window', 1, 5000)).toBe(4)
    await clock.advance(1)
    expect(await kv.get('short')).toBeUndefined()
    expect(await kv.get('long')).toBe('b')
    expect(await store.keys('t')).toEqual(['long'])
    expect(await store.holder('lock')).toBeUndefined()
    expect(await store.counter('window')).toBe(0)
    expect(await store.members('s')).toEqual([])
    expect(await store.claim('lock', 'B', 1000)).toBe(true)
    expect(await store.incrBy('window', 1, 1000)).toBe(1)
  })
})

describe.each(BACKENDS)('store on %s', (backend) => {
  const fixture = storeFixture(backend)

  test('kv namespaces keep values apart and list their keys', async () => {
    const store = await fixture.open()
    const conv = store.kv<{ text: string }>('conv')
    const settings = store.kv<{ text: string }>('settings')
    await conv.set('a', { text: 'one' })
    await conv.set('b:c', { text: 'two' })
    await settings.set('a', { text: 'three' })
    expect(await conv.get('a')).toEqual({ text: 'one' })
    expect(await settings.get('a')).toEqual({ text: 'three' })
    expect(await store.keys('conv')).toEqual(['a', 'b:c'])
    expect(await conv.delete('a')).toBe(true)
    expect(await conv.get('a')).toBeUndefined()
    expect(await settings.get('a')).toEqual({ text: 'three' })
    expect(store.kv('conv')).toBe(conv)
    expect(() => store.kv('no:colons')).toThrow('store namespace must be a plain word')
  })

  test('a claim is held by one owner until released', async () => {
    const store = await fixture.open()
    expect(await store.claim('update:7', 'A', 60_000)).toBe(true)
    expect(await store.claim('update:7', 'B', 60_000)).toBe(false)
    expect(await store.claim('update:7', 'A', 60_000)).toBe(false)
    expect(await store.holder('update:7')).toBe('A')
    expect(await store.renew('update:7', 'B', 60_000)).toBe(false)
    expect(await store.renew('update:7', 'A', 60_000)).toBe(true)
    expect(await store.release('update:7', 'B')).toBe(false)
    expect(await store.release('update:7', 'A')).toBe(true)
    expect(await store.holder('update:7')).toBeUndefined()
    expect(await store.claim('update:7', 'B', 60_000)).toBe(true)
  })

  test('two processes on one store agree on claims, counters and sets', async () => {
    const location = fixture.location()
    const [one, two] = [await location.open(), await location.open()]
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).claim('job', `owner-${i}`, 60_000)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).incrBy('spend', 1_500)))
    expect(await one.counter('spend')).toBe(30_000)
    await one.addToSet('jobs', 'r1')
    await two.addToSet('jobs', 'r2')
    await two.removeFromSet('jobs', 'r1')
    expect(await one.members('jobs')).toEqual(['r2'])
  })

  test('counters take integers only, negative included', async () => {
    const store = await fixture.open()
    expect(await store.incrBy('c', 10)).toBe(10)
    expect(await store.incrBy('c', -3)).toBe(7)
    expect(await store.counter('c')).toBe(7)
    expect(await store.counter('missing')).toBe(0)
    await expect(store.incrBy('c', 0.1)).rejects.toThrow('store counters take integers')
  })

  test('ping answers and a reopened store keeps everything', async () => {
    const location = fixture.location()
    const first = await location.open()
    await first.ping()
    await first.kv<number[]>('jobs').set('r1', [1, 2])
    await first.incrBy('n', 4)
    await first.close()
    const second = await location.open()
    expect(await second.kv<number[]>('jobs').get('r1')).toEqual([1, 2])
    expect(await second.counter('n')).toBe(4)
  })
})

test('a lapsed claim on redis can be taken again', async () => {
  const store = await storeFixture('redis').open()
  expect(await store.claim('lock', 'A', 30)).toBe(true)
  expect(await store.claim('lock', 'B', 60_000)).toBe(false)
  // Redis expires the key in its own time: wait for the claim to lapse there.
  await expect.poll(() => store.holder('lock'), { timeout: 2000, interval: 10 }).toBeUndefined()
  expect(await store.claim('lock', 'B', 60_000)).toBe(true)
  expect(await store.renew('lock', 'A', 60_000)).toBe(false)
})
