/**
 * Deleted messages, from the gateway to Herald's answers. MESSAGE_DELETE and MESSAGE_DELETE_BULK
 * name messages by id; the adapter reports each to `Herald.onMessageDeleted`, which stops an answer
 * streaming into it. One twist: an interaction answer that moved to a channel message (its 15-minute
 * token, see discord-interaction-surface.ts) is still known to the live engine by its first
 * message's id, while that first message now only says where the answer continues. So deleting the
 * new message stops the answer (reported under the id the engine knows), deleting the old one does not.
 *
 * @example
 *   const ids = new AnswerMessageIds()
 *   ids.moved('111', '222')            // interaction message 111 continues in channel message 222
 *   ids.answerIdOf('222')              // '111'
 *   ids.answerIdOf('111')              // undefined: only the "continued below" line was deleted
 */
export interface DeletedMessage {
  channelId: string
  messageId: string
}

/** The messages a MESSAGE_DELETE or MESSAGE_DELETE_BULK dispatch removes; none for other dispatches. */
export function deletedMessages(packet: { t?: unknown; d?: unknown }): DeletedMessage[] {
  const d = packet.d as { id?: unknown; ids?: unknown; channel_id?: unknown } | null | undefined
  if (!d || typeof d.channel_id !== 'string') return []
  const channelId = d.channel_id
  if (packet.t === 'MESSAGE_DELETE' && typeof d.id === 'string') return [{ channelId, messageId: d.id }]
  if (packet.t === 'MESSAGE_DELETE_BULK' && Array.isArray(d.ids)) {
    return d.ids
      .filter((id): id is string => typeof id === 'string')
      .map((messageId) => ({ channelId, messageId }))
  }
  return []
}

export class AnswerMessageIds {
  /** Channel message id → the interaction message id the engine knows it by. */
  readonly #movedFrom = new Map<string, string>()
  /** Interaction message ids whose content moved (they show the "continued below" line). */
  readonly #movedAway = new Set<string>()
  readonly #max: number

  /** Remembers the last `max` moves (a move happens at most once per long answer message). */
  constructor(max = 1000) {
    this.#max = max
  }

  moved(from: string, to: string): void {
    this.#movedFrom.set(to, from)
    this.#movedAway.add(from)
    while (this.#movedFrom.size > this.#max) {
      const [oldest] = this.#movedFrom.keys()
      this.#movedFrom.delete(oldest as string)
    }
    while (this.#movedAway.size > this.#max) {
      const [oldest] = this.#movedAway
      this.#movedAway.delete(oldest as string)
    }
  }

  /** The id to report for a deleted message, or undefined when its deletion stops nothing. */
  answerIdOf(messageId: string): string | undefined {
    if (this.#movedAway.has(messageId)) return undefined
    return this.#movedFrom.get(messageId) ?? messageId
  }
}
