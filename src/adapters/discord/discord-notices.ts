import type { NotifyOptions } from '../../core/contracts/chat.ts'
import type { Clock } from '../../core/contracts/clock.ts'
import type { MessageRef, Rendered, Surface } from '../../core/contracts/surface.ts'
import { postText } from '../../core/live/live-message.ts'
import type { LaneRegistry } from '../../core/live/scheduler.ts'
import { withRateLimitRetry } from './discord-errors.ts'
import type { InteractionReplies } from './discord-interaction-surface.ts'

/**
 * Short lines a handler sends beside its answer (a confirmation card, "only admins can…"). A
 * visible notice waits its turn in the chat's lane with the answers' edits, when the adapter has the
 * lanes, and so honours a running retry_after instead of spending the channel's bucket behind the
 * lane's back. An ephemeral one is an interaction webhook message, limited per interaction token
 * rather than per channel: it goes straight out.
 *
 * @example
 *   const notices = new Notices({ lanes, clock })
 *   await notices.post(surface, 'Estimated cost: $12. Go?', { buttons: [confirm] })
 *   await notices.whisper(replies, 'Only admins can confirm research.')
 */

/** `lanes`: the chats' lanes (Herald's LaneRegistry); without them a notice is sent at once. */
export interface NoticesOptions {
  lanes?: LaneRegistry | undefined
  clock: Clock
}

export class Notices {
  private readonly lanes: LaneRegistry | undefined
  private readonly clock: Clock

  constructor(options: NoticesOptions) {
    this.lanes = options.lanes
    this.clock = options.clock
  }

  /** A visible line in the surface's chat: through the chat's lane when there is one. */
  async post(surface: Surface, text: string, notify: NotifyOptions = {}): Promise<MessageRef> {
    if (!this.lanes) return withRateLimitRetry(() => surface.send(rendered(text, notify)), this.clock)
    const buttons = notify.buttons
    const posted = await postText(surface, this.lanes, text, buttons ? { finalButtons: buttons } : {})
    const first = posted.messages[0]?.ref
    if (posted.outcome !== 'delivered' || !first)
      throw posted.error ?? new Error(`discord notify: ${posted.outcome}`)
    return first
  }

  /** A line only the interaction's user sees. */
  whisper(replies: InteractionReplies, text: string, notify: NotifyOptions = {}): Promise<MessageRef> {
    return withRateLimitRetry(() => replies.post(rendered(text, notify), true), this.clock)
  }
}

function rendered(text: string, notify: NotifyOptions): Rendered {
  const format = 'discord-markdown'
  return notify.buttons ? { text, format, buttons: notify.buttons } : { text, format }
}
