import { randomUUID } from 'node:crypto'
import type { ChatRef } from '../contracts/chat.ts'
import type { Clock } from '../contracts/clock.ts'
import { HeraldError } from '../contracts/errors.ts'
import type { Logger } from '../contracts/log.ts'
import type { MessageRef, Rendered, Surface } from '../contracts/surface.ts'
import type { Language } from '../i18n/i18n.ts'
import { logStoreFailure, type Store } from '../store/store.ts'
import { isAlive } from './heartbeat.ts'

/**
 * One record per running answer, in the store so every process sees it: who asked, in which chat,
 * which process streams it, and what its messages show. That one record serves
 * - one answer at a time per user: starting an answer takes the user's slot for the record's id;
 * - Stop and /cancel from any process: a stop request is written beside the record and the owner
 *   hears of it at once through the store's notifications (Redis pub/sub; in-process events and a
 *   poll of the file for SQLite), never by polling per answer;
 * - crash safety: the messages' last content is kept, so when the owner is gone (see interrupted.ts)
 *   another process can end them with "interrupted" instead of a cursor forever.
 *
 * Liveness is the owner's heartbeat alone (heartbeat.ts): nothing here is renewed on a timer, and a
 * record or a slot is only taken over once its process stopped beating.
 *
 * @example
 *   const started = await records.start({ userKey: 'telegram:42', chat })
 *   if (!started.ok) return notify(t('limits.busy_user'))
 *   const live = createLiveMessage({ surface: started.answer.wrap(surface), … })
 *   …stream with started.answer.controller.signal…
 *   await started.answer.end()
 *   // in any process:
 *   await records.requestStop(id, 'telegram:42')
 */
export interface AnswerRecord {
  id: string
  /** The process streaming it (its `processId`, whose heartbeat says it is alive). */
  owner: string
  /** `${platform}:${userId}` of the asker. */
  userKey: string
  chat: ChatRef
  startedAt: number
  /** Every message the answer has sent, with what it shows now. */
  messages: Array<{ ref: MessageRef; content: Rendered }>
  /** The asker's language (for the "interrupted" line); absent in records of older versions. */
  lang?: Language
}

export interface StopRequest {
  /** Who asked for the stop (a user key). */
  by: string
  at: number
}

/** An answer streaming in this process. */
export interface RunningAnswer {
  readonly id: string
  readonly userKey: string
  readonly chatKey: string
  readonly startedAt: number
  /** Aborted by Stop, /cancel, a deleted message or shutdown; its reason says which. */
  readonly controller: AbortController
  /** Resolves when the answer has ended (its messages final, its record gone). */
  readonly done: Promise<void>
  /** The messages the answer has sent so far. */
  refs(): readonly MessageRef[]
  /** A surface that keeps the record's messages up to date as it sends and edits. */
  wrap(surface: Surface): Surface
  /** The answer finished: forget the record, free the user's slot. Idempotent. */
  end(): Promise<void>
}

export type StartResult = { ok: true; answer: RunningAnswer } | { ok: false; reason: 'busy' }

/** The reason an answer is aborted with when a stop request arrives from another process. */
export class StoppedElsewhere extends HeraldError {
  readonly by: string
  constructor(by: string) {
    super('aborted', 'stopped from another process')
    this.by = by
  }
}

export interface AnswerRecordsOptions {
  store: Store
  clock: Clock
  log: Logger
  /** This process: owner of its records, and alive by definition. */
  processId: string
  /** Record writes for one answer are spaced this far apart at most (the last one always lands). Default 2000. */
  writeGapMs?: number
}

export interface AnswerRecords {
  /** Takes the user's slot and records the answer; `busy` when the user has one running anywhere. */
  start(answer: { userKey: string; chat: ChatRef; id?: string; lang?: Language }): Promise<StartResult>
  /** The answer with this id, if it streams in this process. */
  get(id: string): RunningAnswer | undefined
  /** Answers streaming in this process. */
  all(): RunningAnswer[]
  /** This process's answers for `userKey`. */
  byUser(userKey: string): RunningAnswer[]
  /** The record of answer `id`, streaming in any process. */
  find(id: string): Promise<AnswerRecord | undefined>
  /** Every answer `userKey` has running, in any process. */
  ofUser(userKey: string): Promise<AnswerRecord[]>
  /** Every answer running in any process (ids of records whose owner may be gone included). */
  everywhere(): Promise<AnswerRecord[]>
  /** Asks whichever process streams answer `id` to stop it. */
  requestStop(id: string, by: string): Promise<void>
  /** The stop request waiting for answer `id`, if any. */
  stopRequestOf(id: string): Promise<StopRequest | undefined>
  /** Forgets a record whose owner is gone (after its messages were finalised). */
  forget(record: Pick<AnswerRecord, 'id' | 'userKey'>): Promise<void>
}

const NAMESPACE = 'answer'
const ALL = 'answers'
const STOP_CHANNEL = 'stop'
const byUserSet = (userKey: string) => `answers:${userKey}`
const slotKey = (userKey: string) => `slot:user:${userKey}`
/** A safety net only: records and slots are taken over by heartbeat long before this. */
const RECORD_TTL_MS = 7 * 86_400_000
const STOP_TTL_MS = 60_000

export function createAnswerRecords(opts: AnswerRecordsOptions): AnswerRecords {
  const { store, clock, log, processId } = opts
  const writeGapMs = opts.writeGapMs ?? 2_000
  const kv = store.kv<AnswerRecord>(NAMESPACE)
  const stops = store.kv<StopRequest>('stop')
  const local = new Map<string, RunningAnswer>()
  let listening: Promise<() => void> | undefined

  const alive = async (owner: string) => owner === processId || (await isAlive(store, owner))

  /** The user's slot, held as `<process>/<answer>`; a holder whose process is gone is replaced. */
  const takeSlot = async (userKey: string, id: string): Promise<boolean> => {
    const key = slotKey(userKey)
    const owner = `${processId}/${id}`
    if (await store.claim(key, owner, RECORD_TTL_MS)) return true
    const holder = await store.holder(key)
    if (holder === undefined) return store.claim(key, owner, RECORD_TTL_MS)
    const holderProcess = holder.split('/')[0] ?? ''
    if (await alive(holderProcess)) return false
    await store.release(key, holder)
    return store.claim(key, owner, RECORD_TTL_MS)
  }

  const onStopNotice = (id: string) => {
    const answer = local.get(id)
    if (!answer || answer.controller.signal.aborted) return
    void stops
      .get(id)
      .then((request) => {
        if (!request) return
        log.info({ answer: id, by: request.by }, 'stop requested from another process')
        answer.controller.abort(new StoppedElsewhere(request.by))
      })
      .catch((err: unknown) =>
        logStoreFailure(store, log, err, { answer: id }, 'reading a stop request failed'),
      )
  }

  /** Listens while this process runs answers; resolves once stop notices are heard. */
  const listen = async () => {
    listening ??= store.listen(STOP_CHANNEL, onStopNotice)
    await listening
  }
  const unlisten = () => {
    const pending = listening
    listening = undefined
    void pending?.then((stop) => stop())
  }

  const records: AnswerRecords = {
    async start({ userKey, chat, id = randomUUID().slice(0, 12), lang }) {
      if (!(await takeSlot(userKey, id))) return { ok: false, reason: 'busy' }
      await listen()
      const answer = openRecord({ id, userKey, chat, ...(lang ? { lang } : {}) })
      local.set(id, answer)
      // Once started, the answer is visible to every process (a Stop pressed there finds it).
      await answer.recorded
      return { ok: true, answer }
    },
    get: (id) => local.get(id),
    all: () => [...local.values()],
    byUser: (userKey) => [...local.values()].filter((a) => a.userKey === userKey),
    async find(id) {
      return (await kv.get(id)) ?? undefined
    },
    async ofUser(userKey) {
      const found: AnswerRecord[] = []
      for (const id of await store.members(byUserSet(userKey))) {
        const record = await records.find(id)
        if (record?.userKey === userKey) found.push(record)
      }
      return found
    },
    async everywhere() {
      const found: AnswerRecord[] = []
      for (const id of await store.members(ALL)) {
        const record = await records.find(id)
        if (record) found.push(record)
        else await store.removeFromSet(ALL, id)
      }
      return found
    },
    async requestStop(id, by) {
      await stops.set(id, { by, at: clock.now() }, STOP_TTL_MS)
      await store.notify(STOP_CHANNEL, id)
    },
    async stopRequestOf(id) {
      return (await stops.get(id)) ?? undefined
    },
    async forget({ id, userKey }) {
      await kv.delete(id)
      await store.removeFromSet(ALL, id)
      await store.removeFromSet(byUserSet(userKey), id)
      await stops.delete(id)
      const holder = await store.holder(slotKey(userKey))
      if (holder?.endsWith(`/${id}`)) await store.release(slotKey(userKey), holder)
    },
  }

  function openRecord(answer: {
    id: string
    userKey: string
    chat: ChatRef
    lang?: Language
  }): RunningAnswer & {
    recorded: Promise<void>
  } {
    const record: AnswerRecord = {
      ...answer,
      owner: processId,
      startedAt: clock.now(),
      messages: [],
    }
    const controller = new AbortController()
    const writer = new RecordWriter(
      () => kv.set(answer.id, record, RECORD_TTL_MS),
      clock,
      writeGapMs,
      (err) =>
        logStoreFailure(store, log, err, { answer: answer.id }, 'recording the answer in progress failed'),
    )
    // The record exists before its id joins the sets, so a sweeper never sees an id without its owner.
    const recorded = writer.first(async () => {
      await store.addToSet(ALL, answer.id)
      await store.addToSet(byUserSet(answer.userKey), answer.id)
    })
    let finished!: () => void
    const done = new Promise<void>((resolve) => {
      finished = resolve
    })
    const remember = (ref: MessageRef, content: Rendered) => {
      const existing = record.messages.find((m) => m.ref.id === ref.id && m.ref.chatId === ref.chatId)
      if (existing) existing.content = content
      else record.messages.push({ ref, content })
      writer.soon()
    }
    let ending: Promise<void> | undefined
    return {
      id: answer.id,
      userKey: answer.userKey,
      chatKey: answer.chat.key,
      startedAt: record.startedAt,
      recorded,
      controller,
      done,
      refs: () => record.messages.map((m) => m.ref),
      wrap: (surface) => recordingSurface(surface, remember),
      end() {
        ending ??= (async () => {
          await writer.close()
          try {
            await records.forget(answer)
          } catch (err) {
            // Left behind, it is finalised as interrupted once this process is gone: a wrong word, no harm.
            logStoreFailure(store, log, err, { answer: answer.id }, 'forgetting the finished answer failed')
          }
          local.delete(answer.id)
          // Nothing runs here any more: stop listening (SQLite stops looking at its file).
          if (local.size === 0) unlisten()
          finished()
        })()
        return ending
      },
    }
  }

  return records
}

/**
 * Writes one record at most every `gapMs` (the first at once, the last always), so an answer edited
 * every second costs a store write every two; one write at a time, in order.
 */
class RecordWriter {
  private chain: Promise<unknown> = Promise.resolve()
  private lastAt = Number.NEGATIVE_INFINITY
  private pending = false
  private closed = false
  private readonly wake = new AbortController()
  private readonly write: () => Promise<unknown>
  private readonly clock: Clock
  private readonly gapMs: number
  private readonly onError: (err: unknown) => void

  constructor(write: () => Promise<unknown>, clock: Clock, gapMs: number, onError: (err: unknown) => void) {
    this.write = write
    this.clock = clock
    this.gapMs = gapMs
    this.onError = onError
  }

  /** The record's first write, then `after`; the first message still lands at once. Never rejects. */
  first(after: () => Promise<unknown>): Promise<void> {
    this.enqueue(async () => {
      await this.write()
      await after()
    })
    return this.chain.then(() => undefined)
  }

  /** Writes now (in the same order as every other write). */
  now(): void {
    this.lastAt = this.clock.now()
    this.enqueue(() => this.write())
  }

  /** Writes within `gapMs` of the previous write. */
  soon(): void {
    if (this.closed || this.pending) return
    const wait = this.lastAt + this.gapMs - this.clock.now()
    if (wait <= 0) {
      this.now()
      return
    }
    this.pending = true
    this.enqueue(async () => {
      try {
        await this.clock.sleep(wait, this.wake.signal)
      } catch {
        return
      } finally {
        this.pending = false
      }
      this.lastAt = this.clock.now()
      await this.write()
    })
  }

  /** Stops writing; resolves once the writes under way are done. */
  async close(): Promise<void> {
    this.closed = true
    this.wake.abort()
    await this.chain
  }

  private enqueue(step: () => Promise<unknown>): void {
    this.chain = this.chain.then(step).catch((err: unknown) => this.onError(err))
  }
}

function recordingSurface(surface: Surface, remember: (ref: MessageRef, content: Rendered) => void): Surface {
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
  // Pictures are not recorded: a photo has no text to finalise after a crash.
  if (surface.sendPicture) wrapped.sendPicture = surface.sendPicture.bind(surface)
  if (surface.editPicture) wrapped.editPicture = surface.editPicture.bind(surface)
  if (surface.sendVoice) wrapped.sendVoice = surface.sendVoice.bind(surface)
  if (surface.typing) wrapped.typing = surface.typing.bind(surface)
  return wrapped
}
