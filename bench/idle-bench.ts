/**
 * `npm run bench:idle`: what an idle Herald costs with both platforms connected, in the layout it
 * uses (one process: each platform supervised in-process, a library failure contained at its
 * boundary) and in the layout it does not (a process per platform, the child-process design,
 * measured here as its lower bound: the two platform processes without the parent that would
 * supervise them). Each runs `node src/main.ts` against the fake Telegram and the fake Discord,
 * settles, then is sampled from /proc for SAMPLE_MS: resident memory, and CPU time per second.
 * Writes bench/results/idle.json with the ratios of the per-platform layout to the one-process one.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startFakeDiscord } from '../test/fakes/fake-discord.ts'
import { startFakeTelegram } from '../test/fakes/fake-telegram.ts'

const SETTLE_MS = 3_000
const SAMPLE_MS = 60_000
/** Linux clock ticks per second (USER_HZ), the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_SECOND = 100
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const RESULTS = fileURLToPath(new URL('./results/idle.json', import.meta.url))

interface Sample {
  rssMb: number
  cpuMsPerSecond: number
}

function spawnHerald(
  env: Record<string, string>,
  cwd: string,
): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ready = new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      out += chunk
      const wanted = ['telegram', 'discord'].filter(
        (p) => env[p === 'telegram' ? 'TELEGRAM_BOT_TOKEN' : 'DISCORD_TOKEN'],
      )
      if (wanted.every((p) => out.includes(`herald: ${p} ready`))) resolve()
    })
    child.once('exit', (code) => reject(new Error(`herald exited with ${code}`)))
  })
  return { child, ready }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024
}

/** Starts the processes, lets them settle, and samples them together. */
async function measure(envs: Array<Record<string, string>>): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-idle-'))
  const started = envs.map((env) =>
    spawnHerald({ ...env, STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}` }, dir),
  )
  try {
    await Promise.all(started.map((s) => s.ready))
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
    const pids = started.map((s) => s.child.pid!)
    const before = pids.map(cpuTicks)
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))
    const ticks = pids.map((pid, i) => cpuTicks(pid) - before[i]!).reduce((a, b) => a + b, 0)
    return {
      rssMb: Math.round(pids.map(rssMb).reduce((a, b) => a + b, 0) * 10) / 10,
      cpuMsPerSecond: Math.round(((ticks * 1000) / TICKS_PER_SECOND / (SAMPLE_MS / 1000)) * 100) / 100,
    }
  } finally {
    for (const { child } of started) child.kill('SIGTERM')
    await Promise.all(started.map(({ child }) => new Promise((resolve) => child.once('close', resolve))))
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const telegram = await startFakeTelegram()
  const discord = await startFakeDiscord()
  const base = {
    PATH: process.env.PATH ?? '',
    OPENAI_API_KEY: 'sk-bench-0123456789abcdef',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    LOG_LEVEL: 'warn',
  }
  const telegramEnv = { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url }
  const discordEnv = {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_ROOT: discord.apiRoot,
    DISCORD_GUILD_IDS: discord.guild.id,
  }
  try {
    const oneProcess = await measure([{ ...base, ...telegramEnv, ...discordEnv }])
    const perPlatform = await measure([
      { ...base, ...telegramEnv },
      { ...base, ...discordEnv },
    ])
    const result = {
      sampleMs: SAMPLE_MS,
      node: process.version,
      oneProcess,
      processPerPlatform: perPlatform,
      ratios: {
        rss: Math.round((perPlatform.rssMb / oneProcess.rssMb) * 100) / 100,
        cpu:
          oneProcess.cpuMsPerSecond === 0
            ? null
            : Math.round((perPlatform.cpuMsPerSecond / oneProcess.cpuMsPerSecond) * 100) / 100,
      },
    }
    mkdirSync(dirname(RESULTS), { recursive: true })
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`)
    console.log(JSON.stringify(result, null, 2))
  } finally {
    await telegram.close()
    await discord.close()
  }
}

await main()
