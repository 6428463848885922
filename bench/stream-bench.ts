/**
 * `npm run bench:stream`: one answer of 100 000 SSE events of realistic sizes, served by the fake
 * Responses API over loopback and read, in the same run, by three consumers each in its own process
 * (so the CPU time is the consumer's alone, not the server's):
 * - herald: Herald's client (undici, its SSE parser, typed events) folding every event into the state;
 * - sdk: the official `openai` npm SDK iterating the stream and adding up the text;
 * - floor: an undici body read with eventsource-parser, JSON.parse and the text added up.
 * Each runs ROUNDS times, alternating; the median counts. Writes bench/results/stream.json.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createParser } from 'eventsource-parser'
import OpenAI from 'openai'
import { request } from 'undici'
import { createResponsesClient } from '../src/core/responses/client.ts'
import { startFakeResponsesApi } from '../test/fakes/fake-responses-api.ts'
import { Transcript, toSseFrames } from '../test/fakes/fake-responses-transcripts.ts'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const EVENTS = 100_000
const ROUNDS = 5
const CONSUMERS = ['herald', 'sdk', 'floor'] as const
type Consumer = (typeof CONSUMERS)[number]

/** Token-sized deltas: 1 to 8 characters, words and punctuation, as models stream them. */
function deltas(count: number): string[] {
  const words = ['the', ' tide', ' moon', ',', ' is', ' pulled', ' toward', ' ocean', '.', '\n\n', ' a']
  return Array.from({ length: count }, (_, i) => words[(i * 7 + (i >> 3)) % words.length]!)
}

/** The events of one answer: the usual frame around EVENTS − 8 text deltas. */
function transcript(): object[] {
  return new Transcript()
    .start()
    .message(deltas(EVENTS - 8))
    .completed().events
}

interface Measured {
  cpuMs: number
  events: number
  chars: number
}

async function consume(consumer: Consumer, baseUrl: string): Promise<Measured> {
  const before = process.cpuUsage()
  let events = 0
  let chars = 0
  const body = { model: 'gpt-5-mini', input: 'Tell me about tides.' }
  if (consumer === 'herald') {
    const client = createResponsesClient({ baseUrl, apiKey: 'sk-bench' })
    const state = await client.run(body, { onEvent: () => void events++ })
    chars = state.text.length
    await client.close()
  } else if (consumer === 'sdk') {
    const client = new OpenAI({ baseURL: baseUrl, apiKey: 'sk-bench', maxRetries: 0 })
    const stream = await client.responses.create({ ...body, stream: true })
    let text = ''
    for await (const event of stream) {
      events++
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    chars = text.length
  } else {
    const response = await request(`${baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    })
    let text = ''
    const parser = createParser({
      onEvent: (event) => {
        events++
        const data = JSON.parse(event.data) as { type: string; delta?: string }
        if (data.type === 'response.output_text.delta') text += data.delta ?? ''
      },
    })
    const decoder = new TextDecoder()
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }))
    chars = text.length
  }
  const cpu = process.cpuUsage(before)
  return { cpuMs: (cpu.user + cpu.system) / 1000, events, chars }
}

/** One consumer in a fresh process: `bench/stream-bench.ts --consume herald <baseUrl>`. */
function runChild(consumer: Consumer, baseUrl: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--consume', consumer, baseUrl], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Measured) : reject(new Error(`${consumer} exited ${code}`)),
    )
  })
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (value: number, digits = 2) => Number(value.toFixed(digits))

async function main() {
  const fake = await startFakeResponsesApi()
  // Pre-rendered once; written one event per write, as a stream at speed arrives.
  const frames = toSseFrames(transcript(), { eventLines: true, done: false })
  fake.route = () => ({ kind: 'raw', chunks: frames })
  const cpu: Record<Consumer, number[]> = { herald: [], sdk: [], floor: [] }
  let counted: Measured | undefined
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const consumer of CONSUMERS) {
        const measured = await runChild(consumer, fake.url)
        if (measured.events !== EVENTS) throw new Error(`${consumer} saw ${measured.events} events`)
        if (counted && measured.chars !== counted.chars) throw new Error(`${consumer} lost text`)
        counted = measured
        cpu[consumer].push(measured.cpuMs)
      }
    }
  } finally {
    await fake.close()
  }
  const [herald, sdk, floor] = CONSUMERS.map((c) => median(cpu[c])) as [number, number, number]
  const result = {
    events: EVENTS,
    herald_vs_sdk_cpu: round(herald / sdk),
    herald_vs_floor_cpu: round(herald / floor),
    herald_cpu_ms: round(herald, 0),
    sdk_cpu_ms: round(sdk, 0),
    floor_cpu_ms: round(floor, 0),
    rounds: ROUNDS,
  }
  console.log(JSON.stringify(result))
  const out = join(ROOT, 'bench/results/stream.json')
  mkdirSync(dirname(out), { recursive: true })
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? '',
    memory_gb: round(totalmem() / 2 ** 30, 1),
  }
  writeFileSync(out, `${JSON.stringify({ machine, node: process.version, ...result }, null, 2)}\n`)
  console.log(`wrote ${out}`)
}

if (process.argv[2] === '--consume') {
  const measured = await consume(process.argv[3] as Consumer, process.argv[4]!)
  process.stdout.write(JSON.stringify(measured))
} else {
  await main()
}
