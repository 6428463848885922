import { ConfigError } from '../core/contracts/errors.ts'
import { translator } from '../core/i18n/i18n.ts'
import { createEndpointProfile } from '../core/state/endpoint-profile.ts'
import { loadModels } from '../core/state/models.ts'
import { createStore } from '../core/store/open-store.ts'
import { loadConfig, readEnvironment } from './config.ts'
import { probeEndpoint } from './doctor.ts'
import { estimateProbeUsd, PROBE_OUTPUT_TOKENS, PROBE_REQUESTS } from './doctor-cost.ts'
import { formatTable } from './doctor-table.ts'

/**
 * `npm run doctor [-- --yes]`: states the most the probes can cost; with `--yes` probes
 * OPENAI_BASE_URL with DEFAULT_MODEL, prints the table and saves it in the store for `npm start`.
 * Exit codes: 0 ordinary answers work, 1 they do not (or the configuration is bad), 2 nothing was
 * sent (no `--yes`).
 */
async function main(): Promise<number> {
  const confirmed = process.argv.slice(2).includes('--yes')
  const env = readEnvironment()
  const config = await loadConfig({ ...env, TELEGRAM_BOT_TOKEN: undefined, DISCORD_TOKEN: undefined })
  const t = translator(config.language)
  const model = loadModels(config.modelsFile).get(config.defaultModel)
  if (!model || model.research) {
    throw new ConfigError('DEFAULT_MODEL', `"${config.defaultModel}" must be a chat model of the registry`)
  }
  const base = config.openai.baseUrl
  const usd = `$${estimateProbeUsd(model).toFixed(4)}`
  const say = (line: string) => process.stdout.write(`${line}\n`)
  say(t('doctor.cost', { usd, requests: PROBE_REQUESTS, model: model.id, tokens: PROBE_OUTPUT_TOKENS }))
  if (!confirmed) {
    say(t('doctor.confirm', { base }))
    return 2
  }
  say(t('doctor.probing', { base, model: model.id }))
  const store = await createStore(config.storeUrl)
  try {
    const profile = createEndpointProfile({ store, endpointKey: base })
    const report = await probeEndpoint({
      baseUrl: base,
      apiKey: config.openai.apiKey,
      model,
      profile,
      t,
    })
    say('')
    say(formatTable(report.rows, t))
    say('')
    say(t('doctor.saved', { base }))
    say(t(report.answersWork ? 'doctor.works' : 'doctor.broken'))
    return report.answersWork ? 0 : 1
  } finally {
    await store.close()
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`herald: ${err instanceof ConfigError ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
