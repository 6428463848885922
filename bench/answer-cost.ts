/**
 * `npm run bench:answer-cost`: what one answer costs Herald besides the model, counted. The real
 * Herald runs in this process (startHerald) on a SQLite store wrapped to count every operation,
 * against the fake Bot API (flood limits on) and the fake Responses API (a 300-character answer
 * over about 3 s). N private chats ask at once; the counts are divided by N. The store operations
 * of an idle minute (heartbeat, sweepers) are counted too, per minute. Writes
 * bench/results/answer-cost.json. Run it under `node --cpu-prof` to see where the CPU goes.
 *
 * Usage: npm run bench:answer-cost [-- 20]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../src/app/config.ts'
import { startHerald } from '../src/app/lifecycle.ts'
import { silentLogger } from '../src/core/contracts/log.ts'
import { createStore } from '../src/core/store/open-store.ts'
import type { Store } from '../src/core/store/store.ts'
import { startFakeResponsesApi } from '../test/fakes/fake-responses-api.ts'
import { startFakeTelegram } from '../test/fakes/fake-telegram.ts'
import { ANSWER, answerScript } from './answer-fixture.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const IDLE_MS = 10_000

/** The store with a count of every call, by operation (`claim`, `kv:conv.get`, …). */
function countingStore(store: Store, counts: Map<string, number>): Store {
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1)
  const kvs = new Map<string, unknown>()
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      if (typeof value !== 'function' || typeof property !== 'string') return value
      if (property === 'kv') {
        return (namespace: string) => {
          if (!kvs.has(namespace)) {
            const kv = target.kv(namespace)
            kvs.set(
              namespace,
              new Proxy(kv, {
                get(kvTarget, name, kvReceiver) {
                  const member = Reflect.get(kvTarget, name, kvReceiver)
                  if (typeof member !== 'function' || typeof name !== 'string') return member
                  if (!['get', 'set', 'delete', 'has', 'getMany', 'setMany', 'clear'].includes(name))
                    return member.bind(kvTarget)
                  return (...args: unknown[]) => {
                    count(`kv:${namespace}.${name}`)
                    return member.apply(kvTarget, args)
                  }
                },
              }),
            )
          }
          return kvs.get(namespace)
        }
      }
      return (...args: unknown[]) => {
        if (!['close', 'ping', 'backend'].includes(property)) count(property)
        return value.apply(target, args)
      }
    },
  })
}

const sorted = (counts: Map<string, number>, divisor: number) =>
  Object.fromEntries(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, n]) => [name, Number((n / divisor).toFixed(2))]),
  )

async function main() {
  const n = Number(process.argv[2] ?? 20)
  const dir = mkdtempSync(join(tmpdir(), 'herald-cost-'))
  const telegram = await startFakeTelegram({ token: '5550001:AAAnswerCost_Telegram0123456789abcdef' })
  const responses = await startFakeResponsesApi()
  responses.route = answerScript
  const config = await loadConfig({
    OPENAI_API_KEY: 'sk-answer-cost-0123456789abcdef',
    OPENAI_BASE_URL: responses.url,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
    USER_REQUESTS_PER_MINUTE: '0',
  })
  const counts = new Map<string, number>()
  const store = countingStore(await createStore(config.storeUrl), counts)
  const running = await startHerald(config, silentLogger, () => {}, { store })
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    counts.clear()
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
    const idle = sorted(counts, IDLE_MS / 60_000)
    counts.clear()
    const t0 = Date.now()
    for (let i = 0; i < n; i++)
      telegram.userSays({ chat: { id: 20_000 + i, type: 'private' }, text: `q${i}` })
    await telegram.waitFor(
      () =>
        new Set(
          telegram.calls.filter((c) => c.status === 200 && c.body.text === ANSWER).map((c) => c.body.chat_id),
        ).size === n,
      60_000,
    )
    const ms = Date.now() - t0
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const total = [...counts.values()].reduce((a, b) => a + b, 0)
    const calls = telegram.calls.filter((c) => c.at >= t0)
    const result = {
      n,
      burst_ms: ms,
      store_ops_per_answer: Number((total / n).toFixed(1)),
      store_ops_per_answer_by_kind: sorted(counts, n),
      telegram_calls_per_answer: Number((calls.length / n).toFixed(2)),
      idle_store_ops_per_minute: idle,
    }
    console.log(JSON.stringify(result, null, 2))
    const out = join(ROOT, 'bench/results/answer-cost.json')
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  } finally {
    await running.stop()
    await telegram.close()
    await responses.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
