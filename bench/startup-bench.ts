/**
 * `npm run bench:startup`: what running the `.ts` sources through Node's type stripping costs
 * against running them as JavaScript built first (scripts/build.ts, what `npm start` runs). Builds
 * src/ into a temporary folder, then starts each variant ROUNDS times, alternating, as Telegram-only Herald on SQLite
 * against the fake Bot API: time from spawn to the first long poll (ready) and the resident memory
 * of the process (VmRSS) 2 s after. Writes bench/results/startup.json.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from '../scripts/build.ts'
import { startFakeResponsesApi } from '../test/fakes/fake-responses-api.ts'
import { startFakeTelegram } from '../test/fakes/fake-telegram.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = 5
const SETTLE_MS = 2000

/** src/ built as `npm start` builds it (scripts/build.ts), with what it needs beside it. */
function compile(dir: string): string {
  build(join(ROOT, 'src'), join(dir, 'src'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return join(dir, 'src/main.js')
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024
}

async function start(entry: string, dir: string): Promise<{ readyMs: number; rssMb: number }> {
  const telegram = await startFakeTelegram({ token: '5550001:AAStartupBench_Telegram0123456789abc' })
  const responses = await startFakeResponsesApi()
  let child: ChildProcess | undefined
  try {
    const startedAt = performance.now()
    child = spawn(process.execPath, [entry], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        OPENAI_API_KEY: 'sk-startup-bench-0123456789abcdef',
        OPENAI_BASE_URL: responses.url,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        STORE_URL: `sqlite:${join(dir, `${Math.random()}.sqlite`)}`,
      },
      stdio: 'ignore',
    })
    while (!telegram.pollWaiting) {
      if (child.exitCode !== null) throw new Error(`${entry} exited ${child.exitCode}`)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    const readyMs = performance.now() - startedAt
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    return { readyMs, rssMb: rssMb(child.pid!) }
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    await telegram.close()
    await responses.close()
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (value: number, digits = 1) => Number(value.toFixed(digits))

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'herald-startup-'))
  try {
    const compileStarted = performance.now()
    const compiled = compile(join(dir, 'js'))
    const compileMs = performance.now() - compileStarted
    const variants = { ts: join(ROOT, 'src/main.ts'), js: compiled }
    type Start = { readyMs: number; rssMb: number }
    const seen: Record<'ts' | 'js', Start[]> = { ts: [], js: [] }
    for (let i = 0; i < ROUNDS; i++) {
      for (const variant of ['ts', 'js'] as const) seen[variant].push(await start(variants[variant], dir))
    }
    const figure = (variant: 'ts' | 'js', key: 'readyMs' | 'rssMb') =>
      median(seen[variant].map((s) => s[key]))
    const result = {
      ts_ready_ms: round(figure('ts', 'readyMs'), 0),
      js_ready_ms: round(figure('js', 'readyMs'), 0),
      ts_rss_mb_idle: round(figure('ts', 'rssMb')),
      js_rss_mb_idle: round(figure('js', 'rssMb')),
      js_vs_ts_ready: round(figure('js', 'readyMs') / figure('ts', 'readyMs'), 2),
      js_vs_ts_rss: round(figure('js', 'rssMb') / figure('ts', 'rssMb'), 2),
      compile_ms: round(compileMs, 0),
      rounds: ROUNDS,
    }
    console.log(JSON.stringify(result))
    const out = join(ROOT, 'bench/results/startup.json')
    mkdirSync(dirname(out), { recursive: true })
    const machine = {
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? '',
      memory_gb: round(totalmem() / 2 ** 30),
    }
    writeFileSync(out, `${JSON.stringify({ machine, node: process.version, ...result }, null, 2)}\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
