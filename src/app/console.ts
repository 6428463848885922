import { createConsoleAdapter } from '../adapters/console/console-adapter.ts'
import { commands } from '../commands/index.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import { createLogger } from '../core/contracts/log.ts'
import { loadConfig, readEnvironment, secretsOf } from './config.ts'
import { createHerald } from './dispatcher.ts'
import { createServices } from './services.ts'

/** `npm run chat`: Herald in the terminal, against the configured API. Logs go to stderr (warn and above). */
async function main(): Promise<void> {
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
  await adapter.start()
  await adapter.closed
  await services.client.close()
  await services.media.close()
  await services.store.close()
  process.exit(0)
}

main().catch((err: unknown) => {
  process.stderr.write(`herald: ${err instanceof ConfigError ? err.message : String(err)}\n`)
  process.exit(1)
})
