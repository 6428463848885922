import type { Surface } from '../contracts/surface.ts'
import { clip } from '../live/compose.ts'
import { inLane } from '../live/in-lane.ts'
import type { KeptMessage } from '../live/kept-message.ts'
import { postText } from '../live/live-message.ts'
import type { AnswerState } from '../responses/state.ts'
import { buttonData, finalProgressText } from './research-cards.ts'
import { type ResearchDeps, wordsOf } from './research-deps.ts'
import { deliveredKey, type JobOutcome, type ResearchJob } from './research-jobs.ts'
import { reportFile, reportMarkdown, summaryLine } from './research-report.ts'

/**
 * Delivers a finished job once: `research:delivered:<id>` is claimed before anything is posted,
 * so a restart (or a second process) mid-delivery never posts the report twice. Then the cost is
 * recorded (research: true, charged to the admin who confirmed or approved), the progress message
 * becomes the one summary line (with Run again when the run was cut short), and the report
 * (partial ones too) is posted, in a thread where the platform opens one, with the whole report
 * attached as a Markdown file.
 *
 * @example
 *   await deliver(s, update, processId, job, finalState, outcomeOf(finalState, now), { surface, progress })
 */
export interface DeliveryTarget {
  surface: Surface
  progress: KeptMessage
  /** Discord: opens a thread for the report (only while the press that started it is known). */
  openThread?: ((name: string) => Promise<Surface>) | undefined
}

/** The delivered claim is kept as long as a job could be looked into. */
const DELIVERED_TTL_MS = 30 * 86_400_000

export function outcomeOf(state: AnswerState, now: number): JobOutcome {
  const outcome: JobOutcome = { status: state.status, finishedAt: now }
  if (state.incompleteReason !== undefined) outcome.reason = state.incompleteReason
  if (state.error !== undefined) outcome.error = clip(state.error.message || state.error.code, 200)
  return outcome
}

export async function deliver(
  s: ResearchDeps,
  /** Changes the job record (read, change, write back) and resolves with it. */
  update: (change: (job: ResearchJob) => ResearchJob) => Promise<ResearchJob>,
  processId: string,
  job: ResearchJob,
  state: AnswerState,
  outcome: JobOutcome,
  target: DeliveryTarget,
): Promise<void> {
  const log = s.log.child({ job: job.id, responseId: job.responseId })
  const searches = state.searches.filter((search) => search.status === 'completed').length
  const finished = await update((j) => ({
    ...j,
    status: 'finished',
    outcome,
    searches: state.searches,
    // A run that keeps its own text (nothing to fetch it back from) keeps the final one for a redelivery.
    ...(j.mode === 'foreground' || j.text !== undefined ? { text: state.text } : {}),
  }))
  if (!(await s.store.claim(deliveredKey(job.id), processId, DELIVERED_TTL_MS))) {
    log.info('research already delivered elsewhere')
    await update((j) => ({ ...j, status: 'delivered' }))
    return
  }
  let costUsd: number | undefined
  if (state.usage) {
    const cost = await s.usage.record({
      user: job.approver.key,
      chat: job.chat.key,
      model: job.model,
      usage: state.usage,
      searches,
      research: true,
    })
    if (cost.priced) costUsd = cost.usd
    s.metrics.tokens.inc({ model: job.model, kind: 'input' }, state.usage.input_tokens)
    s.metrics.tokens.inc({ model: job.model, kind: 'output' }, state.usage.output_tokens)
    s.metrics.dollars.inc({ model: job.model }, cost.usd)
  }
  const t = wordsOf(s, finished)
  const line = summaryLine(t, finished, { outcome, searches, costUsd })
  // A run cut short is never sent again on its own: the card offers a new request instead.
  const again =
    outcome.note === 'interrupted' || outcome.note === 'lost'
      ? [
          {
            label: t('research.button_run_again'),
            data: buttonData('r', job.id),
            style: 'primary' as const,
          },
        ]
      : []
  await target.progress.show(finalProgressText(t, finished, line), again, true)
  if (state.text.trim() !== '') {
    const surface = await reportSurface(s, finished, target)
    const posted = await postText(surface, s.lanes, reportMarkdown(t, finished, state), { t })
    if (posted.outcome !== 'delivered')
      log.warn({ outcome: posted.outcome }, 'research report not fully posted')
    if (surface.sendFile) {
      const file = reportFile(t, finished, state, line, s.clock.now())
      const send = surface.sendFile.bind(surface)
      await inLane(s.lanes, surface, () => send(file.name, file.bytes, line)).catch((err: unknown) =>
        log.warn({ err }, 'research report file not sent'),
      )
    }
  }
  await update((j) => ({ ...j, status: 'delivered', ...(costUsd === undefined ? {} : { costUsd }) }))
  log.info({ status: outcome.status, note: outcome.note, searches, usd: costUsd }, 'research delivered')
}

/** A thread in a Discord guild channel when the platform can open one; the job's chat otherwise. */
async function reportSurface(s: ResearchDeps, job: ResearchJob, target: DeliveryTarget): Promise<Surface> {
  const inChannel = job.chat.guildId !== undefined && job.chat.parentId === undefined
  if (!inChannel || !target.openThread) return target.surface
  try {
    return await target.openThread(clip(job.question.replace(/\s+/g, ' ').trim(), 90))
  } catch (err) {
    s.log.warn({ err, job: job.id }, 'could not open a thread for the research report')
    return target.surface
  }
}
