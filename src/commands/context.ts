import type { Budgets, BudgetVerdict } from '../core/budgets.ts'
import type { Adapter, Platform } from '../core/chat.ts'
import type { Clock } from '../core/clock.ts'
import type { Config, Language } from '../core/config.ts'
import type { Conversations } from '../core/conversations.ts'
import type { Translate } from '../core/i18n.ts'
import type { Limits } from '../core/limits.ts'
import type { LaneRegistry } from '../core/live/scheduler.ts'
import type { MessageRef } from '../core/live/surface.ts'
import type { Logger } from '../core/log.ts'
import type { Metrics } from '../core/metrics.ts'
import type { ModelRegistry } from '../core/models.ts'
import type { Policy } from '../core/policy.ts'
import type { Research } from '../core/research/research-service.ts'
import type { ResponsesClient } from '../core/responses/client.ts'
import type { Settings } from '../core/settings.ts'
import type { Store } from '../core/store.ts'
import type { ToolRegistry } from '../core/tools/registry.ts'
import type { UsageLedger } from '../core/usage.ts'

/**
 * Everything a command may use, built once in main.ts (or a test) and shared by every invocation.
 * Commands receive it with the invocation: `run(services, invocation)`.
 */
export interface Services {
  config: Config
  lang: Language
  t: Translate
  log: Logger
  clock: Clock
  store: Store
  models: ModelRegistry
  settings: Settings
  conversations: Conversations
  usage: UsageLedger
  budgets: Budgets
  limits: Limits
  policy: Policy
  client: ResponsesClient
  tools: ToolRegistry
  lanes: LaneRegistry
  metrics: Metrics
  /** Answers streaming in this process, for Stop, /cancel and shutdown. */
  answers: ActiveAnswers
  /** The running adapters, for surfaces without an incoming event (resumed jobs). */
  adapters: Map<Platform, Adapter>
  /** When this process started (for /status). */
  startedAt: number
  /** This process's unique id: owner of its claims, its heartbeat and its answers in progress. */
  processId: string
  /** Deep research: the /research command, its buttons, resumption at start-up (research-service.ts). */
  research: Research
}

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

export type { BudgetVerdict }
