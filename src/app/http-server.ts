import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from '../core/contracts/log.ts'
import type { Metrics } from './metrics.ts'

/**
 * Herald's HTTP server (on HTTP_PORT): `/healthz`, `/metrics`, and routes adapters add (the
 * Telegram webhook). A route handler owns the whole response.
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** One component's health: `up`, or a state saying why not (a platform's `retrying`, `stopped`, …). */
export interface HealthState {
  state: string
  /** When the state began (ISO 8601). */
  since?: string
  reason?: string
  [detail: string]: unknown
}

export interface HealthCheck {
  name: string
  /** The component's state (a boolean is `up` or `down`); a throw counts as `down` with its message. */
  check(): Promise<HealthState | boolean> | HealthState | boolean
}

export interface HttpServer {
  route(method: string, path: string, handler: RouteHandler): void
  listen(port: number, host?: string): Promise<number>
  close(): Promise<void>
}

export function createHttpServer(options: {
  /** What `/metrics` shows. */
  metrics: Pick<Metrics, 'render'>
  /** The checks, or a function giving them at each request (parts that start later, such as shards). */
  health: HealthCheck[] | (() => HealthCheck[])
  log: Logger
}): HttpServer {
  const routes = new Map<string, RouteHandler>()
  // 503 while any component is not up, naming which; `checks` keeps the plain up/down of each.
  routes.set('GET /healthz', async (_req, res) => {
    const states: Record<string, HealthState> = {}
    const items = typeof options.health === 'function' ? options.health() : options.health
    for (const item of items) {
      try {
        const result = await item.check()
        states[item.name] = typeof result === 'boolean' ? { state: result ? 'up' : 'down' } : result
      } catch (err) {
        states[item.name] = { state: 'down', reason: err instanceof Error ? err.message : String(err) }
      }
    }
    const down = Object.keys(states).filter((name) => states[name]?.state !== 'up')
    const checks = Object.fromEntries(Object.keys(states).map((name) => [name, !down.includes(name)]))
    const ok = down.length === 0
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ ok, down, checks, states }))
  })
  routes.set('GET /metrics', async (_req, res) => {
    const text = await options.metrics.render()
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end(text)
  })
  let server: Server | undefined
  return {
    route(method, path, handler) {
      routes.set(`${method.toUpperCase()} ${path}`, handler)
    },
    listen(port, host = '0.0.0.0') {
      server = createServer((req, res) => {
        const path = new URL(req.url ?? '/', 'http://herald').pathname
        const handler = routes.get(`${req.method} ${path}`)
        if (!handler) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
          return
        }
        Promise.resolve(handler(req, res)).catch((err: unknown) => {
          options.log.error({ err, path }, 'http handler failed')
          if (!res.headersSent) res.writeHead(500).end()
        })
      })
      const listening = server
      return new Promise((resolve, reject) => {
        listening.once('error', reject)
        listening.listen(port, host, () => {
          const address = listening.address()
          resolve(typeof address === 'object' && address ? address.port : port)
        })
      })
    },
    close() {
      return new Promise((resolve) => {
        if (!server) return resolve()
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
