import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import type { Store } from '../store/store.ts'

/**
 * Running answers as every process sees them. While an answer streams, its process records it in
 * the store (`answer:<id>`: who asked, in which chat, which process streams it) and looks for a stop
 * request (`stop:<id>`) about once a second. So a Stop press or a /cancel that reaches another
 * process (a Telegram webhook behind a load balancer, a Discord shard during a rolling restart)
 * still stops it: that process checks the record and writes the request; the owner aborts.
 *
 * @example
 *   const tracking = trackAnswer(s, { id, userKey: 'telegram:42', chatKey: 'telegram:42' }, controller)
 *   …stream…
 *   await tracking.end()
 *   // in any process:
 *   const running = await findRunningAnswer(s.store, id)
 *   if (running?.userKey === presser) await requestStop(s, id, presser)
 */
export interface RunningAnswerRecord {
  id: string
  /** `${platform}:${userId}` of the asker. */
  userKey: string
  chatKey: string
  /** The process streaming it (its `processId`). */
  owner: string
  startedAt: number
}

export interface StopRequest {
  /** Who asked for the stop (a user key). */
  by: string
  at: number
}

export interface RunningAnswerTiming {
  /** How often the owner looks for a stop request. */
  pollMs: number
  /** The record outlives a process that died holding it this long at most. */
  recordTtlMs: number
  /** The record's lifetime is renewed this often while the answer runs. */
  refreshMs: number
  /** A stop request nobody picked up is forgotten after this long. */
  stopTtlMs: number
}

export const runningAnswerTiming: RunningAnswerTiming = {
  pollMs: 1000,
  recordTtlMs: 30_000,
  refreshMs: 10_000,
  stopTtlMs: 60_000,
}

/** The reason an answer is aborted with when a stop request arrives from another process. */
export class StoppedElsewhere extends HeraldError {
  readonly by: string
  constructor(by: string) {
    super('aborted', 'stopped from another process')
    this.by = by
  }
}

export interface AnswerTracking {
  /** The answer finished: stop looking and forget the record (and any late stop request). */
  end(): Promise<void>
}

interface Deps {
  store: Store
  clock: Clock
  log: Logger
  processId: string
}

const records = (store: Store) => store.kv<RunningAnswerRecord>('answer')
const stops = (store: Store) => store.kv<StopRequest>('stop')
const userSet = (userKey: string) => `answers:${userKey}`

/** Records the answer and aborts `controller` (with StoppedElsewhere) when a stop request for it appears. */
export function trackAnswer(
  deps: Deps,
  answer: Pick<RunningAnswerRecord, 'id' | 'userKey' | 'chatKey'>,
  controller: AbortController,
  timing: RunningAnswerTiming = runningAnswerTiming,
): AnswerTracking {
  const { store, clock, log } = deps
  const record: RunningAnswerRecord = { ...answer, owner: deps.processId, startedAt: clock.now() }
  const publish = async () => {
    await records(store).set(answer.id, record, timing.recordTtlMs)
    await store.addToSet(userSet(answer.userKey), answer.id, timing.recordTtlMs)
  }
  const ended = new AbortController()
  const running = () => !ended.signal.aborted && !controller.signal.aborted

  const watch = async () => {
    let publishedAt = clock.now()
    try {
      await publish()
    } catch (err) {
      log.warn({ err, answer: answer.id }, 'recording the running answer failed')
    }
    while (running()) {
      try {
        await clock.sleep(timing.pollMs, ended.signal)
      } catch {
        return
      }
      if (!running()) return
      try {
        const request = await stops(store).get(answer.id)
        if (request) {
          log.info({ answer: answer.id, by: request.by }, 'stop requested from another process')
          controller.abort(new StoppedElsewhere(request.by))
          return
        }
        if (clock.now() - publishedAt >= timing.refreshMs) {
          publishedAt = clock.now()
          await publish()
        }
      } catch (err) {
        log.warn({ err, answer: answer.id }, 'looking for a stop request failed')
      }
    }
  }
  const watching = watch()

  let ending: Promise<void> | undefined
  return {
    end() {
      ending ??= (async () => {
        ended.abort()
        await watching
        const cleanups = await Promise.allSettled([
          records(store).delete(answer.id),
          store.removeFromSet(userSet(answer.userKey), answer.id),
          stops(store).delete(answer.id),
        ])
        const failed = cleanups.find((c) => c.status === 'rejected')
        if (failed)
          log.warn({ err: failed.reason, answer: answer.id }, 'forgetting the running answer failed')
      })()
      return ending
    },
  }
}

/** The answer with this id, if some process is streaming it now. */
export async function findRunningAnswer(store: Store, id: string): Promise<RunningAnswerRecord | undefined> {
  return (await records(store).get(id)) ?? undefined
}

/** Every answer `userKey` has running, in any process. */
export async function runningAnswersOf(store: Store, userKey: string): Promise<RunningAnswerRecord[]> {
  const found: RunningAnswerRecord[] = []
  for (const id of await store.members(userSet(userKey))) {
    const record = await findRunningAnswer(store, id)
    if (record?.userKey === userKey) found.push(record)
  }
  return found
}

/** The stop request waiting for answer `id`, if any. */
export async function stopRequestOf(store: Store, id: string): Promise<StopRequest | undefined> {
  return (await stops(store).get(id)) ?? undefined
}

/** Asks the process streaming answer `id` to stop it (it looks about once a second). */
export async function requestStop(
  deps: Pick<Deps, 'store' | 'clock'>,
  id: string,
  by: string,
  ttlMs = runningAnswerTiming.stopTtlMs,
): Promise<void> {
  await stops(deps.store).set(id, { by, at: deps.clock.now() }, ttlMs)
}
