import { type Telegraf, type Telegram, TelegramError } from 'telegraf'
import type { Logger } from '../../core/contracts/log.ts'
import type { PlatformReporter } from '../../core/contracts/platform.ts'
import { pollingFailure, toSurfaceError } from './telegram-errors.ts'
import { ALLOWED_UPDATES } from './telegram-routing.ts'

/**
 * Long polling with telegraf's own loop, reported to the platform's supervisor: every getUpdates
 * that succeeds is `up`, one telegraf retries by itself is `trouble`, and the loop ending while
 * Herald runs is `failed` (the supervisor restarts it, or stops the platform on a refused token).
 * The loop keeps no retry of its own.
 *
 * @example
 *   const polling = new PollingLoop(bot, { reporter, isRunning: () => true, log })
 *   await polling.start()   // resolves once the first getUpdates is sent
 *   await polling.stop()
 */

/** Where the loop reports, and when it should. */
export interface PollingLoopOptions {
  reporter: PlatformReporter
  /** Whether the adapter runs: polls while it does not are not reported. */
  isRunning(): boolean
  log: Logger
}

/** The getUpdates failures telegraf's polling loop sleeps on and retries (network, 429, 5xx). */
function retriedByTelegraf(err: unknown): boolean {
  if (err instanceof TelegramError) return err.code === 429 || err.code >= 500
  return err instanceof Error && err.name === 'FetchError'
}

/** Reports every getUpdates of the polling loop, so `start()` and the supervisor know the connection. */
function observePolling(
  telegram: Telegram,
  onPoll: (phase: 'sent' | 'ok' | 'failed', err?: unknown) => void,
): void {
  const callApi = telegram.callApi.bind(telegram)
  const observed = async (method: string, payload: unknown, options?: unknown) => {
    const call = callApi as unknown as (m: string, p: unknown, o?: unknown) => Promise<unknown>
    if (method !== 'getUpdates') return call(method, payload, options)
    onPoll('sent')
    try {
      const result = await call(method, payload, options)
      onPoll('ok')
      return result
    } catch (err) {
      onPoll('failed', err)
      throw err
    }
  }
  telegram.callApi = observed as typeof telegram.callApi
}

export class PollingLoop {
  private readonly bot: Telegraf
  private readonly options: PollingLoopOptions
  /** The last getUpdates of the running loop succeeded (or none has failed since it started). */
  private pollHealthy = false
  /** The running loop, settled once it ends and its end is reported. */
  private launched: Promise<void> | undefined
  /** Resolves when the current polling loop sends its first getUpdates. */
  private firstPoll: (() => void) | undefined

  constructor(bot: Telegraf, options: PollingLoopOptions) {
    this.bot = bot
    this.options = options
    observePolling(bot.telegram, (phase, err) => this.onPoll(phase, err))
  }

  get healthy(): boolean {
    return this.pollHealthy
  }

  /** Starts a polling loop; resolves once its first getUpdates is sent. */
  async start(): Promise<void> {
    const polling = new Promise<void>((resolve) => {
      this.firstPoll = resolve
    })
    this.pollHealthy = true
    const run = this.bot.launch({ allowedUpdates: [...ALLOWED_UPDATES] })
    const current: Promise<void> = run.then(
      () => {
        // The loop ends by itself only when stopped: ending otherwise is a failure to report.
        this.ended(current, new Error('telegram: polling ended'))
      },
      (err: unknown) => this.ended(current, pollingFailure(err)),
    )
    this.launched = current
    await Promise.race([polling, run])
    this.options.log.info({ bot: this.bot.botInfo?.username }, 'telegram: long polling')
  }

  /** Ends the running polling loop, if any, and waits for it. */
  async stop(): Promise<void> {
    const running = this.launched
    if (!running) return
    this.launched = undefined
    try {
      this.bot.stop('herald stopping')
    } catch {
      // polling had already ended
    }
    await running
  }

  private ended(loop: Promise<void>, failure: Error): void {
    this.pollHealthy = false
    if (this.options.isRunning() && this.launched === loop) this.options.reporter.failed(failure)
  }

  private onPoll(phase: 'sent' | 'ok' | 'failed', err?: unknown): void {
    if (phase === 'sent') {
      this.firstPoll?.()
      this.firstPoll = undefined
      return
    }
    if (!this.options.isRunning()) return
    this.pollHealthy = phase === 'ok'
    if (phase === 'ok') this.options.reporter.up()
    // What telegraf retries itself is trouble; anything else ends the loop and is reported as failed.
    else if (retriedByTelegraf(err))
      this.options.reporter.trouble(`getUpdates failed: ${toSurfaceError(err).message}`)
  }
}
