import type { MessageRef } from '../contracts/surface.ts'

/** An answer streaming in this process, for Stop, /cancel and shutdown. */
export interface ActiveAnswer {
  id: string
  userId: string
  chatKey: string
  controller: AbortController
  startedAt: number
  /** Resolves when the answer is finalised. */
  done: Promise<void>
  /** The messages the answer has sent so far (for a deletion event to find its answer). */
  refs?: () => readonly MessageRef[]
}

export interface ActiveAnswers {
  add(answer: ActiveAnswer): void
  remove(id: string): void
  get(id: string): ActiveAnswer | undefined
  byUser(userKey: string): ActiveAnswer[]
  all(): ActiveAnswer[]
}

export function createActiveAnswers(): ActiveAnswers {
  const answers = new Map<string, ActiveAnswer>()
  return {
    add: (answer) => void answers.set(answer.id, answer),
    remove: (id) => void answers.delete(id),
    get: (id) => answers.get(id),
    byUser: (userKey) => [...answers.values()].filter((a) => a.userId === userKey),
    all: () => [...answers.values()],
  }
}
