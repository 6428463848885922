import { randomUUID } from 'node:crypto'
import type { CommandContext } from '../commands/context.ts'
import { commands } from '../commands/index.ts'
import { createAnswerFeed } from '../core/answers/answer-feed.ts'
import { createAnswerRecords } from '../core/answers/answer-records.ts'
import { isAlive } from '../core/answers/heartbeat.ts'
import type { Adapter, Platform } from '../core/contracts/chat.ts'
import { type Clock, systemClock } from '../core/contracts/clock.ts'
import { ConfigError } from '../core/contracts/errors.ts'
import type { Logger } from '../core/contracts/log.ts'
import { createLaneRegistry } from '../core/live/scheduler.ts'
import { storePace } from '../core/live/shared-pace.ts'
import { createResearch } from '../core/research/research-service.ts'
import { createResponsesClient } from '../core/responses/client.ts'
import { createAdaptiveLimit } from '../core/responses/concurrency.ts'
import { createMediaClient } from '../core/responses/media-client.ts'
import { createBlocks } from '../core/state/blocks.ts'
import { createBudgets } from '../core/state/budgets.ts'
import { createConversations } from '../core/state/conversations.ts'
import { createEndpointProfile } from '../core/state/endpoint-profile.ts'
import { createI18n } from '../core/state/languages.ts'
import { createLimits } from '../core/state/limits.ts'
import { loadModels } from '../core/state/models.ts'
import { createPolicy } from '../core/state/policy.ts'
import { createSettings } from '../core/state/settings.ts'
import { createUsageLedger } from '../core/state/usage.ts'
import { createStore } from '../core/store/open-store.ts'
import type { Store } from '../core/store/store.ts'
import { calculateTool } from '../core/tools/calculate.ts'
import { currentTimeTool } from '../core/tools/current-time.ts'
import { createToolRegistry } from '../core/tools/registry.ts'
import type { Config } from './config.ts'
import { createMetrics, type Metrics } from './metrics.ts'

/**
 * Everything the running bot shares: what commands may use (less the words of one invocation, which
 * the dispatcher adds), plus the whole configuration and the metrics registry the HTTP server
 * renders. Built once here (or by a test) and handed to the dispatcher and the adapters.
 */
export interface Services extends Omit<CommandContext, 't'> {
  config: Config
  metrics: Metrics
}

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
  if (!models.imageModels().some((m) => m.id === config.imageModel)) {
    throw new ConfigError(
      'IMAGE_MODEL',
      `"${config.imageModel}" is not an image model of the registry; expected one of ${models
        .imageModels()
        .map((m) => m.id)
        .join(', ')}`,
    )
  }
  if (!models.transcriptionModels().some((m) => m.id === config.transcribeModel)) {
    throw new ConfigError(
      'TRANSCRIBE_MODEL',
      `"${config.transcribeModel}" is not a transcription model of the registry; expected one of ${models
        .transcriptionModels()
        .map((m) => m.id)
        .join(', ')}`,
    )
  }
  if (!models.speechModels().some((m) => m.id === config.speechModel)) {
    throw new ConfigError(
      'TTS_MODEL',
      `"${config.speechModel}" is not a speech model of the registry; expected one of ${models
        .speechModels()
        .map((m) => m.id)
        .join(', ')}`,
    )
  }
  const metrics = options.metrics ?? createMetrics()
  const processId = options.processId ?? randomUUID()
  const storeUp = (up: boolean) => metrics.storeUp.set({ process: processId }, up ? 1 : 0)
  const store =
    options.store ??
    (await createStore(config.storeUrl, {
      clock,
      onAvailability: (up, err) => {
        storeUp(up)
        if (up) log.warn('store is back')
        else log.error({ err }, 'store unavailable: new asks are refused until it returns')
      },
      onError: (err) => log.warn({ err }, 'store error'),
    }))
  storeUp(store.isUp())
  metrics.processInfo.set(
    { process: processId, store: store.backend, role: config.shardProcess ? 'discord-shard' : 'main' },
    1,
  )
  const usage = createUsageLedger({ store, models, clock })
  const settings = createSettings({ store, models, defaults: { model: config.defaultModel } })
  const endpoint = createEndpointProfile({ store, endpointKey: config.openai.baseUrl })
  const streamLimit = createAdaptiveLimit({ ceiling: config.limits.maxConcurrentStreams, clock })
  metrics.streamLimit.set({}, streamLimit.limit)
  streamLimit.onChange(() => metrics.streamLimit.set({}, streamLimit.limit))
  const answers = createAnswerRecords({ store, clock, log, processId })
  const base = {
    config,
    i18n: createI18n({ rule: { fallback: config.language, force: config.languageForce }, settings, store }),
    log,
    clock,
    store,
    models,
    settings,
    conversations: createConversations({
      store,
      clock,
      mode: config.conversation.mode,
      historyTokenBudget: config.conversation.historyTokenBudget,
      profile: endpoint,
    }),
    endpoint,
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
      maxConcurrentStreams: streamLimit,
      userRequestsPerMinute: config.limits.userRequestsPerMinute,
      maxPromptChars: config.limits.maxPromptChars,
    }),
    policy: createPolicy({
      ...config.access,
      settingsInGroups: config.settingsInGroups,
    }),
    blocks: createBlocks({ store, clock }),
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
      onUpstreamSignal: (signal) => streamLimit.observe(signal),
    }),
    media: createMediaClient({
      baseUrl: config.openai.baseUrl,
      apiKey: config.openai.apiKey,
      clock,
      maxRetries: config.openai.maxRetries,
      log,
    }),
    tools: createToolRegistry([calculateTool, currentTimeTool(clock)]),
    lanes: createLaneRegistry({
      clock,
      shared: storePace(store, clock),
      onError: (err) => log.error({ err }, 'live-message lane error'),
    }),
    metrics,
    answers,
    feed: createAnswerFeed({
      store,
      clock,
      log,
      processId,
      // Shown while its record exists and its process still beats: a dead process leaves no ghost.
      isRunning: async (id) => {
        const record = await answers.find(id)
        return record !== undefined && (record.owner === processId || (await isAlive(store, record.owner)))
      },
    }),
    adapters: new Map<Platform, Adapter>(),
    startedAt: clock.now(),
    commands,
    processId,
  }
  return { ...base, research: createResearch(base, { clock }) }
}
