import type { Platform } from '../core/contracts/chat.ts'
import type { Logger } from '../core/contracts/log.ts'
import type { PlatformReporter } from '../core/contracts/platform.ts'

/**
 * The last net under the library boundaries (discord.js's packet handler, telegraf's `bot.catch`
 * and polling loop): an exception or a rejection nobody handled. Node ends the process on either,
 * taking every platform with it. Here each is logged once and attributed to a platform by the
 * library its stack runs through; that platform's supervisor rebuilds its client, and the other
 * platform carries on. What no platform library threw is Herald's own: a rejection is logged and
 * the process goes on (no code was left half-run), an exception is logged and the process exits 1,
 * because its state is unknown (a process supervisor such as systemd starts it again).
 *
 * @example
 *   const unguard = guardProcess({ reporterFor: (platform) => supervisors.get(platform), log })
 */

/** Where an attributed error goes, and where the handlers are installed. */
export interface ProcessGuardOptions {
  reporterFor(platform: Platform): PlatformReporter | undefined
  log: Logger
  /** Where the handlers go (tests: an EventEmitter). */
  target?: Pick<NodeJS.Process, 'on' | 'off'>
  exit?: (code: number) => void
}

/** How long an exit waits for the log to flush. */
const FLUSH_LIMIT_MS = 1_000

/** Library folders in a stack trace, and the platform they belong to. */
const LIBRARIES: ReadonlyArray<[RegExp, Platform]> = [
  [/node_modules[\\/](discord\.js|@discordjs|@vladfrangu)[\\/]/, 'discord'],
  [/node_modules[\\/]telegraf[\\/]/, 'telegram'],
]

/** The platform whose library the error's stack runs through first, if any. */
export function platformOf(err: unknown): Platform | undefined {
  const stack = err instanceof Error ? (err.stack ?? '') : ''
  for (const frame of stack.split('\n').slice(1)) {
    for (const [pattern, platform] of LIBRARIES) if (pattern.test(frame)) return platform
  }
  return undefined
}

export function guardProcess(options: ProcessGuardOptions): () => void {
  const { log } = options
  const target = options.target ?? process
  const exit = options.exit ?? ((code: number) => process.exit(code))

  const attribute = (err: unknown, what: 'exception' | 'rejection'): boolean => {
    const platform = platformOf(err)
    const reporter = platform && options.reporterFor(platform)
    if (!platform || !reporter) return false
    log.error({ err, platform }, `${platform}: unhandled ${what} in the library; rebuilding its client`)
    reporter.failed(err)
    return true
  }
  const onRejection = (reason: unknown) => {
    if (!attribute(reason, 'rejection')) log.error({ err: reason }, 'unhandled rejection')
  }
  const onException = (err: Error) => {
    if (attribute(err, 'exception')) return
    log.fatal({ err }, 'uncaught exception: exiting')
    // The exception may be the log's own output failing (EPIPE once the reader is gone): its flush
    // then never calls back, so the exit does not wait on it for long.
    let exited = false
    const exitOnce = () => {
      if (exited) return
      exited = true
      exit(1)
    }
    log.flush(exitOnce)
    setTimeout(exitOnce, FLUSH_LIMIT_MS)
  }
  target.on('unhandledRejection', onRejection)
  target.on('uncaughtException', onException)
  return () => {
    target.off('unhandledRejection', onRejection)
    target.off('uncaughtException', onException)
  }
}
