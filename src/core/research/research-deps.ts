import type { AnswerDeps } from '../answers/answer-deps.ts'
import type { Adapter, Platform } from '../contracts/chat.ts'

/**
 * What deep research needs: the answer path's services, the research limits of the configuration
 * and the running adapters (a resumed job has no incoming event to reply through).
 */
export interface ResearchDeps extends Omit<AnswerDeps, 'config'> {
  config: {
    researchModel: string
    research: {
      dailyBudgetUsd: number
      maxConcurrent: number
      maxToolCalls: number
      confirmTtlMinutes: number
      requestTtlMinutes: number
    }
  }
  adapters: Map<Platform, Adapter>
}
