import type { ChatRef, UserRef } from '../contracts/chat.ts'
import type { MessageRef } from '../contracts/surface.ts'
import type { Language } from '../i18n/i18n.ts'
import type { AnswerStatus, WebSearch } from '../responses/state.ts'
import type { Store } from '../store/store.ts'

/**
 * Research requests and jobs as the store keeps them, so any process (after a restart, or another
 * one on the same Redis) can pick them up.
 *
 * - A *request* waits for a button: the admin's own Confirm, or an admin's Approve of a member's
 *   request. It lives in `research-requests` until decided or expired (`expiresAt`; the key itself
 *   lingers a day longer, so a late press or the sweep can still mark its card as expired).
 * - A *job* is a confirmed run, in `research-jobs`, listed in the `research:active` set until it is
 *   delivered. Its status moves `queued` (waiting for a slot here, nothing sent) → `starting`
 *   (written before the POST) → `running` (the response id is known) → `finished` (the final
 *   status is known) → `delivered` (the report is posted).
 * - `research:lock:<id>`: the process driving the job; `research:delivered:<id>`: taken by the one
 *   delivery, so a restart mid-delivery never posts twice.
 */

/** Someone a job names: who asked, who approved. */
export interface Person {
  /** `platform:id`, as usage and budgets count people. */
  key: string
  id: string
  name: string
}

export type RequestKind = 'confirm' | 'approval'

export interface ResearchRequest {
  id: string
  kind: RequestKind
  question: string
  model: string
  chat: ChatRef
  requester: Person
  created: number
  expiresAt: number
  estimate: { lowUsd: number; highUsd: number }
  /** The card with the buttons, when the platform returned its ref. */
  card?: MessageRef
  /** The card's language: the requester's for their own Confirm card, the chat's for an approval card. */
  lang?: Language
  /** The chat's language when asked: the job's progress, report and notices to everyone. */
  chatLang?: Language
}

/**
 * How a run goes upstream: `background` (`background: true`, followed by id, resumable after a
 * restart) or `foreground` (one streamed request, as relays without background mode serve it).
 */
export type ResearchMode = 'background' | 'foreground'

export type JobStatus = 'queued' | 'starting' | 'running' | 'finished' | 'delivered'

export interface JobOutcome {
  status: AnswerStatus
  /**
   * How a job ended that never really ran: `not_sent` (cancelled while waiting), `start_failed`
   * (the request was refused before a response id existed), `lost` (a restart while it was being
   * sent); or ran and was cut: `interrupted` (`reason` says why: research-runner.ts InterruptedWhy),
   * `closed` (cancelled by closing its stream; the endpoint may still run and bill it).
   */
  note?: 'not_sent' | 'start_failed' | 'lost' | 'interrupted' | 'closed'
  /** For 'incomplete': the API's reason (`max_output_tokens`, …), or why it was interrupted. */
  reason?: string
  /** For 'failed': one line a person can read. */
  error?: string
  finishedAt: number
}

export interface ResearchJob {
  id: string
  question: string
  model: string
  chat: ChatRef
  requester: Person
  /** The admin who confirmed or approved: their budget and daily count pay for it. */
  approver: Person
  /** The language of its progress message and report, fixed when it was requested. */
  lang?: Language
  estimate: { lowUsd: number; highUsd: number }
  status: JobStatus
  created: number
  /** When the request was sent. */
  startedAt?: number
  responseId?: string
  /** The last stream event seen: where a resumed stream starts. */
  lastSequence: number
  /** False once the endpoint would not stream a background run: poll instead. */
  streaming: boolean
  /** How it was sent (absent: not yet, or a record older than foreground runs, which were all background). */
  mode?: ResearchMode
  /** A foreground run's text so far: after a restart it is all that is left of it. */
  text?: string
  /** Searches seen so far (for the progress message after a restart). */
  searches: WebSearch[]
  /** The progress message. */
  progress?: MessageRef
  /** Cancel was pressed before the response id was known: cancel as soon as it is. */
  cancelRequested?: boolean
  outcome?: JobOutcome
  /** What the run cost, once delivered (absent when unknown: no usage, or no price). */
  costUsd?: number
}

export const ACTIVE_SET = 'research:active'
export const lockKey = (id: string) => `research:lock:${id}`
export const deliveredKey = (id: string) => `research:delivered:${id}`
export const decidedKey = (id: string) => `research:decided:${id}`

const DAY_MS = 86_400_000
/** Jobs are kept a while after delivery, for operators looking into one. */
const JOB_TTL_MS = 30 * DAY_MS
/** A decided request is remembered this long, so a second press (or process) cannot decide it again. */
export const DECIDED_TTL_MS = 2 * DAY_MS
/** A request key outlives its expiry by this much, so the card can still be marked expired. */
const REQUEST_GRACE_MS = DAY_MS

export interface ResearchJobs {
  getRequest(id: string): Promise<ResearchRequest | undefined>
  putRequest(request: ResearchRequest): Promise<void>
  deleteRequest(id: string): Promise<void>
  requestIds(): Promise<string[]>
  get(id: string): Promise<ResearchJob | undefined>
  /** Writes the job (and lists it as active until it is delivered). */
  put(job: ResearchJob): Promise<void>
  /** Reads, changes and writes the job; undefined when it is gone. */
  update(id: string, change: (job: ResearchJob) => ResearchJob): Promise<ResearchJob | undefined>
  activeIds(): Promise<string[]>
  forget(id: string): Promise<void>
}

export function createResearchJobs(store: Store): ResearchJobs {
  const requests = store.kv<ResearchRequest>('research-requests')
  const jobs = store.kv<ResearchJob>('research-jobs')
  const put = async (job: ResearchJob) => {
    await jobs.set(job.id, job, JOB_TTL_MS)
    if (job.status === 'delivered') await store.removeFromSet(ACTIVE_SET, job.id)
    else await store.addToSet(ACTIVE_SET, job.id)
  }
  return {
    getRequest: async (id) => (await requests.get(id)) ?? undefined,
    async putRequest(request) {
      await requests.set(
        request.id,
        request,
        Math.max(1, request.expiresAt - request.created) + REQUEST_GRACE_MS,
      )
    },
    async deleteRequest(id) {
      await requests.delete(id)
    },
    requestIds: () => store.keys('research-requests'),
    get: async (id) => (await jobs.get(id)) ?? undefined,
    put,
    async update(id, change) {
      const job = (await jobs.get(id)) ?? undefined
      if (!job) return undefined
      const next = change(job)
      await put(next)
      return next
    },
    activeIds: () => store.members(ACTIVE_SET),
    forget: (id) => store.removeFromSet(ACTIVE_SET, id),
  }
}

export function personOf(user: UserRef): Person {
  return { key: `${user.platform}:${user.id}`, id: user.id, name: user.name }
}
