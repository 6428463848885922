import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Env } from '../../src/app/config.ts'
import { until } from './stack.ts'

/**
 * Herald as operators run it: `node src/main.ts` in a child process (`npm start` runs the same
 * code built to JavaScript, see scripts/build.ts), with only the environment given here, started
 * in an empty folder (so no `.env` is read). Its output is kept line by line: the `herald: …` lines
 * people read and pino's JSON lines.
 *
 * @example
 *   const child = spawnHerald({ OPENAI_API_KEY: 'sk-…', TELEGRAM_BOT_TOKEN: fake.token, … })
 *   await child.waitForLine((line) => line === 'herald: telegram ready', 'ready')
 *   child.process.kill('SIGTERM')
 *   expect(await child.exited).toBe(0)
 */
export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

export interface HeraldChild {
  readonly process: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  /** The JSON log lines of stdout, parsed. */
  logs(): Record<string, unknown>[]
  /** The lines of stdout that are not JSON logs (`herald: telegram ready`). */
  said(): string[]
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>
}

export function spawnHerald(env: Env, cwd = mkdtempSync(join(tmpdir(), 'herald-child-'))): HeraldChild {
  const clean = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
  )
  const child = spawn(process.execPath, [MAIN], { cwd, env: clean, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: string[] = []
  const stderr: string[] = []
  const collect = (stream: NodeJS.ReadableStream, into: string[]) => {
    let rest = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      into.push(...lines)
    })
    stream.on('end', () => {
      if (rest !== '') into.push(rest)
    })
  }
  collect(child.stdout!, stdout)
  collect(child.stderr!, stderr)
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  const parsed = () =>
    stdout.flatMap((line) => {
      if (!line.startsWith('{')) return []
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  return {
    process: child,
    stdout,
    stderr,
    exited,
    logs: parsed,
    said: () => stdout.filter((line) => !line.startsWith('{')),
    waitForLine: (match, what, timeoutMs = 15_000) =>
      until(() => stdout.find(match), what, timeoutMs).catch((err: Error) => {
        throw new Error(`${err.message}\nstdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`)
      }),
    waitForLog: (msg, timeoutMs = 15_000) =>
      until(() => parsed().find((line) => line.msg === msg), `log "${msg}"`, timeoutMs),
  }
}
