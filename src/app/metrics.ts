import {
  AggregatorRegistry,
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client'
import type { CoreMetrics, CounterMetric, GaugeMetric, HistogramMetric } from '../core/contracts/metrics.ts'

/**
 * Operator signals in the Prometheus text format (prom-client): Herald's own series, one registry
 * per set of services, then the process's CPU, memory, heap, GC and event-loop series.
 *
 * @example
 *   metrics.edits.inc({ platform: 'telegram' })
 *   await metrics.render() // '# HELP herald_active_streams …\n# TYPE herald_active_streams gauge\n…'
 */
export interface Metrics extends CoreMetrics {
  streamLimit: Gauge
  malformedSseLines: CounterMetric
  processInfo: Gauge<'process' | 'store' | 'role'>
  storeUp: Gauge<'process'>
  platformUp: Gauge<'platform'>
  /** The whole exposition: every series above, then the process's. */
  render(): Promise<string>
  /** The same series as data, for another process to add to its own (Discord shards → their manager). */
  snapshot(): Promise<MetricsSnapshot>
}

/** A process's series as prom-client's JSON: what a shard's process sends its manager. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[]

/**
 * One exposition of this process's series and other processes' snapshots: counters and histograms
 * add up, gauges too unless prom-client's own series say otherwise (its lag is averaged, its
 * version info taken once); series with a label that tells the processes apart
 * (`herald_process_info`) stay one per process.
 */
export async function renderWith(own: Metrics, others: readonly MetricsSnapshot[]): Promise<string> {
  if (others.length === 0) return own.render()
  const together = AggregatorRegistry.aggregate([await own.snapshot(), ...others])
  return oneLineEach(await together.metrics())
}

/** prom-client puts a blank line between metrics; Herald's exposition has always been one line each. */
function oneLineEach(text: string): string {
  return text.replaceAll('\n\n', '\n')
}

const PREFIX = 'herald_'

/**
 * The event-loop gauges prom-client resets at each scrape are left out: between two scrapes closer
 * than the monitor's resolution they are empty (mean NaN, min 2^63 ns), and p50/p90/p99 would be
 * the only names with digits. The lag itself (`herald_nodejs_eventloop_lag_seconds`) and the
 * maximum delay stay.
 */
const DROPPED = ['min', 'mean', 'stddev', 'p50', 'p90', 'p99'].map(
  (stat) => `${PREFIX}nodejs_eventloop_lag_${stat}_seconds`,
)

let processRegistry: Registry | undefined

/** One registry of process-wide series, whatever the number of services in the process. */
function processMetrics(): Registry {
  if (processRegistry) return processRegistry
  const register = new Registry()
  collectDefaultMetrics({ register, prefix: PREFIX })
  for (const name of DROPPED) register.removeSingleMetric(name)
  processRegistry = register
  return register
}

// The core's shape over prom-client's: labels are always an object, so `inc(undefined, 5)` adds 5
// (prom-client would read the 5 as no labels and add 1).
function counter(config: CounterConfiguration<string>): CounterMetric {
  const metric = new Counter(config)
  return {
    // A counter only grows: an odd count from upstream (negative, NaN) is dropped, not thrown into an answer.
    inc: (labels = {}, by = 1) => {
      if (Number.isFinite(by) && by >= 0) metric.inc(labels, by)
    },
  }
}

function gauge(config: GaugeConfiguration<string>): GaugeMetric {
  const metric = new Gauge(config)
  return {
    inc: (labels = {}, by = 1) => metric.inc(labels, by),
    dec: (labels = {}, by = 1) => metric.dec(labels, by),
  }
}

function histogram(config: HistogramConfiguration<string>): HistogramMetric {
  const metric = new Histogram(config)
  return { observe: (labels, value) => metric.observe(labels, value) }
}

export function createMetrics(): Metrics {
  const registers = [new Registry()]
  const m = {
    activeStreams: gauge({
      registers,
      name: 'herald_active_streams',
      help: 'Upstream answer streams open now',
    }),
    queuedStreams: gauge({
      registers,
      name: 'herald_queued_streams',
      help: 'Asks waiting for a free upstream stream slot',
    }),
    streamLimit: new Gauge({
      registers,
      name: 'herald_stream_limit',
      help: "Upstream streams allowed at once now (adapts to the endpoint's push-back, up to MAX_CONCURRENT_STREAMS)",
    }),
    timeToFirstTokenSeconds: histogram({
      registers,
      name: 'herald_time_to_first_token_seconds',
      help: 'Time from the request to the first answer text',
      labelNames: ['platform'],
      buckets: [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    }),
    edits: counter({
      registers,
      name: 'herald_edits_total',
      help: 'Messages sent or edited by the live-message engine',
      labelNames: ['platform'],
    }),
    rateLimitAnswers: counter({
      registers,
      name: 'herald_rate_limit_answers_total',
      help: 'Platform 429 answers received',
      labelNames: ['platform'],
    }),
    upstreamErrors: counter({
      registers,
      name: 'herald_upstream_errors_total',
      help: 'Responses API errors by category',
      labelNames: ['kind'],
    }),
    tokens: counter({
      registers,
      name: 'herald_tokens_total',
      help: 'Tokens used, by model and kind',
      labelNames: ['model', 'kind'],
    }),
    dollars: counter({
      registers,
      name: 'herald_dollars_total',
      help: 'Estimated spend in US dollars, by model',
      labelNames: ['model'],
    }),
    answers: counter({
      registers,
      name: 'herald_answers_total',
      help: 'Answers finished, by platform and status',
      labelNames: ['platform', 'status'],
    }),
    malformedSseLines: counter({
      registers,
      name: 'herald_malformed_sse_lines_total',
      help: 'SSE lines skipped as malformed',
    }),
    // Labelled with the process id its logs and heartbeat carry, so replicas behind one balancer
    // (and one scrape name) can be told apart and joined with their logs.
    processInfo: new Gauge({
      registers,
      name: 'herald_process_info',
      help: 'Always 1: this process (its id in logs and the store), its store backend and role',
      labelNames: ['process', 'store', 'role'],
    }),
    storeUp: new Gauge({
      registers,
      name: 'herald_store_up',
      help: '1 while the store answers, 0 while it is away (Redis down)',
      labelNames: ['process'],
    }),
    platformUp: new Gauge({
      registers,
      name: 'herald_platform_up',
      help: '1 while the platform serves events; 0 while it is starting, retrying or stopped',
      labelNames: ['platform'],
    }),
  }
  const all = Registry.merge([...registers, processMetrics()])
  return {
    ...m,
    render: async () => oneLineEach(await all.metrics()),
    snapshot: () => all.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  }
}
