import { type Answer, PROBE_PROMPT, type ProbeClient, type Sent } from './doctor-client.ts'
import type { FirstAnswer } from './doctor-first-answer.ts'
import { idOf } from './doctor-stream.ts'
import type { Verdicts } from './doctor-verdicts.ts'

/**
 * The probes after the first answer, one capability each, in the order they run: each sends the
 * smallest request that can tell, or skips its row when the default model lacks the capability.
 *
 * @example
 *   await probeServerState(client, verdicts, first)
 *   await probeWebSearch(client, verdicts)
 */

/** A 1×1 transparent PNG. */
const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

/** The route is not there. */
const missing = (a: Answer) => a.status === 404 || a.status === 405

/** Conversations kept by the endpoint: `previous_response_id` on the first answer. */
export async function probeServerState(
  client: ProbeClient,
  verdicts: Verdicts,
  first: FirstAnswer,
): Promise<void> {
  if (first.storeRefused || first.responseId === undefined) {
    verdicts.skip(['previous'], verdicts.t('doctor.do.local_history'))
    if (first.storeRefused) verdicts.mark('server-state', false)
    return
  }
  const next = await client.ask({ store: true, previous_response_id: first.responseId })
  verdicts.judge(
    'previous',
    next,
    (a) => client.refuses(a, 'previous_response_id') || a.status === 404,
    'doctor.do.server_state',
    'doctor.do.local_history',
  )
}

/** Background mode, then retrieval and cancel on the queued run (cancelled at once: it costs next to nothing). */
export async function probeBackgroundRuns(
  client: ProbeClient,
  verdicts: Verdicts,
  responseId: string | undefined,
): Promise<void> {
  const { model } = client
  let runId = responseId
  if (!model.background) {
    verdicts.modelLacks('background', model.id)
  } else {
    const background = await client.ask({ store: true, background: true }, false)
    verdicts.judge(
      'background',
      background,
      (a) => client.refuses(a, 'background') || missing(a),
      'doctor.do.background',
      'doctor.do.foreground',
    )
    if (background.ok && background.answer.status === 200) runId = idOf(background.answer.text) ?? runId
  }
  if (runId === undefined) return verdicts.skip(['retrieve', 'cancel'], verdicts.t('doctor.do.unchanged'))
  const path = `/responses/${encodeURIComponent(runId)}`
  const retrieved = await client.send('GET', path)
  verdicts.judge('retrieve', retrieved, missing, 'doctor.do.resume', 'doctor.do.follow')
  // A 400 "cannot cancel a completed response" still proves the route exists.
  const cancel = await client.send('POST', `${path}/cancel`)
  verdicts.judge(
    'cancel',
    cancel,
    missing,
    'doctor.do.cancel',
    'doctor.do.cancel_close',
    (a) => a.status === 400,
  )
}

/** The web search tool's name, then the preview name relays often keep. */
export async function probeWebSearch(client: ProbeClient, verdicts: Verdicts): Promise<void> {
  const { t } = verdicts
  const { model } = client
  if (!model.webSearch) return verdicts.modelLacks('web_search', model.id)
  let last: Sent | undefined
  for (const tool of ['web_search', 'web_search_preview'] as const) {
    last = await client.ask({ store: false, tools: [{ type: tool }] })
    if (last.ok && last.answer.status === 200) {
      verdicts.row('web_search', 'yes', tool, t('doctor.do.search_tool', { tool }))
      verdicts.mark('web-search', true)
      verdicts.useSearchTool(tool)
      return
    }
    if (!last.ok || last.answer.status !== 400) break
  }
  if (last?.ok && last.answer.status === 400) {
    verdicts.row('web_search', 'no', t('doctor.no', { status: 400 }), t('doctor.do.search_off'))
    verdicts.mark('web-search', false)
    return
  }
  const status = last?.ok ? last.answer.status : (last?.detail ?? '?')
  verdicts.row('web_search', 'failed', t('doctor.failed', { status }), t('doctor.do.unchanged'))
}

/** Reasoning summaries, with the model's lowest effort. */
export async function probeReasoningSummaries(client: ProbeClient, verdicts: Verdicts): Promise<void> {
  const { model } = client
  const effort = model.reasoningEfforts[0]
  if (effort === undefined) return verdicts.modelLacks('reasoning', model.id)
  const sent = await client.ask({ store: false, reasoning: { effort, summary: 'auto' } })
  verdicts.judge(
    'reasoning',
    sent,
    (a) => client.refuses(a, 'reasoning.summary') || client.refuses(a, 'summary'),
    'doctor.do.summaries',
    'doctor.do.no_summaries',
  )
}

/** Image input: one transparent pixel. */
export async function probeImageInput(client: ProbeClient, verdicts: Verdicts): Promise<void> {
  const { model } = client
  if (!model.vision) return verdicts.modelLacks('images', model.id)
  const content = [
    { type: 'input_text', text: PROBE_PROMPT },
    { type: 'input_image', image_url: TINY_PNG, detail: 'low' },
  ]
  const sent = await client.ask({ store: false, input: [{ role: 'user', content }] })
  verdicts.judge('images', sent, (a) => a.status === 400, 'doctor.do.images', 'doctor.do.no_images')
}

/** The `x-ratelimit-*` headers of the first answer, if any (nothing is sent). */
export function readRateLimits(verdicts: Verdicts, headers: Answer['headers']): void {
  const { t } = verdicts
  const limits = Object.entries(headers)
    .filter(([name]) => name.toLowerCase().startsWith('x-ratelimit-'))
    .map(([name, value]) => `${name.toLowerCase().slice('x-ratelimit-'.length)} ${String(value)}`)
  const found = limits.length > 0
  verdicts.row(
    'rate_limits',
    found ? 'yes' : 'no',
    found ? limits.join(', ') : t('doctor.none'),
    t('doctor.do.rate_limits'),
  )
}
