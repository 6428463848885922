import type { ServerResponse } from 'node:http'
import {
  type AnswerFeed,
  type FinishedAnswer,
  type LiveAnswer,
  WATCH_TTL_MS,
} from '../../core/answers/answer-feed.ts'
import type { Clock } from '../../core/contracts/clock.ts'
import type { Logger } from '../../core/contracts/log.ts'

/**
 * The console's server-sent events: one stream per open tab, fed by one loop per process that reads
 * the answer feed (so answers of every process show) every `pollMs` while at least one tab listens,
 * and sends an event only when something changed. The feed already limits each answer to a few
 * snapshots a second, so a tab never gets more. (The page ticks elapsed times itself from `now`.)
 *
 * Events: `answers` with `{ now, live: LiveAnswer[], recent: FinishedAnswer[] }`.
 */

/** The event streams of the open tabs, fed by one loop. */
export interface ConsoleHub {
  /** Serves one tab's stream until it goes away. */
  attach(res: ServerResponse): void
  readonly tabs: number
  close(): void
}

/** The recent list is read again at least this often while tabs are open. */
const RECENT_EVERY_MS = 3000

export interface AnswersEvent {
  now: number
  live: LiveAnswer[]
  recent: FinishedAnswer[]
}

export function createConsoleHub(opts: {
  feed: AnswerFeed
  clock: Clock
  log: Logger
  /** Default 300. */
  pollMs?: number
  /** A comment line keeps idle connections open through proxies. Default 15000. */
  keepAliveMs?: number
}): ConsoleHub {
  const pollMs = opts.pollMs ?? 300
  const keepAliveMs = opts.keepAliveMs ?? 15_000
  const tabs = new Set<ServerResponse>()
  let last = ''
  let running = false
  const stopped = new AbortController()

  const send = (res: ServerResponse, frame: string) => {
    if (!res.writableEnded) res.write(frame)
  }
  let recent: FinishedAnswer[] = []
  let recentAt = Number.NEGATIVE_INFINITY
  let liveIds = ''
  const read = async (): Promise<{ key: string; frame: string }> => {
    const live = await opts.feed.live()
    // The recent list changes when an answer ends: read it then, and otherwise every few seconds.
    const ids = live.map((a) => a.id).join(',')
    if (ids !== liveIds || opts.clock.now() - recentAt >= RECENT_EVERY_MS) {
      recent = await opts.feed.recent(20)
      recentAt = opts.clock.now()
      liveIds = ids
    }
    const key = JSON.stringify([live, recent])
    const event: AnswersEvent = { now: opts.clock.now(), live, recent }
    return { key, frame: `event: answers\ndata: ${JSON.stringify(event)}\n\n` }
  }

  const loop = async () => {
    running = true
    let sentAt = opts.clock.now()
    let watchedAt = Number.NEGATIVE_INFINITY
    while (tabs.size > 0 && !stopped.signal.aborted) {
      try {
        // Answering processes publish snapshots only while someone watches.
        if (opts.clock.now() - watchedAt >= WATCH_TTL_MS / 3) {
          watchedAt = opts.clock.now()
          await opts.feed.watch()
        }
        const { key, frame } = await read()
        if (key !== last) {
          last = key
          sentAt = opts.clock.now()
          for (const res of tabs) send(res, frame)
        } else if (opts.clock.now() - sentAt >= keepAliveMs) {
          sentAt = opts.clock.now()
          for (const res of tabs) send(res, ': keep-alive\n\n')
        }
      } catch (err) {
        opts.log.warn({ err }, 'console: reading the answer feed failed')
      }
      try {
        await opts.clock.sleep(pollMs, stopped.signal)
      } catch {
        break
      }
    }
    running = false
  }

  return {
    attach(res) {
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      })
      res.flushHeaders()
      tabs.add(res)
      res.on('close', () => tabs.delete(res))
      // The newest state at once, then changes.
      void read()
        .then(({ frame }) => send(res, frame))
        .catch((err: unknown) => opts.log.warn({ err }, 'console: reading the answer feed failed'))
      if (!running) void loop()
    },
    get tabs() {
      return tabs.size
    },
    close() {
      stopped.abort()
      for (const res of tabs) res.end()
      tabs.clear()
    },
  }
}
