import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { CoreMetrics } from '../contracts/metrics.ts'
import type { LaneRegistry } from '../live/scheduler.ts'
import type { ResponsesClient } from '../responses/client.ts'
import type { MediaClient } from '../responses/media-client.ts'
import type { Budgets } from '../state/budgets.ts'
import type { ConversationMode, Conversations } from '../state/conversations.ts'
import type { EndpointProfile } from '../state/endpoint-profile.ts'
import type { I18n } from '../state/languages.ts'
import type { Limits } from '../state/limits.ts'
import type { ModelRegistry } from '../state/models.ts'
import type { Settings } from '../state/settings.ts'
import type { UsageLedger } from '../state/usage.ts'
import type { Store } from '../store/store.ts'
import type { ToolRegistry } from '../tools/registry.ts'
import type { AnswerFeed } from './answer-feed.ts'
import type { AnswerRecords } from './answer-records.ts'

/**
 * What running an answer needs, built once by the app (src/app/services.ts) and shared by every
 * ask. Only the slices of the configuration the answer path reads are named here.
 */
export interface AnswerDeps {
  config: {
    instructions: string
    imageModel: string
    transcribeModel: string
    speechModel: string
    speechVoice: string
    limits: { maxImageBytes: number; maxToolRounds: number; maxAudioSeconds: number; maxFileBytes: number }
    conversation: { mode: ConversationMode }
    openai: { baseUrl: string }
    telegram?: { drafts: boolean } | undefined
  }
  /** Herald's words in each reader's language: `await s.i18n.forPerson(inv.user, inv.chat)`. */
  i18n: I18n
  log: Logger
  clock: Clock
  store: Store
  models: ModelRegistry
  settings: Settings
  conversations: Conversations
  /** What the configured endpoint is known not to support (learnt by answers and `npm run doctor`). */
  endpoint: EndpointProfile
  usage: UsageLedger
  budgets: Budgets
  limits: Limits
  client: ResponsesClient
  /** The images, transcription and speech endpoints. */
  media: MediaClient
  tools: ToolRegistry
  lanes: LaneRegistry
  metrics: CoreMetrics
  /** Running answers: this process's, and every process's through the store. */
  answers: AnswerRecords
  /** Snapshots of running answers and summaries of finished ones, for the operator's console. */
  feed: AnswerFeed
  /** This process's unique id: owner of its claims and its answers in progress. */
  processId: string
}
