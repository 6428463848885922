import type { Adapter, ChatRef, Platform } from './chat.ts'
import type { Clock } from './clock.ts'
import type { MessageRef, Rendered, Surface } from './live/surface.ts'
import type { Logger } from './log.ts'
import type { Store } from './store.ts'

/**
 * Crash safety: an answer in progress is recorded in the store (its chat and the last content of
 * each of its messages). After a restart, `finaliseInterrupted` edits the messages left mid-stream
 * so they end with "interrupted" instead of a cursor forever.
 */
export interface InflightRecord {
  id: string
  chat: ChatRef
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
  opts: { id: string; chat: ChatRef; clock: Clock; log: Logger },
): InflightRecorder {
  const kv = store.kv<InflightRecord>(NAMESPACE)
  const record: InflightRecord = { id: opts.id, chat: opts.chat, messages: [], at: opts.clock.now() }
  let lastWrite = -Infinity
  let timer: ReturnType<typeof setTimeout> | undefined
  let cleared = false
  let writing: Promise<unknown> = Promise.resolve()

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
  void store.addToSet(SET, opts.id).catch(() => {})

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
      await kv.delete(opts.id)
      await store.removeFromSet(SET, opts.id)
    },
  }
}

const CURSOR = /\s*▍/g

/** Edits every message an earlier process left mid-stream: cursor and buttons removed, one line added. */
export async function finaliseInterrupted(
  store: Store,
  adapters: ReadonlyMap<Platform, Adapter>,
  line: string,
  log: Logger,
): Promise<number> {
  const kv = store.kv<InflightRecord>(NAMESPACE)
  let count = 0
  for (const id of await store.members(SET)) {
    const record = await kv.get(id)
    const adapter = record ? adapters.get(record.chat.platform) : undefined
    if (!record || !adapter) {
      if (!record) await store.removeFromSet(SET, id)
      continue
    }
    const surface = adapter.surfaceFor(record.chat)
    const last = record.messages.at(-1)
    for (const message of record.messages) {
      const text = message.content.text.replace(CURSOR, '')
      const ending = message === last ? `${text}\n\n${escapeFor(message.content.format, line)}` : text
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

function escapeFor(format: Rendered['format'], text: string): string {
  if (format === 'telegram-html')
    return `<i>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</i>`
  if (format === 'discord-markdown') return `*${text}*`
  return text
}
