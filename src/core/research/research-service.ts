import type { ButtonPress, Invocation } from '../contracts/chat.ts'
import type { Clock } from '../contracts/clock.ts'
import type { Logger } from '../contracts/log.ts'
import type { Translate } from '../i18n/i18n.ts'
import { BUTTON_PREFIX, parseButton } from './research-cards.ts'
import type { ResearchDeps } from './research-deps.ts'
import type { TypicalRun } from './research-estimate.ts'
import { createResearchJobs } from './research-jobs.ts'
import { pressRequest, type RequestContext, requestResearch, runAgain } from './research-requests.ts'
import { ResearchRuns } from './research-runs.ts'
import { ResearchSweep } from './research-sweep.ts'

/**
 * Deep research, as the rest of Herald sees it: the /research command, its buttons (data `rs:…`),
 * start-up resumption and shutdown. Jobs are durable (research-jobs.ts): each is driven by exactly
 * one process, which holds `research:lock:<id>` and renews it every ttl/3; a process that dies lets
 * the lock lapse and the periodic sweep of another (or the restarted one) takes the job over from
 * its saved response id and sequence number (research-sweep.ts). At most
 * `config.research.maxConcurrent` runs go at once in a process (research-runs.ts).
 *
 * The way in is research-requests.ts (cards, admission, the budget), a run is research-runs.ts
 * (queue, drive, deliver), stopping one is research-cancel.ts.
 *
 * @example
 *   const research = createResearch(deps)
 *   await research.resumeAll()          // after the adapters started: resumes and starts the sweep
 *   if (await research.press(press)) return
 *   await research.stop()               // on shutdown: jobs stay in the store for the next start
 */
export interface Research {
  /** The /research command (src/commands/research.ts): a card, an approval request or a refusal; `t` speaks to the asker. */
  command(invocation: Invocation, t: Translate): Promise<void>
  /** Handles a research button (data starting `rs:`): true when it was one, false otherwise. */
  press(press: ButtonPress): Promise<boolean>
  /** Takes up every unfinished job nobody else holds, starts the periodic sweep; resolves with how many it took. */
  resumeAll(): Promise<number>
  /** Runs this process drives upstream now (queued ones not counted). */
  running(): number
  /** Stops driving (nothing is cancelled upstream), releases the locks, stops the sweep. */
  stop(): Promise<void>
}

export interface ResearchOptions {
  clock?: Clock
  /** This process in lock ownership. Default `deps.processId`. */
  processId?: string
  /** First poll interval when polling (relays without background streaming) and the reconnect backoff base. Default 5000. */
  pollMs?: number
  /** Lock lifetime; renewed every third of it. Default 60000. */
  lockTtlMs?: number
  /** How often unfinished jobs and expired requests are looked for. Default 30000. */
  sweepMs?: number
  /** Typical token counts for the cost estimate (research-estimate.ts). */
  estimate?: Partial<TypicalRun>
}

/** Model choices of the command (only those in the registry are accepted). */
export const RESEARCH_MODEL_CHOICES = ['o3-deep-research', 'o4-mini-deep-research'] as const

export function createResearch(s: ResearchDeps, options: ResearchOptions = {}): Research {
  const service = new ResearchService(s, options)
  return {
    command: (invocation, t) => service.command(invocation, t),
    press: (press) => service.press(press),
    resumeAll: () => service.resumeAll(),
    running: () => service.running(),
    stop: () => service.stop(),
  }
}

/** The public operations of `Research`, each handed to the unit that does it. */
class ResearchService implements Research {
  private readonly s: ResearchDeps
  private readonly log: Logger
  private readonly runs: ResearchRuns
  private readonly requests: RequestContext
  private readonly sweep: ResearchSweep

  constructor(s: ResearchDeps, options: ResearchOptions) {
    const clock = options.clock ?? s.clock
    const processId = options.processId ?? s.processId
    const lockTtlMs = options.lockTtlMs ?? 60_000
    const jobs = createResearchJobs(s.store)
    const log = s.log.child({ component: 'research', processId })
    this.s = s
    this.log = log
    this.runs = new ResearchRuns({
      s,
      clock,
      log,
      jobs,
      processId,
      lockTtlMs,
      pollMs: options.pollMs ?? 5_000,
    })
    this.requests = {
      s,
      jobs,
      processId,
      typical: options.estimate ?? {},
      launch: (job, origin) => this.runs.launch(job, origin),
    }
    this.sweep = new ResearchSweep({
      store: s.store,
      clock,
      log,
      jobs,
      runs: this.runs,
      requests: this.requests,
      processId,
      lockTtlMs,
      sweepMs: options.sweepMs ?? 30_000,
    })
  }

  command(invocation: Invocation, t: Translate): Promise<void> {
    return requestResearch(this.requests, invocation, t)
  }

  async press(press: ButtonPress): Promise<boolean> {
    if (!press.data.startsWith(BUTTON_PREFIX)) return false
    const button = parseButton(press.data)
    if (!button) await press.answer((await this.s.i18n.forPerson(press.user, press.chat))('button.stale'))
    else if (button.action === 'k') await this.runs.cancel.pressed(press, button.id)
    else if (button.action === 'r') await runAgain(this.requests, press, button.id)
    else await pressRequest(this.requests, press, button.action, button.id)
    return true
  }

  async resumeAll(): Promise<number> {
    this.runs.resume()
    const taken = await this.sweep.start()
    if (taken > 0) this.log.info({ taken }, 'research jobs resumed')
    return taken
  }

  running(): number {
    return this.runs.running
  }

  async stop(): Promise<void> {
    this.sweep.stop()
    await this.runs.stop()
  }
}
