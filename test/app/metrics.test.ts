import { describe, expect, test } from 'vitest'
import { createMetrics, renderWith } from '../../src/app/metrics.ts'

/**
 * The registry behind /metrics: Herald's series as the core counts them, then the process's CPU,
 * memory, heap, GC and event-loop series under the same prefix, one sample per line.
 */
const LINE = /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+-]+)$/

function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
}

describe('metrics', () => {
  test('count what the core records, one sample a line', async () => {
    const metrics = createMetrics()
    metrics.edits.inc({ platform: 'telegram' })
    metrics.edits.inc({ platform: 'telegram' })
    metrics.tokens.inc({ model: 'gpt-5-mini', kind: 'input' }, 12)
    metrics.dollars.inc({ model: 'gpt-5-mini' }, 0.000018)
    metrics.activeStreams.inc()
    metrics.activeStreams.inc()
    metrics.activeStreams.dec()
    metrics.timeToFirstTokenSeconds.observe({ platform: 'discord' }, 0.8)
    metrics.streamLimit.set({}, 200)
    metrics.platformUp.set({ platform: 'discord' }, 1)

    const text = await metrics.render()
    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(LINE)
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        'herald_edits_total{platform="telegram"} 2',
        'herald_tokens_total{model="gpt-5-mini",kind="input"} 12',
        'herald_dollars_total{model="gpt-5-mini"} 0.000018',
        'herald_active_streams 1',
        'herald_stream_limit 200',
        'herald_platform_up{platform="discord"} 1',
        'herald_time_to_first_token_seconds_bucket{le="0.5",platform="discord"} 0',
        'herald_time_to_first_token_seconds_bucket{le="1",platform="discord"} 1',
        'herald_time_to_first_token_seconds_bucket{le="+Inf",platform="discord"} 1',
        'herald_time_to_first_token_seconds_sum{platform="discord"} 0.8',
        'herald_time_to_first_token_seconds_count{platform="discord"} 1',
      ]),
    )
  })

  test('a count given without labels adds that count', async () => {
    const metrics = createMetrics()
    metrics.queuedStreams.inc(undefined, 5)
    metrics.queuedStreams.dec(undefined, 2)
    metrics.malformedSseLines.inc(undefined, 3)
    const text = await metrics.render()
    expect(samples(text)).toContain('herald_queued_streams 3')
    expect(samples(text)).toContain('herald_malformed_sse_lines_total 3')
  })

  test('a counter skips a count that is negative or not a number, and never throws', async () => {
    const metrics = createMetrics()
    const tokens = { model: 'gpt-5-mini', kind: 'output' }
    metrics.tokens.inc(tokens, 8)
    for (const odd of [-3, Number.NaN, Number.POSITIVE_INFINITY]) metrics.tokens.inc(tokens, odd)
    expect(samples(await metrics.render())).toContain(
      'herald_tokens_total{model="gpt-5-mini",kind="output"} 8',
    )
  })

  test('each set of services counts apart; the process series are the same in every one', async () => {
    const one = createMetrics()
    const two = createMetrics()
    one.answers.inc({ platform: 'telegram', status: 'completed' })

    const [first, second] = [await one.render(), await two.render()]
    expect(first).toContain('herald_answers_total{platform="telegram",status="completed"} 1')
    expect(second).not.toContain('herald_answers_total{')
    for (const text of [first, second]) {
      for (const name of [
        'herald_process_cpu_seconds_total',
        'herald_process_resident_memory_bytes',
        'herald_nodejs_heap_size_used_bytes',
        'herald_nodejs_eventloop_lag_seconds',
        'herald_nodejs_eventloop_lag_max_seconds',
      ]) {
        expect(text).toContain(`# TYPE ${name} `)
      }
      for (const line of text.trimEnd().split('\n')) expect(line).toMatch(LINE)
    }
  })

  test("other processes' snapshots add up with this one's; what tells processes apart stays apart", async () => {
    const manager = createMetrics()
    const shards = [createMetrics(), createMetrics()]
    manager.processInfo.set({ process: 'm', store: 'sqlite', role: 'main' }, 1)
    for (const [i, shard] of shards.entries()) {
      shard.processInfo.set({ process: `s${i}`, store: 'sqlite', role: 'discord-shard' }, 1)
      shard.answers.inc({ platform: 'discord', status: 'completed' })
      shard.timeToFirstTokenSeconds.observe({ platform: 'discord' }, 0.5)
    }
    const text = await renderWith(manager, await Promise.all(shards.map((shard) => shard.snapshot())))

    for (const line of text.trimEnd().split('\n')) expect(line).toMatch(LINE)
    const lines = samples(text)
    expect(lines).toContain('herald_answers_total{platform="discord",status="completed"} 2')
    expect(lines).toContain('herald_time_to_first_token_seconds_count{platform="discord"} 2')
    expect(lines.filter((line) => line.startsWith('herald_process_info{'))).toHaveLength(3)
  })
})
