/**
 * `npm run bench:load`: N private Telegram chats ask at the same moment, through the whole path:
 * the real Herald in its own process (`src/main.ts`, SQLite store) against the fake Bot API with
 * Telegram's flood limits (1 call/s per chat, 30/s per bot) and the fake Responses API streaming a
 * 300-character answer at 50 tokens/s. In the same run, the same load goes through a minimal
 * baseline bot (bench/baseline-bot.ts). Both run as JavaScript, as `npm start` runs Herald.
 * Writes bench/results/load.json; see bench/README.md.
 *
 * Usage: npm run bench:load [-- 100 1000] [-- --cpu-prof=DIR] (a CPU profile of each Herald run in DIR)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, toJavaScript } from '../scripts/build.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../test/fakes/fake-responses-api.ts'
import { type FakeTelegram, startFakeTelegram } from '../test/fakes/fake-telegram.ts'
import { ANSWER, answerScript } from './answer-fixture.ts'
import type { ProbeReport } from './probe.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
/** Both bots run as JavaScript, the way `npm start` runs Herald (scripts/build.ts). */
const BUILT = mkdtempSync(join(tmpdir(), 'herald-load-built-'))
const TOKEN = '5550001:AALoadBench_Telegram0123456789abcdef'
const TELEGRAM_CALLS_PER_SECOND = 30
const PROFILE_DIR = process.argv.find((arg) => arg.startsWith('--cpu-prof='))?.slice('--cpu-prof='.length)

type Bot = 'herald' | 'baseline'

interface Outcome {
  fullMs: number[]
  firstMs: number[]
  floorMs: number[]
  complete: number
  cpuMs: number
  idle: ProbeReport
  loaded: ProbeReport
  readyMs: number
  rateLimitAnswers: number
  insideRetryAfter: number
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * When each final text could land at best: its stream's end, and no more than 30 sends in any
 * second (the k-th send no sooner than one second after the (k−30)-th).
 */
export function floorTimes(streamEnds: number[]): number[] {
  const sends: number[] = []
  for (const end of [...streamEnds].sort((a, b) => a - b)) {
    const window = sends[sends.length - TELEGRAM_CALLS_PER_SECOND]
    sends.push(Math.max(end, window === undefined ? end : window + 1000))
  }
  return sends
}

function probe(child: ChildProcess, message: 'read' | 'reset'): Promise<ProbeReport> {
  const reply = once(child, 'message') as Promise<[ProbeReport]>
  child.send(message)
  return reply.then(([report]) => report)
}

async function startBot(bot: Bot, telegram: FakeTelegram, responses: FakeResponsesApi, dir: string) {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...(bot === 'herald'
      ? {
          OPENAI_API_KEY: 'sk-load-bench-0123456789abcdef',
          OPENAI_BASE_URL: responses.url,
          TELEGRAM_BOT_TOKEN: telegram.token,
          TELEGRAM_API_ROOT: telegram.url,
          STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
          USER_REQUESTS_PER_MINUTE: '0',
          LOG_LEVEL: 'info',
        }
      : { BOT_TOKEN: telegram.token, API_ROOT: telegram.url, OPENAI_BASE_URL: responses.url }),
  }
  const entry = join(BUILT, bot === 'herald' ? 'src/main.js' : 'bench/baseline-bot.js')
  const startedAt = performance.now()
  const profile = bot === 'herald' && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []
  const child = spawn(process.execPath, [...profile, '--import', join(BUILT, 'bench/probe.js'), entry], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  child.stdout!.resume()
  // Ready: Herald says so; the baseline is ready once its first long poll waits.
  const deadline = Date.now() + 20_000
  while (!telegram.pollWaiting) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${bot} did not start`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  return { child, readyMs: performance.now() - startedAt }
}

async function run(bot: Bot, n: number): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-load-'))
  const telegram = await startFakeTelegram({ token: TOKEN })
  const responses = await startFakeResponsesApi()
  responses.route = answerScript
  const { child, readyMs } = await startBot(bot, telegram, responses, dir)
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000))
    const idle = await probe(child, 'reset')
    const chats = Array.from({ length: n }, (_, i) => 10_000 + i)
    const t0 = Date.now()
    for (const id of chats) {
      telegram.userSays({ chat: { id, type: 'private' }, text: `q${id}` })
    }
    const full = new Map<number, number>()
    const first = new Map<number, number>()
    let scanned = 0
    const deadline = t0 + 60_000 + n * 200
    while (full.size < n && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      for (; scanned < telegram.calls.length; scanned++) {
        const call = telegram.calls[scanned]!
        if (call.status !== 200 || !['sendMessage', 'editMessageText'].includes(call.method)) continue
        const chat = Number(call.body.chat_id)
        if (!first.has(chat)) first.set(chat, call.at - t0)
        if (!full.has(chat) && call.body.text === ANSWER) full.set(chat, call.at - t0)
      }
    }
    // Let the bot settle (finishing touches, store writes) before reading its CPU time.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const loaded = await probe(child, 'read')
    const ends = responses.requests.flatMap((r) => (r.endedAt === undefined ? [] : [r.endedAt - t0]))
    const calls = telegram.calls.filter((c) => c.at >= t0)
    return {
      fullMs: [...full.values()],
      firstMs: [...first.values()],
      floorMs: floorTimes(ends),
      complete: full.size,
      cpuMs: loaded.cpuMs - idle.cpuMs,
      idle,
      loaded,
      readyMs,
      rateLimitAnswers: calls.filter((c) => c.status === 429).length,
      insideRetryAfter: telegram.violations.length,
    }
  } finally {
    child.kill('SIGTERM')
    if (child.exitCode === null) await once(child, 'exit')
    await telegram.close()
    await responses.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits))

function buildBots(): void {
  build(join(ROOT, 'src'), join(BUILT, 'src'))
  mkdirSync(join(BUILT, 'bench'))
  for (const file of ['probe', 'baseline-bot']) {
    const source = readFileSync(join(ROOT, `bench/${file}.ts`), 'utf8')
    writeFileSync(join(BUILT, `bench/${file}.js`), toJavaScript(source))
  }
  writeFileSync(join(BUILT, 'package.json'), '{ "type": "module" }\n')
  symlinkSync(join(ROOT, 'node_modules'), join(BUILT, 'node_modules'))
}

async function main() {
  buildBots()
  const sizes = process.argv.slice(2).map(Number).filter(Number.isFinite)
  const results = []
  for (const n of sizes.length > 0 ? sizes : [100, 1000]) {
    const herald = await run('herald', n)
    const baseline = await run('baseline', n)
    const result = {
      n,
      full_p95_ms: round(percentile(herald.fullMs, 95), 0),
      floor_p95_ms: round(percentile(herald.floorMs, 95), 0),
      first_p95_ms: round(percentile(herald.firstMs, 95), 0),
      cpu_ms_per_answer: round(herald.cpuMs / n, 2),
      baseline_cpu_ms_per_answer: round(baseline.cpuMs / n, 2),
      cpu_ratio: round(herald.cpuMs / baseline.cpuMs, 2),
      rss_mb_idle: round(herald.idle.rssMb),
      rss_mb_peak: round(herald.loaded.peakRssMb),
      loop_delay_p99_ms: round(herald.loaded.loopDelayP99Ms),
      rate_limit_answers: herald.rateLimitAnswers,
      all_complete: herald.complete === n ? 1 : 0,
      // Beside the keys above: the same figures for the baseline, and what they mean per stream.
      full_vs_floor: round(percentile(herald.fullMs, 95) / percentile(herald.floorMs, 95), 2),
      kb_per_stream: round(((herald.loaded.peakRssMb - herald.idle.rssMb) * 1024) / n, 0),
      calls_inside_retry_after: herald.insideRetryAfter,
      ready_ms: round(herald.readyMs, 0),
      baseline_full_p95_ms: round(percentile(baseline.fullMs, 95), 0),
      baseline_floor_p95_ms: round(percentile(baseline.floorMs, 95), 0),
      baseline_rss_mb_idle: round(baseline.idle.rssMb),
      baseline_rss_mb_peak: round(baseline.loaded.peakRssMb),
      baseline_loop_delay_p99_ms: round(baseline.loaded.loopDelayP99Ms),
      baseline_all_complete: baseline.complete === n ? 1 : 0,
    }
    console.log(JSON.stringify(result))
    results.push(result)
  }
  const out = join(ROOT, 'bench/results/load.json')
  mkdirSync(dirname(out), { recursive: true })
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memory_gb: round(totalmem() / 2 ** 30) }
  writeFileSync(out, `${JSON.stringify({ machine, node: process.version, runs: results }, null, 2)}\n`)
  console.log(`wrote ${out}`)
}

try {
  await main()
} finally {
  rmSync(BUILT, { recursive: true, force: true })
}
