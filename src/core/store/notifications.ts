/**
 * Listeners by channel, for a store's `listen`: the in-process half of notifications. The SQLite
 * store adds a poll of its file for other processes, the Redis store a pub/sub subscription.
 */
export class Listeners {
  private readonly byChannel = new Map<string, Set<(message: string) => void>>()

  add(channel: string, listener: (message: string) => void): () => void {
    let set = this.byChannel.get(channel)
    if (!set) {
      set = new Set()
      this.byChannel.set(channel, set)
    }
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.byChannel.delete(channel)
    }
  }

  get size(): number {
    return this.byChannel.size
  }

  deliver(channel: string, message: string): void {
    for (const listener of this.byChannel.get(channel) ?? []) {
      try {
        listener(message)
      } catch {
        // A listener's failure is its own: the others still hear the message.
      }
    }
  }
}
