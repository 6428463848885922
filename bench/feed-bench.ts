/**
 * `npm run bench:feed`: what the console's answer feed costs the store. One simulated 60 s answer at
 * 50 tokens/s (3,000 state updates) against a real SQLite store, with a fake clock (fast and
 * deterministic), published three ways: every update written (the obvious way to stream to a page,
 * the baseline), the feed while a console watches (renewing its watch as the page does), and the
 * feed with nobody watching. Snapshots carry at most the answer's last 4,000 characters. Writes
 * bench/results/feed.json: store writes and bytes written per answer, the time the answer's
 * updates took, and ratios against the baseline measured in the same run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createAnswerFeed } from '../src/core/answers/answer-feed.ts'
import { silentLogger } from '../src/core/contracts/log.ts'
import { type AnswerState, initialState } from '../src/core/responses/state.ts'
import { createStore } from '../src/core/store/open-store.ts'
import type { Store } from '../src/core/store/store.ts'
import { fakeClock, settle } from '../test/helpers/fake-clock.ts'

const ANSWER_SECONDS = 60
const TOKENS_PER_SECOND = 50
const TOKEN_MS = 1000 / TOKENS_PER_SECOND
const ANSWER = {
  id: 'bench',
  platform: 'telegram',
  chatKey: 'telegram:1',
  userKey: 'telegram:1',
  userName: 'Bench',
  model: 'gpt-5-mini',
}

interface Result {
  name: string
  writes: number
  bytes: number
  ms: number
}

/** Counts every write (and its JSON size) made through the store's key-value namespaces. */
function counting(store: Store): { store: Store; writes: () => number; bytes: () => number } {
  let writes = 0
  let bytes = 0
  const wrapped: Store = {
    ...store,
    kv<T>(namespace: string) {
      const kv = store.kv<T>(namespace)
      const set = kv.set.bind(kv)
      kv.set = ((key: string, value: T, ttl?: number) => {
        writes++
        bytes += JSON.stringify(value).length
        return set(key, value, ttl)
      }) as typeof kv.set
      return kv
    },
  }
  return { store: wrapped, writes: () => writes, bytes: () => bytes }
}

async function run(name: string, strategy: 'every' | 'watched' | 'unwatched'): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-feed-bench-'))
  const clock = fakeClock(Date.UTC(2026, 0, 1))
  const opened = await createStore(`sqlite:${join(dir, 'bench.sqlite')}`, { clock })
  const { store, writes, bytes } = counting(opened)
  const feed = createAnswerFeed({
    store,
    clock,
    log: silentLogger,
    processId: 'p',
    isRunning: async () => true,
  })
  if (strategy === 'watched') await feed.watch()
  const naive = store.kv<AnswerState>('naive')
  const entry = feed.open(ANSWER)
  let state = initialState()
  const started = performance.now()
  for (let i = 0; i < ANSWER_SECONDS * TOKENS_PER_SECOND; i++) {
    state = { ...state, text: `${state.text}token${i % 10} ` }
    if (strategy === 'every') await naive.set(ANSWER.id, state)
    else entry.update(state)
    // The page's event stream renews its watch every five seconds.
    if (strategy === 'watched' && (i * TOKEN_MS) % 5000 === 0) await feed.watch()
    await clock.advance(TOKEN_MS)
  }
  await entry.finish({ status: 'completed', state, usd: 0.01 })
  await settle()
  const ms = performance.now() - started
  const result = { name, writes: writes(), bytes: bytes(), ms: Math.round(ms) }
  await opened.close()
  rmSync(dir, { recursive: true, force: true })
  return result
}

const results = [
  await run('every update written (baseline)', 'every'),
  await run('answer feed, console watching', 'watched'),
  await run('answer feed, nobody watching', 'unwatched'),
]
const [baseline] = results as [Result, ...Result[]]
const rows = results.map((r) => ({
  ...r,
  writesRatio: Number((r.writes / baseline.writes).toFixed(4)),
  bytesRatio: Number((r.bytes / baseline.bytes).toFixed(4)),
  timeRatio: Number((r.ms / baseline.ms).toFixed(3)),
}))
console.table(rows)
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'feed.json')
mkdirSync(dirname(out), { recursive: true })
writeFileSync(
  out,
  `${JSON.stringify({ answerSeconds: ANSWER_SECONDS, tokensPerSecond: TOKENS_PER_SECOND, rows }, null, 2)}\n`,
)
