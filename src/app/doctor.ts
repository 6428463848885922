import { type Dispatcher, request } from 'undici'
import type { Translate } from '../core/i18n/i18n.ts'
import { UpstreamError } from '../core/responses/errors.ts'
import type { EndpointProfile } from '../core/state/endpoint-profile.ts'
import type { ModelInfo } from '../core/state/models.ts'
import { PROBE_OUTPUT_TOKENS } from './doctor-cost.ts'
import { dialectOf, foldStream, idOf, wholeAnswer } from './doctor-stream.ts'

/**
 * `npm run doctor`: what does the configured endpoint support? Each row is probed with the
 * smallest request that can tell (a few tokens of the default model, never the deep-research
 * model), read raw so the stream's dialect shows, and ends in what Herald will do about it. The
 * results are saved in the endpoint profile, which `npm start` reads.
 *
 * @example
 *   const report = await probeEndpoint({ baseUrl, apiKey, model, profile, t })
 *   process.stdout.write(formatTable(report.rows, t))
 *   process.exit(report.answersWork ? 0 : 1)
 */
export type RowKey =
  | 'key'
  | 'v1'
  | 'streaming'
  | 'dialect'
  | 'previous'
  | 'store'
  | 'background'
  | 'retrieve'
  | 'cancel'
  | 'web_search'
  | 'reasoning'
  | 'images'
  | 'rate_limits'

export interface Row {
  key: RowKey
  /** `yes`/`no`: probed; `failed`: the probe could not tell; `skipped`: not probed. */
  verdict: 'yes' | 'no' | 'failed' | 'skipped'
  result: string
  action: string
}

export interface DoctorReport {
  rows: Row[]
  /** An ordinary streamed (or whole) answer came back: the exit code is 0. */
  answersWork: boolean
}

export interface ProbeOptions {
  /** OPENAI_BASE_URL, ending in /v1. */
  baseUrl: string
  apiKey: string
  /** The default model's registry entry: what to probe with, and which rows apply. */
  model: ModelInfo
  profile: EndpointProfile
  t: Translate
  /** Saves the results in `profile` (default true). */
  save?: boolean
  now?: () => number
  dispatcher?: Dispatcher
  /** Per request; default 60 s. */
  timeoutMs?: number
}

const PROBE_PROMPT = 'Reply with the word OK.'
/** A 1×1 transparent PNG. */
const TINY_PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

type Sent = { ok: true; answer: Answer } | { ok: false; detail: string }
type ProbedKey = 'previous' | 'background' | 'retrieve' | 'cancel' | 'reasoning' | 'images'
type MessageKey = Parameters<Translate>[0]

const LATER_ROWS: RowKey[] = [
  'previous',
  'background',
  'retrieve',
  'cancel',
  'web_search',
  'reasoning',
  'images',
  'rate_limits',
]

export function probeEndpoint(options: ProbeOptions): Promise<DoctorReport> {
  return new EndpointProbe(options).run()
}

/** One run of the doctor: each group of rows is a method, in the order they are probed. */
class EndpointProbe {
  private readonly rows: Row[] = []
  /** Writes wait for the end, so an interrupted probe saves nothing half-way. */
  private readonly saves: (() => Promise<void>)[] = []
  private readonly base: string
  private readonly t: Translate
  private readonly options: ProbeOptions
  private storeRefused = false

  constructor(options: ProbeOptions) {
    this.options = options
    this.base = options.baseUrl.replace(/\/+$/, '')
    this.t = options.t
  }

  async run(): Promise<DoctorReport> {
    const first = await this.ordinaryAnswer()
    if (!first) {
      this.skip(LATER_ROWS, this.t('doctor.do.unchanged'))
      return this.finish(false)
    }
    await this.serverState(first.responseId)
    await this.backgroundRuns(first.responseId)
    await this.webSearch()
    await this.reasoningSummaries()
    await this.imageInput()
    this.rateLimits(first.headers)
    return this.finish(true)
  }

  /** Key, /v1, streaming, dialect and store, from one ordinary streamed answer; undefined when it failed. */
  private async ordinaryAnswer(): Promise<{ responseId?: string; headers: Answer['headers'] } | undefined> {
    const { t } = this
    const unchanged = t('doctor.do.unchanged')
    let sent = await this.ask({ store: true })
    if (sent.ok && this.refuses(sent.answer, 'store')) {
      this.storeRefused = true
      sent = await this.ask({ store: false })
    }
    if (!sent.ok) {
      const line = t('errors.network')
      this.row(
        'key',
        'failed',
        t('doctor.unreachable', { detail: sent.detail }),
        t('doctor.do.fix', { line }),
      )
      this.skip(['v1', 'streaming', 'dialect', 'store'], unchanged)
      return undefined
    }
    const opened = sent.answer
    if (opened.status >= 400) {
      this.refusedAnswer(opened)
      this.skip(['streaming', 'dialect', 'store'], unchanged)
      return undefined
    }
    const streamed = !String(opened.headers['content-type'] ?? '').includes('json')
    const state = streamed ? foldStream(opened.text) : wholeAnswer(opened.text)
    const answered = state !== undefined && state.status !== 'failed'
    const code = state?.error?.code ?? ''
    const kind = /quota/.test(code) ? 'quota' : /rate_limit/.test(code) ? 'rate_limited' : 'server'
    const works = answered ? t('doctor.do.answers') : t('doctor.do.fix', { line: t(`errors.${kind}`) })
    this.row('key', 'yes', t('doctor.yes'), works)
    this.row('v1', 'yes', t('doctor.yes'), t('doctor.do.base', { base: this.base }))
    this.row(
      'streaming',
      streamed ? 'yes' : 'no',
      streamed ? t('doctor.yes') : t('doctor.no', { status: 200 }),
      t(streamed ? 'doctor.do.stream' : 'doctor.do.whole'),
    )
    if (streamed) this.row('dialect', 'yes', dialectOf(opened.text, t), t('doctor.do.dialect'))
    else this.skip(['dialect'], unchanged)
    this.row(
      'store',
      this.storeRefused ? 'no' : 'yes',
      this.storeRefused ? t('doctor.no', { status: 400 }) : t('doctor.yes'),
      t(this.storeRefused ? 'doctor.do.local_history' : 'doctor.do.store'),
    )
    if (!answered) return undefined
    return state.responseId === undefined
      ? { headers: opened.headers }
      : { responseId: state.responseId, headers: opened.headers }
  }

  /** The first answer was refused: a missing /v1, a refused key, or another error, with what to do. */
  private refusedAnswer(opened: Answer): void {
    const { t } = this
    const error = this.errorOf(opened)
    const unchanged = t('doctor.do.unchanged')
    if (opened.status === 404 && (error.kind === 'not_found_base_url' || error.htmlPage === true)) {
      this.skip(['key'], unchanged)
      this.row('v1', 'no', t('doctor.no', { status: 404 }), t('doctor.do.base_fix'))
      return
    }
    const refused = error.kind === 'auth'
    this.row(
      'key',
      refused ? 'no' : 'failed',
      t(refused ? 'doctor.no' : 'doctor.failed', { status: opened.status }),
      t('doctor.do.fix', { line: t(`errors.${error.kind}`) }),
    )
    this.skip(['v1'], unchanged)
  }

  /** Conversations kept by the endpoint: `previous_response_id` on the first answer. */
  private async serverState(responseId: string | undefined): Promise<void> {
    if (this.storeRefused || responseId === undefined) {
      this.skip(['previous'], this.t('doctor.do.local_history'))
    } else {
      const next = await this.ask({ store: true, previous_response_id: responseId })
      this.judge(
        'previous',
        next,
        (a) => this.refuses(a, 'previous_response_id') || a.status === 404,
        'doctor.do.server_state',
        'doctor.do.local_history',
      )
    }
    const previous = this.rows.find((r) => r.key === 'previous')?.verdict
    const { profile } = this.options
    if (this.storeRefused || previous === 'no') this.saves.push(() => profile.markUnsupported('server-state'))
    else if (previous === 'yes') this.saves.push(() => profile.markSupported('server-state'))
  }

  /** Background mode, then retrieval and cancel on the queued run (cancelled at once: it costs next to nothing). */
  private async backgroundRuns(responseId: string | undefined): Promise<void> {
    const { t } = this
    let runId = responseId
    if (!this.options.model.background) {
      this.skip(['background'], t('doctor.do.model_lacks', { model: this.options.model.id }))
    } else {
      const background = await this.ask({ store: true, background: true }, false)
      this.judge(
        'background',
        background,
        (a) => this.refuses(a, 'background') || a.status === 404 || a.status === 405,
        'doctor.do.background',
        'doctor.do.foreground',
      )
      if (background.ok && background.answer.status === 200) runId = idOf(background.answer.text) ?? runId
    }
    if (runId === undefined) return this.skip(['retrieve', 'cancel'], t('doctor.do.unchanged'))
    const path = `/responses/${encodeURIComponent(runId)}`
    const missing = (a: Answer) => a.status === 404 || a.status === 405
    this.judge('retrieve', await this.send('GET', path), missing, 'doctor.do.resume', 'doctor.do.follow')
    // A 400 "cannot cancel a completed response" still proves the route exists.
    const cancel = await this.send('POST', `${path}/cancel`)
    this.judge(
      'cancel',
      cancel,
      missing,
      'doctor.do.cancel',
      'doctor.do.cancel_close',
      (a) => a.status === 400,
    )
  }

  /** The web search tool's name, then the preview name relays often keep. */
  private async webSearch(): Promise<void> {
    const { t } = this
    const { model, profile } = this.options
    if (!model.webSearch) return this.skip(['web_search'], t('doctor.do.model_lacks', { model: model.id }))
    let last: Sent | undefined
    for (const tool of ['web_search', 'web_search_preview'] as const) {
      last = await this.ask({ store: false, tools: [{ type: tool }] })
      if (last.ok && last.answer.status === 200) {
        this.row('web_search', 'yes', tool, t('doctor.do.search_tool', { tool }))
        this.saves.push(
          () => profile.markSupported('web-search'),
          () => profile.setWebSearchTool(tool),
        )
        return
      }
      if (!last.ok || last.answer.status !== 400) break
    }
    if (last?.ok && last.answer.status === 400) {
      this.row('web_search', 'no', t('doctor.no', { status: 400 }), t('doctor.do.search_off'))
      this.saves.push(() => profile.markUnsupported('web-search'))
      return
    }
    const status = last?.ok ? last.answer.status : (last?.detail ?? '?')
    this.row('web_search', 'failed', t('doctor.failed', { status }), t('doctor.do.unchanged'))
  }

  /** Reasoning summaries, with the model's lowest effort. */
  private async reasoningSummaries(): Promise<void> {
    const { model } = this.options
    const effort = model.reasoningEfforts[0]
    if (effort === undefined)
      return this.skip(['reasoning'], this.t('doctor.do.model_lacks', { model: model.id }))
    const sent = await this.ask({ store: false, reasoning: { effort, summary: 'auto' } })
    this.judge(
      'reasoning',
      sent,
      (a) => this.refuses(a, 'reasoning.summary') || this.refuses(a, 'summary'),
      'doctor.do.summaries',
      'doctor.do.no_summaries',
    )
  }

  /** Image input: one transparent pixel. */
  private async imageInput(): Promise<void> {
    const { model } = this.options
    if (!model.vision) return this.skip(['images'], this.t('doctor.do.model_lacks', { model: model.id }))
    const content = [
      { type: 'input_text', text: PROBE_PROMPT },
      { type: 'input_image', image_url: TINY_PNG, detail: 'low' },
    ]
    const sent = await this.ask({ store: false, input: [{ role: 'user', content }] })
    this.judge('images', sent, (a) => a.status === 400, 'doctor.do.images', 'doctor.do.no_images')
  }

  /** The `x-ratelimit-*` headers of the first answer, if any. */
  private rateLimits(headers: Answer['headers']): void {
    const limits = Object.entries(headers)
      .filter(([name]) => name.toLowerCase().startsWith('x-ratelimit-'))
      .map(([name, value]) => `${name.toLowerCase().slice('x-ratelimit-'.length)} ${String(value)}`)
    const found = limits.length > 0
    this.row(
      'rate_limits',
      found ? 'yes' : 'no',
      found ? limits.join(', ') : this.t('doctor.none'),
      this.t('doctor.do.rate_limits'),
    )
  }

  /**
   * One probed row: `refused` answers mean the capability is missing (flag set), a 2xx (or what
   * `alsoWorks` accepts) means it works (flag cleared), anything else tells nothing.
   */
  private judge(
    key: ProbedKey,
    sent: Sent,
    refused: (answer: Answer) => boolean,
    works: MessageKey,
    lacks: MessageKey,
    alsoWorks: (answer: Answer) => boolean = () => false,
  ): void {
    const { t } = this
    const { profile } = this.options
    const capability = CAPABILITY_OF[key]
    if (!sent.ok) {
      this.row(key, 'failed', t('doctor.unreachable', { detail: sent.detail }), t('doctor.do.unchanged'))
      return
    }
    const { status } = sent.answer
    if (status < 300 || alsoWorks(sent.answer)) {
      this.row(key, 'yes', t('doctor.yes'), t(works))
      if (capability) this.saves.push(() => profile.markSupported(capability))
    } else if (refused(sent.answer)) {
      this.row(key, 'no', t('doctor.no', { status }), t(lacks))
      if (capability) this.saves.push(() => profile.markUnsupported(capability))
    } else {
      this.row(key, 'failed', t('doctor.failed', { status }), t('doctor.do.unchanged'))
    }
  }

  private async finish(answersWork: boolean): Promise<DoctorReport> {
    const { profile } = this.options
    if (this.options.save !== false && this.rows.some((r) => r.verdict === 'yes' || r.verdict === 'no')) {
      for (const save of this.saves) await save()
      await profile.markChecked((this.options.now ?? Date.now)())
    }
    return { rows: this.rows, answersWork }
  }

  private row(key: RowKey, verdict: Row['verdict'], result: string, action: string): void {
    this.rows.push({ key, verdict, result, action })
  }

  private skip(keys: RowKey[], action: string): void {
    for (const key of keys) this.row(key, 'skipped', this.t('doctor.not_probed'), action)
  }

  /** The smallest answer: a few words of the default model. */
  private ask(extra: object, stream = true): Promise<Sent> {
    return this.send('POST', '/responses', {
      model: this.options.model.id,
      input: PROBE_PROMPT,
      max_output_tokens: PROBE_OUTPUT_TOKENS,
      stream,
      ...extra,
    })
  }

  /** One call, read whole and raw (the dialect shows in the bytes); a failure to connect is not thrown. */
  private async send(method: 'GET' | 'POST', path: string, body?: object): Promise<Sent> {
    try {
      const response = await request(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'user-agent': 'herald-doctor',
          accept: 'text/event-stream, application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : null,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      })
      const text = await response.body.text()
      return { ok: true, answer: { status: response.statusCode, headers: response.headers, text } }
    } catch (error) {
      const code = (error as { code?: unknown }).code
      const detail = typeof code === 'string' ? code : String((error as Error).message ?? error)
      return { ok: false, detail }
    }
  }

  private errorOf(answer: Answer): UpstreamError {
    return UpstreamError.from(answer.status, answer.text, answer.headers, {
      baseUrl: this.options.baseUrl,
      secrets: [this.options.apiKey],
    })
  }

  /** A 400 that names `param`, as relays refuse what they do not support. */
  private refuses(answer: Answer, param: string): boolean {
    if (answer.status !== 400) return false
    const error = this.errorOf(answer)
    return error.param === param || new RegExp(param.replace('.', '\\.'), 'i').test(error.message)
  }
}

const CAPABILITY_OF = {
  previous: undefined,
  background: 'background',
  retrieve: 'retrieve',
  cancel: 'cancel',
  reasoning: 'reasoning-summary',
  images: 'image-input',
} as const
