/**
 * The process: read the configuration, start Herald (app/lifecycle.ts), stop on SIGTERM/SIGINT
 * within a bounded time, exit 0.
 */
import { type Config, loadConfig, readEnvironment, secretsOf } from './app/config.ts'
import { FINALISE_AFTER_ABORT_MS, type Running, STOP_SLACK_MS, startHerald } from './app/lifecycle.ts'
import { guardProcess } from './app/process-guard.ts'
import { ConfigError } from './core/contracts/errors.ts'
import { createLogger, scrubSecrets } from './core/contracts/log.ts'

async function main(): Promise<void> {
  let config: Config
  try {
    config = await loadConfig(readEnvironment())
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`herald: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
  const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) })
  let running: Running | undefined
  // In this process rather than one per platform: one platform's library failure is contained at its
  // boundary and its client rebuilt, without a second Node runtime per platform (README, "When
  // something goes wrong").
  guardProcess({ reporterFor: (platform) => running?.platforms.get(platform), log })
  try {
    running = await startHerald(config, log)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // A bad value the registry reveals (DEFAULT_MODEL, IMAGE_MODEL) is the one line below, like any other.
    if (!(err instanceof ConfigError)) log.fatal({ err }, 'start-up failed')
    await new Promise<void>((resolve) => log.flush(() => resolve()))
    // An adapter's error may quote a URL with the bot token in it (the Bot API's URLs do).
    process.stderr.write(`herald: ${scrubSecrets(message, secretsOf(config)).split('\n')[0]}\n`)
    process.exit(1)
  }
  const onSignal = (signal: string) => {
    log.info({ signal }, 'signal received')
    // A stop that hangs (a store that does not answer) must not keep the process forever.
    const limitMs = config.shutdownGraceMs + FINALISE_AFTER_ABORT_MS + STOP_SLACK_MS
    setTimeout(() => {
      process.stderr.write(`herald: did not stop within ${limitMs} ms; exiting anyway\n`)
      process.exit(1)
    }, limitMs).unref()
    void running
      .stop()
      .then(
        () => 0,
        (err: unknown) => {
          log.error({ err }, 'stopping failed')
          return 1
        },
      )
      .then((code) => process.exit(code))
  }
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  process.once('SIGINT', () => onSignal('SIGINT'))
  // A shard's process whose manager is gone (killed outright) stops too, instead of lingering.
  if (config.shardProcess) process.once('disconnect', () => onSignal('disconnect'))
}

if (import.meta.main) void main()
