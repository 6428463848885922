import { createConsoleAdapter } from '../adapters/console/console-adapter.ts'
import { commands } from '../commands/index.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import { createLogger } from '../core/contracts/log.ts'
import { loadConfig, readEnvironment, secretsOf } from './config.ts'
import { createHerald } from './dispatcher.ts'
import { createServices } from './services.ts'

/**
 * `npm run chat`: Herald in the terminal, against the configured API. Logs go to stderr (warn and
 * above). `npm run chat -- --once "question"` prints one answer and exits; `echo q | npm run chat`
 * answers every piped line and exits after the last answer.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const onceAt = args.indexOf('--once')
  const once =
    onceAt < 0
      ? undefined
      : args
          .slice(onceAt + 1)
          .join(' ')
          .trim()
  if (once === '') throw new UsageError('--once needs a question: npm run chat -- --once "question"')
  const env = readEnvironment()
  const config = await loadConfig({ ...env, TELEGRAM_BOT_TOKEN: undefined, DISCORD_TOKEN: undefined })
  const log = createLogger({
    level: env.LOG_LEVEL ?? 'warn',
    secrets: secretsOf(config),
    destination: (await import('pino')).default.destination(2),
  })
  const services = await createServices(config, { log })
  const herald = createHerald(services, commands)
  const adapter = createConsoleAdapter({
    herald,
    commands,
    ...(config.consoleLocale ? { locale: config.consoleLocale } : {}),
  })
  services.adapters.set('console', adapter)
  if (once === undefined) {
    await adapter.start()
    await adapter.closed
  } else {
    await adapter.ask(once)
    process.stdout.write('\n')
  }
  await services.client.close()
  await services.media.close()
  await services.store.close()
  process.exit(0)
}

class UsageError extends Error {}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof UsageError
  process.stderr.write(`herald: ${known ? err.message : String(err)}\n`)
  process.exit(1)
})
