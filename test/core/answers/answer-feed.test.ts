import { describe, expect, test } from 'vitest'
import { createAnswerFeed } from '../../../src/core/answers/answer-feed.ts'
import { silentLogger } from '../../../src/core/contracts/log.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { fakeClock, settle } from '../../helpers/fake-clock.ts'
import { storeFixture } from '../store/store-backends.ts'

const stores = storeFixture('sqlite')
const ANSWER = {
  id: 'a1',
  platform: 'telegram',
  chatKey: 'telegram:42',
  userKey: 'telegram:42',
  userName: 'Ada',
  model: 'gpt-5-mini',
}
const text = (value: string): AnswerState => ({ ...initialState(), text: value })

/** Every write of the feed's snapshots, as [time, text]. */
function recordWrites(store: Store, clock: { now(): number }): Array<[number, string]> {
  const writes: Array<[number, string]> = []
  const kv = store.kv<{ text: string }>('feed-live')
  const set = kv.set.bind(kv)
  kv.set = ((key: string, value: { text: string }, ttl?: number) => {
    writes.push([clock.now(), value.text])
    return set(key, value, ttl)
  }) as typeof kv.set
  return writes
}

async function setUp() {
  const clock = fakeClock(1_000_000)
  const store = await stores.open({ clock })
  // The answers whose records exist and whose processes beat.
  const running = new Set([ANSWER.id])
  const feed = createAnswerFeed({
    store,
    clock,
    log: silentLogger,
    processId: 'process-a',
    minGapMs: 250,
    isRunning: async (id) => running.has(id),
  })
  return { clock, store, feed, running }
}

async function watchedSetUp() {
  const setup = await setUp()
  await setup.feed.watch()
  return setup
}

describe('the answer feed', () => {
  test('snapshots are written at most every 250 ms and the newest text wins', async () => {
    const { clock, store, feed } = await watchedSetUp()
    const writes = recordWrites(store, clock)
    const entry = feed.open(ANSWER)
    entry.update(text('H'))
    await clock.advance(100)
    entry.update(text('He'))
    entry.update(text('Hel'))
    await clock.advance(150)
    entry.update(text('Hell'))
    await clock.advance(300)
    entry.update(text('Hello'))
    await clock.advance(250)
    await settle()
    expect(writes).toEqual([
      [1_000_000, 'H'],
      [1_000_250, 'Hel'],
      [1_000_500, 'Hell'],
      [1_000_750, 'Hello'],
    ])
    await entry.finish({ status: 'completed', state: text('Hello'), usd: 0.01 })
  })

  test('a running answer is live with its text; once finished it is in the recent list with its cost', async () => {
    const { clock, feed } = await watchedSetUp()
    const entry = feed.open(ANSWER)
    entry.update(text('Rayleigh scattering'))
    await settle()
    expect(await feed.live()).toEqual([
      {
        ...ANSWER,
        owner: 'process-a',
        startedAt: 1_000_000,
        at: 1_000_000,
        queuePosition: 0,
        status: 'in_progress',
        text: 'Rayleigh scattering',
        chars: 19,
        outputTokens: 5,
      },
    ])
    await clock.advance(2000)
    const usage = {
      input_tokens: 10,
      cached_input_tokens: 0,
      output_tokens: 7,
      reasoning_tokens: 0,
      total_tokens: 17,
    }
    await entry.finish({
      status: 'completed',
      state: { ...text('Rayleigh scattering.'), usage },
      usd: 0.0021,
    })
    expect(await feed.live()).toEqual([])
    expect(await feed.recent()).toEqual([
      {
        ...ANSWER,
        startedAt: 1_000_000,
        finishedAt: 1_002_000,
        status: 'completed',
        inputTokens: 10,
        outputTokens: 7,
        usd: 0.0021,
      },
    ])
  })

  test('a snapshot of an answer that no longer runs (its process died) is not shown', async () => {
    const { feed, running } = await watchedSetUp()
    feed.open(ANSWER).update(text('half an answer'))
    await settle()
    expect(await feed.live()).toHaveLength(1)
    running.delete(ANSWER.id)
    expect(await feed.live()).toEqual([])
  })

  test('with no console watching nothing is written until one watches; the summary is kept anyway', async () => {
    const { clock, store, feed } = await setUp()
    const writes = recordWrites(store, clock)
    const entry = feed.open(ANSWER)
    entry.update(text('Hel'))
    await clock.advance(1000)
    entry.update(text('Hello'))
    await settle()
    expect(writes).toEqual([])
    // Another process's console starts watching; this one notices at its next look, 2 s after the last.
    await store.kv<boolean>('feed-watch').set('on', true, 15_000)
    await clock.advance(1000)
    entry.update(text('Hello wor'))
    await settle()
    entry.update(text('Hello world'))
    await settle()
    expect(writes).toEqual([[1_002_000, 'Hello world']])
    await entry.finish({ status: 'completed', state: text('Hello world'), usd: undefined })
    expect((await feed.recent()).map((a) => a.id)).toEqual(['a1'])
  })
})
