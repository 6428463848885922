/**
 * The operator signals the core records. The app implements them (src/app/metrics.ts) and serves
 * them as Prometheus text; the core only counts, so it never knows how they are exported.
 *
 * @example
 *   metrics.edits.inc({ platform: 'telegram' })
 *   metrics.timeToFirstTokenSeconds.observe({ platform: 'telegram' }, 0.8)
 */

/** Label names and values of one series. */
export type MetricLabels = Record<string, string>

export interface CounterMetric {
  inc(labels?: MetricLabels, by?: number): void
}

export interface GaugeMetric {
  inc(labels?: MetricLabels, by?: number): void
  dec(labels?: MetricLabels, by?: number): void
}

export interface HistogramMetric {
  observe(labels: MetricLabels, value: number): void
}

export interface CoreMetrics {
  activeStreams: GaugeMetric
  queuedStreams: GaugeMetric
  timeToFirstTokenSeconds: HistogramMetric
  edits: CounterMetric
  rateLimitAnswers: CounterMetric
  upstreamErrors: CounterMetric
  tokens: CounterMetric
  dollars: CounterMetric
  answers: CounterMetric
}
