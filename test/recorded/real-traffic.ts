import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The payloads other open-source projects recorded from real services (see SOURCES.md there),
 * read at test time from `../shared/real-traffic/` next to the repository, never copied into it.
 * A fresh clone has no such folder: the tests that need it are skipped and say so.
 *
 * What each recording should show is read from the recording itself (the terminal response, the
 * `.done` events), never from Herald's own parsing.
 */
export const REAL_TRAFFIC = fileURLToPath(new URL('../../../shared/real-traffic/', import.meta.url))
export const hasRealTraffic = existsSync(join(REAL_TRAFFIC, 'SOURCES.md'))
export const SKIP_NOTE = `skipped: no recorded traffic at ${REAL_TRAFFIC} (a fresh clone has no ../shared)`

export function listFiles(folder: 'responses' | 'telegram' | 'discord'): string[] {
  return hasRealTraffic ? readdirSync(join(REAL_TRAFFIC, folder)).sort() : []
}

export function readRecording(folder: 'responses' | 'telegram' | 'discord', name: string): string {
  return readFileSync(join(REAL_TRAFFIC, folder, name), 'utf8')
}

export interface Expected {
  status: string
  /** The output text parts, in order, separated by a blank line. */
  text: string
  /** Unique cited URLs, in order of first appearance. */
  citations: string[]
  /** The stream carries reasoning (a summary or raw reasoning text). */
  reasoning: boolean
  functionCalls: string[]
  errorCode?: string
}

export interface StreamRecording {
  name: string
  /** The body as served: the recorded bytes for `.sse`, `event:` + `data:` frames for `.chunks.jsonl`. */
  body: string
  expected: Expected
}

type Json = Record<string, unknown>

/**
 * `.chunks.jsonl` files lost their SSE framing when recorded: put back as api.openai.com sends it
 * (an `event:` line, the `data:` line, a blank line, no `[DONE]`), as SOURCES.md says.
 */
function reframe(jsonl: string): string {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join('')
}

/** The JSON payloads of an SSE body, in order (comments, `event:` lines and `[DONE]` left out). */
export function payloadsOf(body: string): Json[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== '' && data !== '[DONE]')
    .map((data) => JSON.parse(data) as Json)
}

export function streamRecordings(): StreamRecording[] {
  return listFiles('responses')
    .filter((name) => name.endsWith('.sse') || name.endsWith('.chunks.jsonl'))
    .map((name) => {
      const raw = readRecording('responses', name)
      const body = name.endsWith('.sse') ? raw : reframe(raw)
      return { name, body, expected: expectedOfStream(payloadsOf(body)) }
    })
}

function expectedOfStream(events: Json[]): Expected {
  const type = (e: Json) => String(e.type)
  const terminal = events.findLast((e) =>
    ['response.completed', 'response.incomplete', 'response.failed'].includes(type(e)),
  )
  const response = (terminal?.response ?? {}) as Json
  const doneTexts = events.filter((e) => type(e) === 'response.output_text.done').map((e) => String(e.text))
  const text = doneTexts.length > 0 ? doneTexts : outputTexts(response)
  const annotations = [
    ...events
      .filter((e) => type(e) === 'response.output_text.annotation.added')
      .map((e) => e.annotation as Json),
    ...outputAnnotations(response),
  ]
  const calls = events
    .filter((e) => type(e) === 'response.output_item.done' && (e.item as Json).type === 'function_call')
    .map((e) => String((e.item as Json).name))
  const error = events.find((e) => type(e) === 'error')
  const expected: Expected = {
    status: String(response.status ?? 'incomplete'),
    text: text.filter((t) => t !== '').join('\n\n'),
    citations: uniqueUrls(annotations),
    reasoning: events.some((e) => /^response\.reasoning(_summary)?_text\.delta$/.test(type(e))),
    functionCalls: calls,
  }
  const code = (error?.code ?? (error?.error as Json | undefined)?.code) as string | undefined
  if (code) expected.errorCode = code
  return expected
}

/** The text of a whole Response body (`GET /responses/{id}`, a non-streamed answer). */
export function outputTexts(response: Json): string[] {
  const output = Array.isArray(response.output) ? (response.output as Json[]) : []
  return output
    .filter((item) => item.type === 'message')
    .flatMap((item) =>
      (item.content as Json[]).filter((p) => p.type === 'output_text').map((p) => String(p.text)),
    )
}

function outputAnnotations(response: Json): Json[] {
  const output = Array.isArray(response.output) ? (response.output as Json[]) : []
  return output
    .filter((item) => item.type === 'message')
    .flatMap((item) =>
      (item.content as Json[]).flatMap((p) =>
        Array.isArray(p.annotations) ? (p.annotations as Json[]) : [],
      ),
    )
}

function uniqueUrls(annotations: Json[]): string[] {
  const urls = annotations.filter((a) => a.type === 'url_citation').map((a) => String(a.url))
  return urls.filter((url, i) => urls.indexOf(url) === i)
}

export interface JsonRecording {
  name: string
  body: Json
  /** The HTTP status it was recorded with (SOURCES.md): 200 unless it is an error body. */
  status: number
}

export function jsonRecordings(): JsonRecording[] {
  const statuses: Record<string, number> = {
    'error-http400-invalid-temperature.json': 400,
    // The fixture kept no status; the real API sends 429 for insufficient_quota.
    'error-insufficient-quota-body.json': 429,
  }
  return listFiles('responses')
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({
      name,
      body: JSON.parse(readRecording('responses', name)) as Json,
      status: statuses[name] ?? 200,
    }))
}
