import type { Clock } from '../contracts/clock.ts'
import type { Button, MessageRef, Rendered, Surface } from '../contracts/surface.ts'
import { formatFor, type MessageFormat, plainFormat } from './format.ts'
import { contentKey, MessageWriter, type WrittenMessage } from './message-writer.ts'
import type { Lane, LaneCall, LaneRegistry, LaneTask } from './scheduler.ts'

/**
 * One message Herald keeps up to date outside an answer stream: a research card or progress
 * message. It goes through the chat's lane (so it shares the platform's pace with every answer
 * there), the newest content wins, it is written the way an answer is (message-writer.ts: the
 * plain fallback, backoff, and final content given up by the same rule), and it can adopt a
 * message sent before a restart.
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

export function keepMessage(init: KeptMessageInit): KeptMessage {
  const kept = new KeptLaneMessage(init)
  return {
    show: (markdown, buttons, final) => kept.show(markdown, buttons, final),
    get ref() {
      return kept.message.ref
    },
    close: () => kept.close(),
  }
}

interface Wanted {
  markdown: string
  buttons: Button[]
  final: boolean
}

class KeptLaneMessage implements LaneTask {
  readonly message: WrittenMessage
  private readonly lane: Lane
  private readonly clock: Clock
  private readonly format: MessageFormat
  private readonly writer: MessageWriter
  private readonly minGapMs: number
  private readonly onRef: ((ref: MessageRef) => void) | undefined
  private wanted: Wanted | undefined
  private gone = false
  private lastWriteAt = Number.NEGATIVE_INFINITY
  private readonly waiters: Array<() => void> = []

  constructor(init: KeptMessageInit) {
    this.message = { ref: init.ref, plain: false, failures: 0, notBefore: 0 }
    this.lane = init.lanes.lane(init.surface)
    this.clock = init.lanes.clock
    this.format = formatFor(init.surface.format)
    this.writer = new MessageWriter(init.surface, this.clock, { final: () => this.wanted?.final === true })
    this.minGapMs = init.minGapMs ?? 0
    this.onRef = init.onRef
  }

  show(markdown: string, buttons: Button[], final = false): Promise<void> {
    if (this.gone) return Promise.resolve()
    this.wanted = { markdown, buttons, final }
    const done = new Promise<void>((resolve) => this.waiters.push(resolve))
    this.lane.offer(this, final)
    return done
  }

  close(): void {
    this.gone = true
    this.wake()
  }

  /** The lane's question: a write when the newest content is not what the message shows. */
  next(): LaneCall | undefined {
    const wanted = this.wanted
    if (!wanted || this.gone) return this.wake()
    const content = this.render(wanted)
    if (contentKey(content) === this.message.shown) return this.wake()
    const gap = wanted.final ? 0 : this.lastWriteAt + this.minGapMs
    return {
      messageId: this.message.ref?.id,
      final: wanted.final,
      notBefore: Math.max(this.message.notBefore, gap),
      run: () => this.write(content),
    }
  }

  private render(wanted: Wanted): Rendered {
    const format = this.message.plain ? plainFormat : this.format
    return { text: format.body(wanted.markdown), format: format.name, buttons: wanted.buttons }
  }

  private async write(content: Rendered): Promise<string | undefined> {
    this.lastWriteAt = this.clock.now()
    const sending = this.message.ref === undefined
    const result = await this.writer.write(this.message, content)
    if (result.kind === 'gone') this.gone = true
    else if (sending && this.message.ref) this.onRef?.(this.message.ref)
    return this.message.ref?.id
  }

  /** Everything offered is shown or given up: the `show` calls waiting resolve. */
  private wake(): undefined {
    for (const resolve of this.waiters.splice(0)) resolve()
    return undefined
  }
}
