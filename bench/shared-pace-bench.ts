/**
 * `npm run bench:pace`: what pacing shared through the store costs per platform call. 3000 chats
 * each make one call through the lanes (pace 0, so nothing waits for time) with no shared pace,
 * with the pace in a SQLite file, and in a real Redis (redis-server from the system's packages, on
 * 127.0.0.1); each variant runs 3 times and the best is kept. Writes bench/results/shared-pace.json:
 * microseconds per call and each variant's time as a ratio of the unshared baseline of the same run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from '../src/core/contracts/clock.ts'
import { createLaneRegistry, type LaneTask } from '../src/core/live/scheduler.ts'
import { type SharedPace, storePace } from '../src/core/live/shared-pace.ts'
import { createStore } from '../src/core/store/open-store.ts'
import type { Store } from '../src/core/store/store.ts'
import { startRedisServer } from '../test/helpers/redis-server.ts'

const CHATS = 3000
const RUNS = 3

/** Milliseconds until every chat's one call has run. */
async function run(shared: SharedPace | undefined): Promise<number> {
  const lanes = createLaneRegistry({ globalGapMs: { telegram: 0 }, ...(shared ? { shared } : {}) })
  let left = CHATS
  let done!: () => void
  const all = new Promise<void>((resolve) => {
    done = resolve
  })
  const started = performance.now()
  for (let i = 0; i < CHATS; i++) {
    let sent = false
    const task: LaneTask = {
      next: () =>
        sent
          ? undefined
          : {
              final: true,
              run: async () => {
                sent = true
                if (--left === 0) done()
                return undefined
              },
            },
    }
    lanes.lane({ chatKey: `telegram:${i}`, pace: { perMessageMs: 0, perChatMs: 0 } }).offer(task)
  }
  await all
  return performance.now() - started
}

async function best(shared: () => SharedPace | undefined): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) times.push(await run(shared()))
  return Math.min(...times)
}

const dir = mkdtempSync(join(tmpdir(), 'herald-pace-bench-'))
const redis = await startRedisServer()
const stores: Store[] = []
try {
  const sqlite = await createStore(`sqlite:${join(dir, 'herald.sqlite')}`)
  const onRedis = await createStore(redis.url)
  stores.push(sqlite, onRedis)
  const baseline = await best(() => undefined)
  const variants = {
    none: baseline,
    sqlite: await best(() => storePace(sqlite, systemClock)),
    redis: await best(() => storePace(onRedis, systemClock)),
  }
  const results = Object.fromEntries(
    Object.entries(variants).map(([name, ms]) => [
      name,
      { usPerCall: Math.round((ms * 1000) / CHATS), ratioToNone: Number((ms / baseline).toFixed(2)) },
    ]),
  )
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'shared-pace.json')
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify({ chats: CHATS, runs: RUNS, results }, null, 2)}\n`)
  console.log(JSON.stringify(results))
} finally {
  for (const store of stores) await store.close()
  await redis.close()
  rmSync(dir, { recursive: true, force: true })
}
