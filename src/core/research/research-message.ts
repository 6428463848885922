import { FormatRejected, Gone, RateLimited } from '../contracts/errors.ts'
import type { Button, MessageRef, Rendered, Surface } from '../contracts/surface.ts'
import { formatFor, plainFormat } from '../live/format.ts'
import type { LaneCall, LaneRegistry, LaneTask } from '../live/scheduler.ts'

/**
 * One message Herald keeps up to date outside an answer stream: a research card or progress
 * message. It goes through the chat's lane (so it shares the platform's pace with every answer
 * there), the newest content wins, and it can adopt a message sent before a restart.
 *
 * @example
 *   const progress = keepMessage({ surface, lanes, ref: job.progress, onRef: save })
 *   progress.show('**Deep research** · 3 min', [cancelButton])
 *   await progress.show('Research finished in 12 min', [], true)
 */
export interface KeptMessage {
  /** Offers new Markdown (latest wins); resolves when it is shown or given up (a deleted message). */
  show(markdown: string, buttons: Button[], final?: boolean): Promise<void>
  readonly ref: MessageRef | undefined
  /** Drops what is not shown yet and shows nothing more (a runtime that stopped). */
  close(): void
}

export interface KeptMessageInit {
  surface: Surface
  lanes: LaneRegistry
  /** An existing message to edit rather than send a new one. */
  ref?: MessageRef | undefined
  /** Intermediate edits at most this often (final ones go at the lane's pace). Default 0. */
  minGapMs?: number
  /** Called once the message exists (to store its ref). */
  onRef?: (ref: MessageRef) => void
}

/** Failed calls (other than 429s) tried again, with backoff, before a version is given up. */
const MAX_FAILURES = 5

export function keepMessage(init: KeptMessageInit): KeptMessage {
  const { surface } = init
  const lane = init.lanes.lane(surface)
  const clock = init.lanes.clock
  let ref = init.ref
  let wanted: { markdown: string; buttons: Button[]; final: boolean } | undefined
  let shownKey: string | undefined
  let plain = false
  let gone = false
  let failures = 0
  let notBefore = 0
  let lastWriteAt = Number.NEGATIVE_INFINITY
  const waiters: Array<() => void> = []

  const render = (): Rendered => {
    const format = plain ? plainFormat : formatFor(surface.format)
    return { text: format.body(wanted?.markdown ?? ''), format: format.name, buttons: wanted?.buttons ?? [] }
  }
  const keyOf = (content: Rendered) => JSON.stringify([content.format, content.text, content.buttons])
  const wake = () => {
    for (const resolve of waiters.splice(0)) resolve()
  }

  const write = async (content: Rendered): Promise<string | undefined> => {
    lastWriteAt = clock.now()
    try {
      if (ref) await surface.edit(ref, content)
      else {
        ref = await surface.send(content)
        init.onRef?.(ref)
      }
      shownKey = keyOf(content)
      failures = 0
      notBefore = 0
    } catch (err) {
      if (err instanceof RateLimited) throw err
      if (err instanceof Gone) gone = true
      else if (err instanceof FormatRejected && !plain) plain = true
      else if (++failures > MAX_FAILURES) {
        // Give this version up; a newer one starts over.
        shownKey = keyOf(content)
        failures = 0
      } else notBefore = clock.now() + Math.min(30_000, surface.pace.perMessageMs * 2 ** failures)
    }
    return ref?.id
  }

  const task: LaneTask = {
    next(): LaneCall | undefined {
      if (!wanted || gone) {
        wake()
        return undefined
      }
      const content = render()
      if (keyOf(content) === shownKey) {
        wake()
        return undefined
      }
      const gap = wanted.final ? 0 : lastWriteAt + (init.minGapMs ?? 0)
      return {
        messageId: ref?.id,
        final: wanted.final,
        notBefore: Math.max(notBefore, gap),
        run: () => write(content),
      }
    },
  }

  return {
    show(markdown, buttons, final = false) {
      if (gone) return Promise.resolve()
      wanted = { markdown, buttons, final }
      const done = new Promise<void>((resolve) => waiters.push(resolve))
      lane.offer(task, final)
      return done
    },
    get ref() {
      return ref
    },
    close() {
      gone = true
      wake()
    },
  }
}
