import type { Adapter, ChatRef, Platform } from '../contracts/chat.ts'
import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { MessageRef, Rendered, Surface } from '../contracts/surface.ts'
import { formatFor } from '../live/format.ts'
import type { Store } from '../store/store.ts'
import { isAlive } from './heartbeat.ts'

/**
 * Crash safety: an answer in progress is recorded in the store (its chat, the process streaming it,
 * and the last content of each of its messages). When that process is gone (its heartbeat in the
 * store lapsed, see heartbeat.ts), `finaliseInterrupted`, run by any process at start-up and
 * periodically, edits the messages left mid-stream so they end with "interrupted" instead of a
 * cursor forever. Answers of live processes, this one included, are never touched.
 */
export interface InflightRecord {
  id: string
  chat: ChatRef
  /** The process streaming the answer (its heartbeat id); absent in records of older versions. */
  owner?: string
  messages: Array<{ ref: MessageRef; content: Rendered }>
  at: number
}

const SET = 'inflight'
const NAMESPACE = 'inflight'
/** Writes of the record are spaced out: one per this many ms per answer at most (the last one always lands). */
const WRITE_GAP_MS = 2_000
const RECORD_TTL_MS = 7 * 86_400_000

export interface InflightRecorder {
  /** A surface that records what it shows. */
  wrap(surface: Surface): Surface
  /** The answer finished normally: forget it. */
  clear(): Promise<void>
}

export function createInflightRecorder(
  store: Store,
  opts: { id: string; chat: ChatRef; owner: string; clock: Clock; log: Logger },
): InflightRecorder {
  const kv = store.kv<InflightRecord>(NAMESPACE)
  const record: InflightRecord = {
    id: opts.id,
    chat: opts.chat,
    owner: opts.owner,
    messages: [],
    at: opts.clock.now(),
  }
  let lastWrite = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  let cleared = false
  // The record exists before its id joins the set, so a sweeper never sees an id without its owner.
  let writing: Promise<unknown> = kv
    .set(opts.id, record, RECORD_TTL_MS)
    .then(() => store.addToSet(SET, opts.id))
    .catch((err: unknown) => opts.log.warn({ err }, 'recording the answer in progress failed'))

  const write = () => {
    timer = undefined
    if (cleared) return
    lastWrite = opts.clock.now()
    writing = writing
      .then(() => kv.set(opts.id, record, RECORD_TTL_MS))
      .catch((err: unknown) => opts.log.warn({ err }, 'recording the answer in progress failed'))
  }
  const schedule = () => {
    if (cleared || timer) return
    const wait = lastWrite + WRITE_GAP_MS - opts.clock.now()
    if (wait <= 0) write()
    else timer = setTimeout(write, wait)
  }
  const remember = (ref: MessageRef, content: Rendered) => {
    const existing = record.messages.find((m) => m.ref.id === ref.id && m.ref.chatId === ref.chatId)
    if (existing) existing.content = content
    else record.messages.push({ ref, content })
    schedule()
  }

  return {
    wrap(surface) {
      const wrapped: Surface = {
        chatKey: surface.chatKey,
        limit: surface.limit,
        pace: surface.pace,
        format: surface.format,
        async send(content) {
          const ref = await surface.send(content)
          remember(ref, content)
          return ref
        },
        async edit(ref, content) {
          await surface.edit(ref, content)
          remember(ref, content)
        },
      }
      if (surface.draft) wrapped.draft = surface.draft.bind(surface)
      if (surface.sendFile) wrapped.sendFile = surface.sendFile.bind(surface)
      if (surface.typing) wrapped.typing = surface.typing.bind(surface)
      return wrapped
    },
    async clear() {
      cleared = true
      if (timer) clearTimeout(timer)
      await writing
      try {
        await kv.delete(opts.id)
        await store.removeFromSet(SET, opts.id)
      } catch (err) {
        // Left behind, it is finalised as interrupted once this process is gone: a wrong word, no harm.
        opts.log.warn({ err }, 'forgetting the finished answer failed')
      }
    },
  }
}

const CURSOR = /\s*▍/g

/** How long one process holds an interrupted answer while it finalises it (others skip it meanwhile). */
const FINALISE_HOLD_MS = 5 * 60_000

export interface FinaliseOptions {
  /** This process's heartbeat id: its own answers are live by definition. */
  processId: string
  /** The last line of the last message, e.g. t('ask.interrupted'). */
  line: string
  log: Logger
}

/**
 * Edits every message a process that is gone left mid-stream: cursor and buttons removed, one line
 * added. Returns how many answers it finalised.
 */
export async function finaliseInterrupted(
  store: Store,
  adapters: ReadonlyMap<Platform, Adapter>,
  options: FinaliseOptions,
): Promise<number> {
  const { log, processId } = options
  const kv = store.kv<InflightRecord>(NAMESPACE)
  let count = 0
  for (const id of await store.members(SET)) {
    const record = await kv.get(id)
    if (!record) {
      await store.removeFromSet(SET, id)
      continue
    }
    if (record.owner === processId) continue
    if (record.owner !== undefined && (await isAlive(store, record.owner))) continue
    const adapter = adapters.get(record.chat.platform)
    if (!adapter) continue
    // Two processes sweeping at once: only one edits.
    if (!(await store.claim(`inflight-final:${id}`, processId, FINALISE_HOLD_MS))) continue
    const surface = adapter.surfaceFor(record.chat)
    const last = record.messages.at(-1)
    for (const message of record.messages) {
      const text = message.content.text.replace(CURSOR, '')
      const ending =
        message === last ? `${text}\n\n${formatFor(message.content.format).note(options.line)}` : text
      try {
        await surface.edit(message.ref, { ...message.content, text: ending, buttons: [] })
      } catch (err) {
        log.warn({ err, answer: id }, 'could not finalise an interrupted message')
      }
    }
    await kv.delete(id)
    await store.removeFromSet(SET, id)
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
        const count = await finaliseInterrupted(store, adapters, options)
        if (count > 0) options.log.info({ interrupted: count }, 'finalised answers of a process that is gone')
      } catch (err) {
        options.log.warn({ err }, 'finalising interrupted answers failed')
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
