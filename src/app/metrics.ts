import type { CoreMetrics } from '../core/contracts/metrics.ts'

/**
 * Operator signals in the Prometheus text format, kept by hand (a few counters, gauges and one
 * histogram do not need a client library).
 *
 * @example
 *   metrics.edits.inc({ platform: 'telegram' })
 *   metrics.render() // '# TYPE herald_edits_total counter\nherald_edits_total{platform="telegram"} 1\n…'
 */
type Labels = Record<string, string>

function key(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map(
      (name) =>
        `${name}="${String(labels[name]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',')
}

function line(name: string, labelKey: string, value: number): string {
  return `${name}${labelKey ? `{${labelKey}}` : ''} ${Number.isFinite(value) ? value : 0}`
}

export class Counter {
  readonly name: string
  readonly help: string
  readonly values = new Map<string, number>()
  constructor(name: string, help: string) {
    this.name = name
    this.help = help
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels)
    this.values.set(k, (this.values.get(k) ?? 0) + by)
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0
  }
  render(type = 'counter'): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`]
    for (const [k, v] of this.values) lines.push(line(this.name, k, v))
    return lines.join('\n')
  }
}

export class Gauge extends Counter {
  set(labels: Labels, value: number): void {
    this.values.set(key(labels), value)
  }
  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by)
  }
  override render(): string {
    return super.render('gauge')
  }
}

export class Histogram {
  readonly name: string
  readonly help: string
  readonly buckets: readonly number[]
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>()
  constructor(name: string, help: string, buckets: readonly number[]) {
    this.name = name
    this.help = help
    this.buckets = buckets
  }
  observe(labels: Labels, value: number): void {
    const k = key(labels)
    let s = this.series.get(k)
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }
      this.series.set(k, s)
    }
    this.buckets.forEach((bound, i) => {
      if (value <= bound) s.counts[i]! += 1
    })
    s.sum += value
    s.count += 1
  }
  count(labels: Labels = {}): number {
    return this.series.get(key(labels))?.count ?? 0
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : ''
      for (const [i, bound] of this.buckets.entries()) {
        lines.push(`${this.name}_bucket{${sep}le="${bound}"} ${s.counts[i]}`)
      }
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`)
      lines.push(line(`${this.name}_sum`, k, s.sum), line(`${this.name}_count`, k, s.count))
    }
    return lines.join('\n')
  }
}

/** Every metric, the core's and the app's own, with the Prometheus text of them all. */
export interface Metrics extends CoreMetrics {
  activeStreams: Gauge
  queuedStreams: Gauge
  streamLimit: Gauge
  timeToFirstTokenSeconds: Histogram
  edits: Counter
  rateLimitAnswers: Counter
  upstreamErrors: Counter
  tokens: Counter
  dollars: Counter
  answers: Counter
  malformedSseLines: Counter
  processInfo: Gauge
  storeUp: Gauge
  platformUp: Gauge
  render(): string
}

export function createMetrics(): Metrics {
  const m = {
    activeStreams: new Gauge('herald_active_streams', 'Upstream answer streams open now'),
    queuedStreams: new Gauge('herald_queued_streams', 'Asks waiting for a free upstream stream slot'),
    streamLimit: new Gauge(
      'herald_stream_limit',
      "Upstream streams allowed at once now (adapts to the endpoint's push-back, up to MAX_CONCURRENT_STREAMS)",
    ),
    timeToFirstTokenSeconds: new Histogram(
      'herald_time_to_first_token_seconds',
      'Time from the request to the first answer text',
      [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64],
    ),
    edits: new Counter('herald_edits_total', 'Messages sent or edited by the live-message engine'),
    rateLimitAnswers: new Counter('herald_rate_limit_answers_total', 'Platform 429 answers received'),
    upstreamErrors: new Counter('herald_upstream_errors_total', 'Responses API errors by category'),
    tokens: new Counter('herald_tokens_total', 'Tokens used, by model and kind'),
    dollars: new Counter('herald_dollars_total', 'Estimated spend in US dollars, by model'),
    answers: new Counter('herald_answers_total', 'Answers finished, by platform and status'),
    malformedSseLines: new Counter('herald_malformed_sse_lines_total', 'SSE lines skipped as malformed'),
    // Labelled with the process id its logs and heartbeat carry, so replicas behind one balancer
    // (and one scrape name) can be told apart and joined with their logs.
    processInfo: new Gauge(
      'herald_process_info',
      'Always 1: this process (its id in logs and the store), its store backend and role',
    ),
    storeUp: new Gauge('herald_store_up', '1 while the store answers, 0 while it is away (Redis down)'),
    platformUp: new Gauge(
      'herald_platform_up',
      '1 while the platform serves events; 0 while it is starting, retrying or stopped',
    ),
  }
  return {
    ...m,
    render: () =>
      `${Object.values(m)
        .map((metric) => metric.render())
        .join('\n')}\n`,
  }
}
