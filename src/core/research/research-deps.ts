import type { AnswerDeps } from '../answers/answer-deps.ts'
import type { Adapter, Platform } from '../contracts/chat.ts'
import { type Language, type Translate, translator } from '../i18n/i18n.ts'
import type { EndpointFlags } from '../state/endpoint-flags.ts'
import type { ResearchMode } from './research-jobs.ts'

/**
 * What deep research needs: the answer path's services, the research limits of the configuration,
 * the running adapters (a resumed job has no incoming event to reply through) and what the
 * endpoint is known to refuse.
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
      mode: ResearchMode | 'auto'
      idleTimeoutMs: number
    }
  }
  adapters: Map<Platform, Adapter>
  /** What the configured endpoint is known to refuse (background mode, retrieval, cancel). */
  endpoint: EndpointFlags
}

/** The words of a request or a job, in the language fixed when it was asked for (older records: the fallback). */
export function wordsOf(s: Pick<ResearchDeps, 'i18n'>, record: { lang?: Language | undefined }): Translate {
  return record.lang ? translator(record.lang) : s.i18n.fallback
}
