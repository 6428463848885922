import type { Adapter, Platform } from '../contracts/chat.ts'
import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { Language } from '../i18n/i18n.ts'
import { formatFor } from '../live/format.ts'
import { logStoreFailure, type Store } from '../store/store.ts'
import type { AnswerRecords } from './answer-records.ts'
import { isAlive } from './heartbeat.ts'

/**
 * Crash safety: when the process streaming an answer is gone (its heartbeat in the store lapsed,
 * see heartbeat.ts), `finaliseInterrupted`, run by any process at start-up and periodically, edits
 * the messages its record says it left mid-stream (answer-records.ts) so they end with
 * "interrupted" instead of a cursor forever. Answers of live processes, this one included, are
 * never touched.
 */
const CURSOR = /\s*▍/g

/** How long one process holds an interrupted answer while it finalises it (others skip it meanwhile). */
const FINALISE_HOLD_MS = 5 * 60_000

export interface FinaliseOptions {
  /** This process's heartbeat id: its own answers are live by definition. */
  processId: string
  /** The last line of the last message in the answer's language, e.g. t('ask.interrupted'). */
  line(lang: Language | undefined): string
  log: Logger
}

/**
 * Edits every message a process that is gone left mid-stream: cursor and buttons removed, one line
 * added. Returns how many answers it finalised.
 */
export async function finaliseInterrupted(
  store: Store,
  records: AnswerRecords,
  adapters: ReadonlyMap<Platform, Adapter>,
  options: FinaliseOptions,
): Promise<number> {
  const { log, processId } = options
  let count = 0
  for (const record of await records.everywhere()) {
    const id = record.id
    if (record.owner === processId) continue
    if (await isAlive(store, record.owner)) continue
    const adapter = adapters.get(record.chat.platform)
    if (!adapter) continue
    // Two processes sweeping at once: only one edits.
    if (!(await store.claim(`inflight-final:${id}`, processId, FINALISE_HOLD_MS))) continue
    const surface = adapter.surfaceFor(record.chat)
    const last = record.messages.at(-1)
    for (const message of record.messages) {
      const text = message.content.text.replace(CURSOR, '')
      const ending =
        message === last
          ? `${text}\n\n${formatFor(message.content.format).note(options.line(record.lang))}`
          : text
      try {
        await surface.edit(message.ref, { ...message.content, text: ending, buttons: [] })
      } catch (err) {
        log.warn({ err, answer: id }, 'could not finalise an interrupted message')
      }
    }
    await records.forget(record)
    count++
  }
  return count
}

export interface InterruptedSweeper {
  stop(): Promise<void>
}

/** Runs `finaliseInterrupted` every `everyMs` until stopped (a crashed peer's answers, found later). */
export function startInterruptedSweeper(
  store: Store,
  records: AnswerRecords,
  adapters: ReadonlyMap<Platform, Adapter>,
  options: FinaliseOptions & { everyMs: number; clock: Clock },
): InterruptedSweeper {
  const stopped = new AbortController()
  const loop = (async () => {
    for (;;) {
      try {
        await options.clock.sleep(options.everyMs, stopped.signal)
      } catch {
        return
      }
      try {
        const count = await finaliseInterrupted(store, records, adapters, options)
        if (count > 0) options.log.info({ interrupted: count }, 'finalised answers of a process that is gone')
      } catch (err) {
        logStoreFailure(store, options.log, err, {}, 'finalising interrupted answers failed')
      }
    }
  })()
  return {
    async stop() {
      stopped.abort()
      await loop
    },
  }
}
