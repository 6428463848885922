/**
 * `npm run bench:live`: one simulated 60 s answer at 50 tokens/s, streamed into a fake Surface that
 * enforces each platform's rate limits, with a fake clock (fast and deterministic). It compares
 * Herald's live-message engine with the strategies popular bots use, and writes
 * bench/results/live.json: edits, display staleness (a token's arrival → its first appearance on
 * the platform) p50/p95, rate-limit answers, and ratios against the peers.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RateLimited } from '../src/core/contracts/errors.ts'
import type { MessageRef, Pace, TextFormat } from '../src/core/contracts/surface.ts'
import { composeMessage } from '../src/core/live/compose.ts'
import { formatFor } from '../src/core/live/format.ts'
import { createLiveMessage } from '../src/core/live/live-message.ts'
import {
  discordLimits,
  discordPace,
  telegramLimits,
  telegramPace,
} from '../src/core/live/platform-defaults.ts'
import { createLaneRegistry } from '../src/core/live/scheduler.ts'
import { splitForLimit } from '../src/core/live/split.ts'
import { initialState } from '../src/core/responses/state.ts'
import { type FakeClock, fakeClock } from '../test/helpers/fake-clock.ts'
import { type FakeSurface, fakeSurface } from '../test/helpers/fake-surface.ts'

const ANSWER_SECONDS = 60
const TOKENS_PER_SECOND = 50
const TOKEN_MS = 1000 / TOKENS_PER_SECOND
const LATENCY_MS = 50

interface Profile {
  name: string
  /** The platform's own interval between two calls in the chat (the staleness target adds 150 ms). */
  intervalMs: number
  format: TextFormat
  limit: number
  pace: Pace
  windows: Array<{ max: number; windowMs: number }>
  retryAfterUnitMs: number
}

const PROFILES: Profile[] = [
  {
    name: 'telegram_private',
    intervalMs: 1000,
    format: 'telegram-html',
    limit: telegramLimits.messageLimit,
    pace: telegramPace('private'),
    windows: [{ max: 1, windowMs: 1000 }],
    retryAfterUnitMs: 1000,
  },
  {
    name: 'telegram_group',
    intervalMs: 3000,
    format: 'telegram-html',
    limit: telegramLimits.messageLimit,
    pace: telegramPace('group'),
    windows: [
      { max: 1, windowMs: 1000 },
      { max: 20, windowMs: 60_000 },
    ],
    retryAfterUnitMs: 1000,
  },
  {
    name: 'discord',
    intervalMs: 1000,
    format: 'discord-markdown',
    limit: discordLimits.messageLimit,
    pace: discordPace(),
    windows: [{ max: 5, windowMs: 5000 }],
    retryAfterUnitMs: 1,
  },
]

/** Token i of the answer: a short word naming its index (so staleness can be read off the platform), with line and paragraph breaks. */
function token(i: number): string {
  const word = `w${i.toString(36)}`
  if (i % 60 === 59) return `${word}.\n\n`
  if (i % 12 === 11) return `${word}\n`
  return `${word} `
}

const TOKENS = Array.from({ length: ANSWER_SECONDS * TOKENS_PER_SECOND }, (_, i) => token(i))
const ANSWER = TOKENS.join('')

/** Drives a strategy: `push(text)` after every token (it must not wait), then `finish(text)`. */
interface Strategy {
  name: string
  run(
    clock: FakeClock,
    surface: FakeSurface,
    profile: Profile,
  ): { push(text: string): void; finish(text: string): Promise<void> }
}

const herald: Strategy = {
  name: 'herald',
  run(clock, surface) {
    const live = createLiveMessage({
      surface,
      lanes: createLaneRegistry({ clock }),
      options: { typingEveryMs: 0 },
    })
    const state = { ...initialState(), activity: { kind: 'writing' as const } }
    return {
      push: (text) => live.update({ ...state, text }),
      finish: async (text) => {
        await live.finish({ ...state, status: 'completed', text })
      },
    }
  },
}

/**
 * The peers, as popular bots write them: the same rendering and splitting as Herald (so only the
 * pacing differs), edits awaited one after another, an intermediate edit that gets a 429 dropped,
 * the final one retried after retry_after.
 */
function peerWriter(clock: FakeClock, surface: FakeSurface, profile: Profile) {
  const format = formatFor(profile.format)
  const refs: MessageRef[] = []
  const shown: string[] = []
  let busy = false
  const render = (text: string, final: boolean): string[] => {
    const compose = (md: string, last: boolean) =>
      composeMessage(format, { body: md, ...(last && !final ? { cursor: ' ▍' } : {}) })
    const chunks = splitForLimit(text, {
      limit: profile.limit,
      measure: (md, p) => format.length(compose(md, p.last)),
    })
    return chunks.map((c, i) => compose(c.markdown, i === chunks.length - 1))
  }
  const write = async (text: string, final: boolean): Promise<void> => {
    const wanted = render(text, final)
    for (let i = 0; i < wanted.length; i++) {
      const content = { text: wanted[i]!, format: profile.format, buttons: [] }
      while (shown[i] !== content.text) {
        try {
          const ref = refs[i]
          if (ref) await surface.edit(ref, content)
          else refs[i] = await surface.send(content)
          shown[i] = content.text
        } catch (err) {
          if (!(err instanceof RateLimited) || !final) return
          await clock.sleep(err.retryAfterMs)
        }
      }
    }
  }
  return {
    get busy() {
      return busy
    },
    /** Starts an intermediate write unless one is running. */
    tryWrite(text: string): boolean {
      if (busy) return false
      busy = true
      void write(text, false).finally(() => {
        busy = false
      })
      return true
    },
    async finish(text: string): Promise<void> {
      while (busy) await clock.sleep(10)
      await write(text, true)
    },
  }
}

const fixedTimer: Strategy = {
  name: 'fixed_1s_timer',
  run(clock, surface, profile) {
    const writer = peerWriter(clock, surface, profile)
    let latest = ''
    let written = ''
    let done = false
    void (async () => {
      while (!done) {
        await clock.sleep(1000)
        if (!done && latest !== written && writer.tryWrite(latest)) written = latest
      }
    })()
    return {
      push: (text) => {
        latest = text
      },
      finish: async (text) => {
        done = true
        await writer.finish(text)
      },
    }
  },
}

const everyChars = (n: number): Strategy => ({
  name: `every_${n}_chars`,
  run(clock, surface, profile) {
    const writer = peerWriter(clock, surface, profile)
    let writtenLength = 0
    return {
      push: (text) => {
        if (text.length - writtenLength >= n && writer.tryWrite(text)) writtenLength = text.length
      },
      finish: (text) => writer.finish(text),
    }
  },
})

const throttle = (ms: number): Strategy => ({
  name: `throttle_${ms / 1000}s`,
  run(clock, surface, profile) {
    const writer = peerWriter(clock, surface, profile)
    let last = Number.NEGATIVE_INFINITY
    return {
      push: (text) => {
        if (clock.now() - last >= ms && writer.tryWrite(text)) last = clock.now()
      },
      finish: (text) => writer.finish(text),
    }
  },
})

const PEERS = [fixedTimer, everyChars(100), throttle(3000)]

interface Measure {
  edits: number
  calls: number
  rate_limit_answers: number
  calls_inside_retry_after: number
  staleness_p50_ms: number
  staleness_p95_ms: number
  staleness_max_ms: number
  pace_ms: number
  messages: number
  complete: boolean
}

async function simulate(strategy: Strategy, profile: Profile): Promise<Measure> {
  const clock = fakeClock()
  const surface = fakeSurface({
    clock,
    chatKey: `${profile.format.split('-')[0]}:1`,
    format: profile.format,
    limit: profile.limit,
    pace: profile.pace,
    windows: profile.windows,
    enforceMessagePace: false,
    retryAfterUnitMs: profile.retryAfterUnitMs,
    latencyMs: LATENCY_MS,
    typing: false,
  })
  const driver = strategy.run(clock, surface, profile)
  let text = ''
  for (const t of TOKENS) {
    await clock.advance(TOKEN_MS)
    text += t
    driver.push(text)
  }
  const done = driver.finish(text)
  await clock.runAll()
  await done
  return measure(surface, clock)
}

/** Reads, from the calls that succeeded, when each token first showed on the platform. */
function measure(surface: FakeSurface, clock: FakeClock): Measure {
  const shownAt: number[] = []
  for (const call of surface.calls) {
    if (call.result !== 'ok' || call.kind === 'typing') continue
    let highest = -1
    for (const m of call.text.matchAll(/\bw([0-9a-z]+)\b/g))
      highest = Math.max(highest, Number.parseInt(m[1]!, 36))
    for (let i = shownAt.length; i <= highest; i++) shownAt.push(call.at + LATENCY_MS)
  }
  const staleness = shownAt.map((at, i) => at - (i + 1) * TOKEN_MS).sort((a, b) => a - b)
  const starts = surface.calls.filter((c) => c.kind !== 'typing').map((c) => c.at)
  const gaps = starts
    .slice(1)
    .map((at, i) => at - starts[i]!)
    .sort((a, b) => a - b)
  void clock
  return {
    edits: surface.sends.length + surface.edits.length,
    calls: starts.length,
    rate_limit_answers: surface.rateLimitAnswers,
    calls_inside_retry_after: surface.callsInsideRetryAfter,
    staleness_p50_ms: percentile(staleness, 0.5),
    staleness_p95_ms: percentile(staleness, 0.95),
    staleness_max_ms: staleness.at(-1) ?? 0,
    pace_ms: percentile(gaps, 0.5),
    messages: surface.messages.length,
    complete: shownAt.length === TOKENS.length && surface.texts().every((t) => !t.includes('▍')),
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!)
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000)

async function main(): Promise<void> {
  const profiles: Record<string, unknown> = {}
  const summaries: Array<Record<string, unknown>> = []
  for (const profile of PROFILES) {
    const ours = await simulate(herald, profile)
    const peers: Record<string, Measure> = {}
    for (const peer of PEERS) peers[peer.name] = await simulate(peer, profile)
    // The best peer: fewest rate-limit answers, then the lowest staleness p95.
    const [bestName, best] = Object.entries(peers).sort(
      ([, a], [, b]) =>
        a.rate_limit_answers - b.rate_limit_answers || a.staleness_p95_ms - b.staleness_p95_ms,
    )[0]!
    const ratios = Object.fromEntries(
      Object.entries(peers).map(([name, m]) => [
        name,
        {
          staleness_p50: ratio(ours.staleness_p50_ms, m.staleness_p50_ms),
          staleness_p95: ratio(ours.staleness_p95_ms, m.staleness_p95_ms),
          edits: ratio(ours.edits, m.edits),
          rate_limit_answers: ratio(ours.rate_limit_answers, m.rate_limit_answers),
        },
      ]),
    )
    const targetMs = profile.intervalMs + 150
    const summary = {
      profile: profile.name,
      platform_interval_ms: profile.intervalMs,
      staleness_target_ms: targetMs,
      rate_limit_answers: ours.rate_limit_answers,
      staleness_p95_ms: ours.staleness_p95_ms,
      staleness_p50_ms: ours.staleness_p50_ms,
      pace_ms: ours.pace_ms,
      edits: ours.edits,
      peer_strategy: bestName,
      peer_rate_limit_answers: best.rate_limit_answers,
      peer_staleness_p95_ms: best.staleness_p95_ms,
      peer_staleness_p50_ms: best.staleness_p50_ms,
      peer_pace_ms: best.pace_ms,
      peer_edits: best.edits,
      targets_met: ours.rate_limit_answers === 0 && ours.staleness_p95_ms <= targetMs && ours.complete,
    }
    summaries.push(summary)
    profiles[profile.name] = { ...summary, herald: ours, peers, ratios_vs_peers: ratios }
  }
  const first = summaries[0]!
  const result = {
    generated_by: 'npm run bench:live',
    answer: {
      seconds: ANSWER_SECONDS,
      tokens_per_second: TOKENS_PER_SECOND,
      tokens: TOKENS.length,
      characters: ANSWER.length,
      call_latency_ms: LATENCY_MS,
    },
    note: 'Top-level keys are the telegram_private profile; every profile is under `profiles`.',
    ...first,
    all_profiles_rate_limit_answers: summaries.reduce((n, s) => n + (s.rate_limit_answers as number), 0),
    all_profiles_targets_met: summaries.every((s) => s.targets_met),
    profiles,
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'live.json')
  mkdirSync(dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  for (const s of summaries) {
    console.log(
      `${String(s.profile).padEnd(17)} herald: 429s ${s.rate_limit_answers}, staleness p50/p95 ${s.staleness_p50_ms}/${s.staleness_p95_ms} ms (target ${s.staleness_target_ms}), edits ${s.edits} | best peer ${s.peer_strategy}: 429s ${s.peer_rate_limit_answers}, p50/p95 ${s.peer_staleness_p50_ms}/${s.peer_staleness_p95_ms} ms, edits ${s.peer_edits}`,
    )
  }
  console.log(`wrote ${out}`)
}

await main()
