import { randomUUID } from 'node:crypto'
import { createActiveAnswers, type Services } from '../commands/context.ts'
import { createBudgets } from './budgets.ts'
import type { Adapter, Platform } from './chat.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Config } from './config.ts'
import { createConversations } from './conversations.ts'
import { ConfigError } from './errors.ts'
import { translator } from './i18n.ts'
import { createLimits } from './limits.ts'
import { createLaneRegistry } from './live/scheduler.ts'
import type { Logger } from './log.ts'
import { createMetrics, type Metrics } from './metrics.ts'
import { loadModels } from './models.ts'
import { createPolicy } from './policy.ts'
import { createResearch } from './research/research-service.ts'
import { createResponsesClient } from './responses/client.ts'
import { createSettings } from './settings.ts'
import { createStore, type Store } from './store.ts'
import { calculateTool } from './tools/calculate.ts'
import { currentTimeTool } from './tools/current-time.ts'
import { createToolRegistry } from './tools/registry.ts'
import { createUsageLedger } from './usage.ts'

export interface ServiceOptions {
  log: Logger
  clock?: Clock
  /** An already open store (tests); otherwise `config.storeUrl` is opened. */
  store?: Store
  metrics?: Metrics
  /** This process's id (default: a random UUID). */
  processId?: string
}

/** config → store → core: everything commands use, wired once. */
export async function createServices(config: Config, options: ServiceOptions): Promise<Services> {
  const { log } = options
  const clock = options.clock ?? systemClock
  const models = loadModels(config.modelsFile)
  if (!models.chatModels().some((m) => m.id === config.defaultModel)) {
    throw new ConfigError(
      'DEFAULT_MODEL',
      `"${config.defaultModel}" is not in the model registry; expected one of ${models
        .chatModels()
        .map((m) => m.id)
        .join(', ')}`,
    )
  }
  if (!models.researchModels().some((m) => m.id === config.researchModel)) {
    throw new ConfigError(
      'RESEARCH_MODEL',
      `"${config.researchModel}" is not a research model of the registry; expected one of ${models
        .researchModels()
        .map((m) => m.id)
        .join(', ')}`,
    )
  }
  const store =
    options.store ??
    (await createStore(config.storeUrl, {
      clock,
      onError: (err) => log.warn({ err }, 'store connection error'),
    }))
  const metrics = options.metrics ?? createMetrics()
  const usage = createUsageLedger({ store, models, clock })
  const services: Services = {
    config,
    lang: config.language,
    t: translator(config.language),
    log,
    clock,
    store,
    models,
    settings: createSettings({ store, models, defaults: { model: config.defaultModel } }),
    conversations: createConversations({
      store,
      clock,
      mode: config.conversation.mode,
      historyTokenBudget: config.conversation.historyTokenBudget,
      endpointKey: config.openai.baseUrl,
    }),
    usage,
    budgets: createBudgets({
      ledger: usage,
      store,
      clock,
      userDailyUsd: config.budgets.userDailyUsd,
      chatDailyUsd: config.budgets.chatDailyUsd,
      globalDailyUsd: config.budgets.globalDailyUsd,
      adminsExempt: config.budgets.adminsExempt,
      research: {
        dailyBudgetUsd: config.research.dailyBudgetUsd,
        dailyPerAdmin: config.research.dailyPerAdmin,
      },
    }),
    limits: createLimits({
      store,
      clock,
      maxConcurrentStreams: config.limits.maxConcurrentStreams,
      userRequestsPerMinute: config.limits.userRequestsPerMinute,
      maxPromptChars: config.limits.maxPromptChars,
    }),
    policy: createPolicy({ ...config.access, settingsInGroups: config.settingsInGroups }),
    client: createResponsesClient({
      baseUrl: config.openai.baseUrl,
      apiKey: config.openai.apiKey,
      clock,
      maxRetries: config.openai.maxRetries,
      timeouts: {
        connectMs: config.openai.connectTimeoutMs,
        firstByteMs: config.openai.firstByteTimeoutMs,
        idleMs: config.openai.idleTimeoutMs,
      },
      log,
      onMalformedEvent: () => metrics.malformedSseLines.inc(),
      onRetry: (kind) => metrics.upstreamErrors.inc({ kind }),
    }),
    tools: createToolRegistry([calculateTool, currentTimeTool(clock)]),
    lanes: createLaneRegistry({
      clock,
      onError: (err) => log.error({ err }, 'live-message lane error'),
    }),
    metrics,
    answers: createActiveAnswers(),
    adapters: new Map<Platform, Adapter>(),
    startedAt: clock.now(),
    processId: options.processId ?? randomUUID(),
    research: undefined as unknown as Services['research'],
  }
  services.research = createResearch(services, { clock })
  return services
}
