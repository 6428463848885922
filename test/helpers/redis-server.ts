import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real `redis-server` (from the system's packages) on a free port of 127.0.0.1, which a test may
 * stop and start again on the same port: `persist` keeps its data across a restart (an RDB file
 * written at shutdown, as after a planned restart); without it a restart comes back empty (as after
 * a failover without persistence).
 *
 * @example
 *   const redis = await startRedisServer({ persist: true })
 *   await redis.stop()    // clients see the connection drop
 *   await redis.start()   // same url, same data
 */
export interface RedisServer {
  readonly url: string
  readonly port: number
  readonly running: boolean
  start(): Promise<void>
  stop(): Promise<void>
  /** Stops it for good and removes its folder. */
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}

async function waitForRedis(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`)
    if (await answersPing(port)) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('redis-server did not answer PING')
}

export async function startRedisServer(options: { persist?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-redis-'))
  const port = await freePort()
  // With `persist`, a save point makes SIGTERM write the RDB file, which the next start loads.
  const save = options.persist ? '3600 1' : ''
  let child: ChildProcess | undefined

  const start = async () => {
    if (child) return
    if (!options.persist) rmSync(join(dir, 'dump.rdb'), { force: true })
    const started = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', save, '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' },
    )
    const spawned = await new Promise<boolean>((resolve) => {
      started.once('spawn', () => resolve(true))
      started.once('error', () => resolve(false))
    })
    if (!spawned) throw new Error('redis-server not found: install it (apt-get install redis-server)')
    child = started
    await waitForRedis(port, started)
  }
  const stop = async () => {
    const running = child
    if (!running) return
    child = undefined
    if (running.exitCode !== null) return
    const exited = new Promise((r) => running.once('exit', r))
    running.kill('SIGTERM')
    await exited
  }

  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== undefined
    },
    start,
    stop,
    async close() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
