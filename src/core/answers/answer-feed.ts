import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { AnswerState } from '../responses/state.ts'
import type { Store } from '../store/store.ts'

/**
 * What the operator's console reads about answers, from any process: the answering process
 * publishes a snapshot of each running answer (throttled: at most one store write per `minGapMs`,
 * the newest state wins) and a summary once it finished. Snapshots are shown only while
 * `isRunning` says the answer still runs (the app asks its answer record and its process's
 * heartbeat), so a process that died leaves no ghost behind. Snapshots are written only while a
 * console watches (`watch()`, renewed by the page's event stream): with nobody looking, an answer
 * costs the store one summary write, and each process asks whether anyone looks at most every
 * `watchCheckMs`.
 *
 * @example
 *   const entry = feed.open({ id, platform: 'telegram', chatKey, userKey, userName: 'Ada', model })
 *   entry.update(state)                 // on every folded event; written a few times a second at most
 *   await entry.finish({ status: 'completed', usage, usd: 0.0012 })
 *   await feed.live()                   // snapshots of answers streaming now, oldest first
 */

/** A running answer as the console shows it: who, where, how far, and its text so far. */
export interface LiveAnswer {
  id: string
  platform: string
  chatKey: string
  userKey: string
  userName: string
  model: string
  /** The process streaming it. */
  owner: string
  startedAt: number
  /** When this snapshot was taken. */
  at: number
  /** Waiting for an upstream stream slot (position > 0), or streaming. */
  queuePosition: number
  status: AnswerState['status']
  /** The answer's text so far (its last `TEXT_KEEP` characters). */
  text: string
  /** Characters of text so far (the whole answer, not only what `text` keeps). */
  chars: number
  /** Output tokens so far: the API's count once known, else about one per four characters. */
  outputTokens: number
}

export interface FinishedAnswer {
  id: string
  platform: string
  chatKey: string
  userKey: string
  userName: string
  model: string
  startedAt: number
  finishedAt: number
  status: AnswerState['status']
  inputTokens: number
  outputTokens: number
  /** undefined when the answer had no usage (failed before it) or the model has no price. */
  usd: number | undefined
}

export interface AnswerFeedEntry {
  /** The newest state (and queue position); written at most once per `minGapMs`. */
  update(state: AnswerState, queuePosition?: number): void
  /** The answer ended: its snapshot goes, its summary is kept for the recent list. */
  finish(result: {
    status: AnswerState['status']
    state: AnswerState
    usd: number | undefined
  }): Promise<void>
}

export interface AnswerFeed {
  open(
    init: Pick<LiveAnswer, 'id' | 'platform' | 'chatKey' | 'userKey' | 'userName' | 'model'>,
  ): AnswerFeedEntry
  /** Answers streaming now in any process, oldest first. */
  live(): Promise<LiveAnswer[]>
  /** Answers finished lately, newest first. */
  recent(limit?: number): Promise<FinishedAnswer[]>
  /** Someone watches: every process publishes snapshots for the next `WATCH_TTL_MS`. */
  watch(): Promise<void>
}

/** A watch lasts this long unless renewed. */
export const WATCH_TTL_MS = 15_000

export interface AnswerFeedOptions {
  store: Store
  clock: Clock
  log: Logger
  processId: string
  /** Does answer `id` still run somewhere? */
  isRunning(id: string): Promise<boolean>
  /** Least time between two snapshot writes of one answer. Default 250 (four a second). */
  minGapMs?: number
  /** How often this process asks the store whether a console watches. Default 2000. */
  watchCheckMs?: number
}

/** The text a snapshot carries: enough for a page to show the answer growing. */
export const TEXT_KEEP = 4000
const LIVE_TTL_MS = 10 * 60_000
const DONE_TTL_MS = 86_400_000
/** Finished summaries kept; older ones are dropped as new ones come. */
const RECENT_KEEP = 50

export function createAnswerFeed(opts: AnswerFeedOptions): AnswerFeed {
  const { store, clock, log } = opts
  const minGapMs = opts.minGapMs ?? 250
  const live = store.kv<LiveAnswer>('feed-live')
  const done = store.kv<FinishedAnswer>('feed-done')
  const watches = store.kv<boolean>('feed-watch')
  const watchCheckMs = opts.watchCheckMs ?? 2000
  let watched = false
  let checkedAt = Number.NEGATIVE_INFINITY
  /** The last known answer, refreshed in the background when older than `watchCheckMs`. */
  const isWatched = (): boolean => {
    if (clock.now() - checkedAt >= watchCheckMs) {
      checkedAt = clock.now()
      void watches.get('on').then(
        (value) => {
          watched = value === true
        },
        (err: unknown) => log.debug({ err }, 'asking whether a console watches failed'),
      )
    }
    return watched
  }

  const recent = async (limit = 20): Promise<FinishedAnswer[]> => {
    const ids = await store.keys('feed-done')
    const all = (await Promise.all(ids.map((id) => done.get(id)))).filter((a): a is FinishedAnswer => !!a)
    all.sort((a, b) => b.finishedAt - a.finishedAt || a.id.localeCompare(b.id))
    for (const old of all.slice(RECENT_KEEP)) await done.delete(old.id)
    return all.slice(0, limit)
  }

  return {
    open(init) {
      isWatched()
      const startedAt = clock.now()
      let latest: { state: AnswerState; queuePosition: number } | undefined
      let lastWriteAt = Number.NEGATIVE_INFINITY
      let writing: Promise<void> = Promise.resolve()
      let scheduled = false
      let finished = false

      const snapshot = (state: AnswerState, queuePosition: number): LiveAnswer => ({
        ...init,
        owner: opts.processId,
        startedAt,
        at: clock.now(),
        queuePosition,
        status: state.status,
        text: state.text.slice(-TEXT_KEEP),
        chars: state.text.length,
        outputTokens: state.usage?.output_tokens ?? Math.ceil(state.text.length / 4),
      })
      const write = () => {
        const next = latest
        if (!next || finished || !isWatched()) return
        latest = undefined
        lastWriteAt = clock.now()
        writing = writing
          .then(() => live.set(init.id, snapshot(next.state, next.queuePosition), LIVE_TTL_MS))
          .then(
            () => undefined,
            (err: unknown) => log.debug({ err, answer: init.id }, 'publishing an answer snapshot failed'),
          )
      }
      const schedule = () => {
        if (scheduled) return
        const waitMs = lastWriteAt + minGapMs - clock.now()
        if (waitMs <= 0) return write()
        scheduled = true
        void clock.sleep(waitMs).then(() => {
          scheduled = false
          write()
        })
      }

      return {
        update(state, queuePosition = 0) {
          if (finished) return
          latest = { state, queuePosition }
          schedule()
        },
        async finish({ status, state, usd }) {
          finished = true
          latest = undefined
          await writing
          const summary: FinishedAnswer = {
            ...init,
            startedAt,
            finishedAt: clock.now(),
            status,
            inputTokens: state.usage?.input_tokens ?? 0,
            outputTokens: state.usage?.output_tokens ?? 0,
            usd,
          }
          try {
            // The summary first: a page that sees the answer leave Live finds it in the recent list.
            await done.set(init.id, summary, DONE_TTL_MS)
            await live.delete(init.id)
          } catch (err) {
            log.debug({ err, answer: init.id }, 'recording a finished answer failed')
          }
        },
      }
    },

    async live() {
      const ids = await store.keys('feed-live')
      const found: LiveAnswer[] = []
      for (const id of ids) {
        const [snapshot, running] = await Promise.all([live.get(id), opts.isRunning(id)])
        if (snapshot && running) found.push(snapshot)
        else if (!running) await live.delete(id)
      }
      return found.sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id))
    },

    recent,

    async watch() {
      await watches.set('on', true, WATCH_TTL_MS)
      watched = true
      checkedAt = clock.now()
    },
  }
}
