import type { Dispatcher } from 'undici'
import type { Translate } from '../core/i18n/i18n.ts'
import type { EndpointProfile } from '../core/state/endpoint-profile.ts'
import type { ModelInfo } from '../core/state/models.ts'
import { ProbeClient } from './doctor-client.ts'
import { probeFirstAnswer } from './doctor-first-answer.ts'
import {
  probeBackgroundRuns,
  probeImageInput,
  probeReasoningSummaries,
  probeServerState,
  probeWebSearch,
  readRateLimits,
} from './doctor-probes.ts'
import { type Row, type RowKey, Verdicts } from './doctor-verdicts.ts'

/**
 * `npm run doctor`: what does the configured endpoint support? Each row is probed with the
 * smallest request that can tell (a few tokens of the default model, never the deep-research
 * model), read raw so the stream's dialect shows, and ends in what Herald will do about it. The
 * results are saved in the endpoint profile, which `npm start` reads.
 *
 * The parts: the cost stated first (`doctor-cost.ts`), the requests (`doctor-client.ts`), raw
 * answers read (`doctor-stream.ts`), the first answer and the later probes (`doctor-first-answer.ts`,
 * `doctor-probes.ts`), the rows and what they save (`doctor-verdicts.ts`), the table
 * (`doctor-table.ts`) and the command (`doctor-main.ts`).
 *
 * @example
 *   const report = await probeEndpoint({ baseUrl, apiKey, model, profile, t })
 *   process.stdout.write(formatTable(report.rows, t))
 *   process.exit(report.answersWork ? 0 : 1)
 */
export type { Row }

export interface DoctorReport {
  rows: Row[]
  /** An ordinary streamed (or whole) answer came back: the exit code is 0. */
  answersWork: boolean
}

export interface ProbeOptions {
  /** OPENAI_BASE_URL, ending in /v1. */
  baseUrl: string
  apiKey: string
  /** The default model's registry entry: what to probe with, and which rows apply. */
  model: ModelInfo
  profile: EndpointProfile
  t: Translate
  /** Saves the results in `profile` (default true). */
  save?: boolean
  now?: () => number
  dispatcher?: Dispatcher
  /** Per request; default 60 s. */
  timeoutMs?: number
}

/** The rows after the first answer, not probed when it failed. */
const LATER_ROWS: RowKey[] = [
  'previous',
  'background',
  'retrieve',
  'cancel',
  'web_search',
  'reasoning',
  'images',
  'rate_limits',
]

/** One run of the doctor: the probes in order, then the verdicts saved. */
export async function probeEndpoint(options: ProbeOptions): Promise<DoctorReport> {
  const { baseUrl, apiKey, model, dispatcher, timeoutMs } = options
  const client = new ProbeClient({ baseUrl, apiKey, model, dispatcher, timeoutMs })
  const verdicts = new Verdicts(options.t)
  const first = await probeFirstAnswer(client, verdicts)
  if (first) {
    await probeServerState(client, verdicts, first)
    await probeBackgroundRuns(client, verdicts, first.responseId)
    await probeWebSearch(client, verdicts)
    await probeReasoningSummaries(client, verdicts)
    await probeImageInput(client, verdicts)
    readRateLimits(verdicts, first.headers)
  } else {
    verdicts.skip(LATER_ROWS, options.t('doctor.do.unchanged'))
  }
  if (options.save !== false) await verdicts.saveTo(options.profile, options.now ?? Date.now)
  return { rows: verdicts.rows, answersWork: first !== undefined }
}
