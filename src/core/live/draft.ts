import { randomInt } from 'node:crypto'
import type { Clock } from '../contracts/clock.ts'
import { FormatRejected, RateLimited, SurfaceError } from '../contracts/errors.ts'
import type { Button, Rendered, Surface } from '../contracts/surface.ts'
import type { LaneCall } from './scheduler.ts'

/**
 * Streaming as a draft (Telegram `sendMessageDraft`, private chats): the message being written shows
 * as an ephemeral preview, paced by the chat's lane like an edit, and its text is sent as a real
 * message only once finished (the part a rollover finalises, and the final render). A draft cannot
 * carry buttons (the method takes no `reply_markup`), so by default an answer that streams with
 * buttons (a Stop button) is sent and edited instead, and its buttons stay pressable.
 *
 * @example
 *   createLiveMessage({ surface, lanes, options: { drafts: 'always' } })   // Stop offered elsewhere (/cancel)
 */

/** When an answer streams as a draft where the surface can show one. */
export type DraftMode =
  /** Draft where the surface can, unless buttons are asked for while streaming (the default). */
  | 'without-buttons'
  /** Draft where the surface can, even though the streaming buttons then do not show. */
  | 'always'
  /** Always send and edit. */
  | 'never'

/** Telegram shows a draft for about 30 s: one that has not changed for this long is sent again. */
export const DRAFT_REFRESH_MS = 20_000

const MAX_DRAFT_ID = 2 ** 31 - 1

/**
 * Draft ids: non-zero, within 31 bits, one per drafted message. Consecutive from a random start, so
 * answers of one process never share one and those of two processes rarely do.
 */
export function createDraftIds(start = randomInt(1, MAX_DRAFT_ID)): () => number {
  let next = start
  return () => {
    const id = next
    next = next >= MAX_DRAFT_ID ? 1 : next + 1
    return id
  }
}

/** The process's draft ids. */
export const nextDraftId: () => number = createDraftIds()

/** The lane's name for a draft, so the message pace applies between two previews of it. */
export function draftKey(draftId: number): string {
  return `draft:${draftId}`
}

/**
 * Whether a failed draft means the platform will not take drafts here (the method is unknown, the
 * chat refuses them, …): the answer then sends and edits, which meets any real problem with the chat
 * itself. A 429 is not (it pauses the lane), nor a transient error or refused HTML (retried, as plain).
 */
export function isDraftRefusal(err: unknown): boolean {
  if (err instanceof RateLimited) return false
  if (err instanceof FormatRejected) return false
  return !(err instanceof SurfaceError && err.transient)
}

/** A message's draft: its id, what it shows (a content key) and when that was sent. */
export interface DraftState {
  id: number
  shown?: string
  at: number
}

/** The draft side of one answer: whether it still drafts, and the timer that keeps a preview alive. */
export class AnswerDrafts {
  /** Drafting: false from the start (no drafts, or buttons wanted), or once stopped. */
  active: boolean
  private readonly surface: Surface
  private readonly clock: Clock
  /** Called when a shown draft is about to expire: the answer offers itself to its lane. */
  private readonly onRefreshDue: () => void
  private timer: AbortController | undefined

  /** `options`: the answer's draft mode and the buttons it wants while streaming (LiveOptions). */
  constructor(
    surface: Surface,
    clock: Clock,
    options: { drafts?: DraftMode | undefined; buttons?: readonly Button[] | undefined },
    onRefreshDue: () => void,
  ) {
    this.surface = surface
    this.clock = clock
    this.onRefreshDue = onRefreshDue
    const mode = options.drafts ?? 'without-buttons'
    const buttons = options.buttons ?? []
    this.active =
      surface.draft !== undefined && (mode === 'always' || (mode !== 'never' && buttons.length === 0))
  }

  /**
   * The lane call that shows `content` as the message's draft, or undefined while the draft already
   * shows it and is fresh. `done` runs when the preview is shown; `failed` gets any error but a 429.
   */
  call(
    message: { draft?: DraftState; notBefore: number },
    content: Rendered,
    key: string,
    done: () => void,
    failed: (err: unknown) => Promise<string | undefined> | undefined,
  ): LaneCall | undefined {
    message.draft ??= { id: nextDraftId(), at: 0 }
    const draft = message.draft
    const clock = this.clock
    if (draft.shown === key && clock.now() < draft.at + DRAFT_REFRESH_MS) return undefined
    return {
      messageId: draftKey(draft.id),
      final: false,
      notBefore: message.notBefore,
      run: async () => {
        const at = clock.now()
        try {
          await this.surface.draft!(draft.id, content)
        } catch (err) {
          if (err instanceof RateLimited) throw err
          return failed(err)
        }
        draft.shown = key
        draft.at = at
        done()
        this.refreshLater()
        return draftKey(draft.id)
      },
    }
  }

  /** No more drafts for this answer (it is final, or the platform refused one). */
  stop(): void {
    this.active = false
    this.timer?.abort()
  }

  private refreshLater(): void {
    if (!this.active) return
    this.timer?.abort()
    const timer = new AbortController()
    this.timer = timer
    this.clock.sleep(DRAFT_REFRESH_MS, timer.signal).then(this.onRefreshDue, () => {})
  }
}
