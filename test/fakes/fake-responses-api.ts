import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ResponseObject, StreamEvent } from '../../src/core/responses/events.ts'
import { audioContainer } from './audio.ts'
import { toSseFrames } from './fake-responses-transcripts.ts'
import { encodePng } from './png.ts'

/**
 * A fake OpenAI Responses API: a real HTTP server on 127.0.0.1 (port 0) under `/v1`. It records every
 * request and answers `POST /v1/responses` from scripts queued with `enqueue` (or chosen by `route`).
 * Background requests become runs that progress when the test says so (`advanceBackground`) or on a
 * timer (`stepMs`), and can be polled, resumed from a sequence number and cancelled. A `background`
 * script answering a plain streamed request is a foreground run: the same live progress on the
 * request's own stream, nothing to look up or cancel by id, and it goes on when the stream closes.
 *
 * @example
 *   const fake = await startFakeResponsesApi()
 *   fake.enqueue(rateLimited({ retryAfter: '3' }), sse(textAnswer('Hello world')))
 *   const client = createResponsesClient({ baseUrl: fake.url, apiKey: 'sk-test' })
 */
export type Script =
  | {
      kind: 'sse'
      events: readonly object[]
      /** false: `data:` lines only, as some relays send. */
      eventLines?: boolean
      /** Adds a `data: [DONE]` trailer. */
      done?: boolean
      /** Real milliseconds between frames. */
      delayMs?: number
      /** Sends this many frames, then keeps the connection open and silent. */
      stallAfter?: number
      /** Sends this many frames, then destroys the socket. */
      cutAfter?: number
      /** More response headers (e.g. `x-ratelimit-remaining-requests`). */
      headers?: Record<string, string>
    }
  /** Raw chunks written as an event stream, one by one (malformed lines, odd framing, recorded bytes). */
  | { kind: 'raw'; chunks: readonly (string | Uint8Array)[]; delayMs?: number }
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'text'; status: number; body: string; contentType?: string; headers?: Record<string, string> }
  /** Never answers. */
  | { kind: 'hang' }
  /** A background run (or foreground, for a request without `background`): these events are published over time; see `advanceBackground`. */
  | { kind: 'background'; events: readonly StreamEvent[]; stepMs?: number }

export interface RecordedRequest {
  method: string
  /** Path with query, e.g. `/v1/responses/resp_1?stream=true&starting_after=3`. */
  path: string
  pathname: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  /** Parsed JSON body (or a multipart body's text fields), or undefined. */
  body: Record<string, unknown> | undefined
  /** A multipart body's files. */
  files: { field: string; name: string; type: string; bytes: Uint8Array }[]
  /** When the answer was fully written (real ms); unset while it runs or if it was cut. */
  endedAt?: number
}

/**
 * Switches for the limits real relays have, each off by default (the fake then behaves like OpenAI).
 * A refused parameter is answered the way relays do: HTTP 400 `unsupported_parameter` naming it.
 */
export interface FakeResponsesApiOptions {
  /** Answer 400 to a `previous_response_id`, as stateless relays do. */
  rejectPreviousResponseId?: boolean
  /** Answer 400 `unsupported_parameter` (param `background`) to `background: true`. */
  rejectBackground?: boolean
  /** false: background POSTs answer JSON even with `stream: true`, and stream resume is refused. */
  backgroundStreaming?: boolean
  /** `GET /responses/{id}` (polling and stream resume) answers 404, as on relays without the route. */
  noRetrieve?: boolean
  /** `POST /responses/{id}/cancel` answers 404. */
  noCancel?: boolean
  /** Answer 400 to a request with the hosted `image_generation` tool, as relays without it do. */
  rejectImageTool?: boolean
  /** Answer 400 to `store: true`. */
  rejectStore?: boolean
  /** Answer 400 to `reasoning.summary`. */
  rejectReasoningSummary?: boolean
  /** Answer 400 to any `input_image` content. */
  rejectImageInput?: boolean
  /** The hosted tool types accepted (others get 400); default: every type. */
  toolTypes?: readonly string[]
  /** Default `eventLines` of `sse` scripts: false sends `data:` lines only. */
  eventLines?: boolean
  /** Default `done` of `sse` scripts: a `data: [DONE]` trailer. */
  done?: boolean
  /** An SSE comment written first in every stream (e.g. `OPENROUTER PROCESSING`). */
  comment?: string
  /** Extra headers on every answer to `POST /responses` (e.g. `x-ratelimit-*`). */
  headers?: Record<string, string>
  /** When set, any other bearer token is answered 401. */
  apiKey?: string
}

export interface BackgroundRun {
  readonly id: string
  readonly events: readonly StreamEvent[]
  /** How many events are published so far. */
  published: number
  /** The Response object `GET /responses/{id}` answers now. */
  response: ResponseObject
}

export interface FakeResponsesApi {
  /** Base URL ending in /v1. */
  readonly url: string
  /** The same server without /v1 (for misconfigured base URL tests). */
  readonly origin: string
  readonly requests: RecordedRequest[]
  options: FakeResponsesApiOptions
  /** Scripts for the next `POST /v1/responses`, in order. */
  enqueue(...scripts: Script[]): void
  /**
   * Scripts for the next calls of another endpoint (`/v1/images/generations`,
   * `/v1/audio/transcriptions`, `/v1/audio/speech`), in order, after the endpoint's checks;
   * without one, each answers a plausible default (a real PNG, a transcript, OGG bytes).
   */
  enqueueFor(pathname: MediaPath, ...scripts: Script[]): void
  /** Chooses the script for a request before the queue is consulted (return undefined to fall through). */
  route: ((req: RecordedRequest) => Script | undefined) | undefined
  waitForRequests(count: number): Promise<void>
  background(id: string): BackgroundRun
  /** Publishes the next `steps` events of a background run. */
  advanceBackground(id: string, steps?: number): void
  /** Publishes every remaining event of a background run. */
  finishBackground(id: string): void
  /** Cuts every open stream of a run (a dropped connection); the run itself goes on. */
  dropStreams(id: string): void
  close(): Promise<void>
}

export type MediaPath = '/v1/images/generations' | '/v1/audio/transcriptions' | '/v1/audio/speech'

/** Sizes and qualities the image models take (`auto` lets the model choose). */
export const IMAGE_SIZES = ['1024x1024', '1024x1536', '1536x1024', 'auto']
export const IMAGE_QUALITIES = ['low', 'medium', 'high', 'auto']
/** What `/v1/audio/transcriptions` accepts, by OpenAI's own list. */
export const AUDIO_FORMATS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']
/** Characters `/v1/audio/speech` takes in one `input`. */
export const SPEECH_INPUT_LIMIT = 4096

/** A `/v1/images/generations` answer with this picture. */
export const imageResult = (png: Uint8Array, options: { revisedPrompt?: string } = {}): Script => ({
  kind: 'json',
  body: {
    created: 1_700_000_000,
    data: [
      {
        b64_json: Buffer.from(png).toString('base64'),
        ...(options.revisedPrompt ? { revised_prompt: options.revisedPrompt } : {}),
      },
    ],
    usage: {
      input_tokens: 20,
      input_tokens_details: { text_tokens: 20, image_tokens: 0 },
      output_tokens: 272,
      total_tokens: 292,
    },
  },
})

/** A `/v1/audio/transcriptions` answer (the JSON format, with the token usage the gpt-4o models report). */
export const transcript = (text: string): Script => ({
  kind: 'json',
  body: {
    text,
    usage: { type: 'tokens', input_tokens: 40, output_tokens: 12, total_tokens: 52 },
  },
})

// Helpers for scripts.

export const sse = (
  events: readonly object[],
  options: Omit<Extract<Script, { kind: 'sse' }>, 'kind' | 'events'> = {},
): Script => ({
  kind: 'sse',
  events,
  ...options,
})

export const apiError = (
  status: number,
  error: Record<string, unknown>,
  headers: Record<string, string> = {},
): Script => ({
  kind: 'json',
  status,
  body: { error: { message: '', type: null, param: null, code: null, ...error } },
  headers,
})

export const rateLimited = (retry: { retryAfter?: string; retryAfterMs?: string } = {}): Script =>
  apiError(
    429,
    {
      message: 'Rate limit reached for gpt-test in organization org-1 on requests per min (RPM).',
      type: 'requests',
      code: 'rate_limit_exceeded',
    },
    {
      ...(retry.retryAfter ? { 'retry-after': retry.retryAfter } : {}),
      ...(retry.retryAfterMs ? { 'retry-after-ms': retry.retryAfterMs } : {}),
    },
  )

export const quotaExceeded = (): Script =>
  apiError(429, {
    message: 'You exceeded your current quota, please check your plan and billing details.',
    type: 'insufficient_quota',
    code: 'insufficient_quota',
  })

export const serverError = (status = 500): Script =>
  apiError(status, {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
  })

export const modelNotFound = (model: string): Script =>
  apiError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    type: 'invalid_request_error',
    code: 'model_not_found',
  })

const MEDIA_PATHS: readonly MediaPath[] = [
  '/v1/images/generations',
  '/v1/audio/transcriptions',
  '/v1/audio/speech',
]

/** JSON, or multipart form data (text fields into `body`, files apart), as the endpoints take them. */
async function parseBody(raw: Buffer, type: string): Promise<Pick<RecordedRequest, 'body' | 'files'>> {
  if (raw.length === 0) return { body: undefined, files: [] }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } })
      .formData()
      .catch(() => undefined)
    if (!form) return { body: undefined, files: [] }
    const body: Record<string, unknown> = {}
    const files: RecordedRequest['files'] = []
    for (const [field, value] of form) {
      if (typeof value === 'string') body[field] = value
      else
        files.push({
          field,
          name: value.name,
          type: value.type,
          bytes: new Uint8Array(await value.arrayBuffer()),
        })
    }
    return { body, files }
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] }
  } catch {
    return { body: undefined, files: [] }
  }
}

const TERMINAL = new Set(['response.completed', 'response.failed', 'response.incomplete'])
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function startFakeResponsesApi(
  options: FakeResponsesApiOptions = {},
): Promise<FakeResponsesApi> {
  const requests: RecordedRequest[] = []
  const queue: Script[] = []
  const runs = new Map<
    string,
    BackgroundRun & { listeners: Set<ServerResponse>; timer?: NodeJS.Timeout; foreground: boolean }
  >()
  /** Finished foreground responses sent with `store` not false: `GET /responses/{id}` answers them. */
  const stored = new Map<string, ResponseObject>()
  const waiters: (() => void)[] = []
  const mediaQueues = new Map<MediaPath, Script[]>()

  const write = (res: ServerResponse, text: string | Uint8Array) =>
    new Promise<void>((resolve) => {
      if (res.destroyed) return resolve()
      res.write(text, () => resolve())
    })

  const sendJson = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  const badRequest = (
    res: ServerResponse,
    message: string,
    param: string | null = null,
    code: string | null = null,
  ) => sendJson(res, 400, { error: { message, type: 'invalid_request_error', param, code } })

  const unsupported = (res: ServerResponse, param: string) =>
    badRequest(res, `Unsupported parameter: '${param}'.`, param, 'unsupported_parameter')

  const invalidUrl = (res: ServerResponse, recorded: RecordedRequest) =>
    sendJson(res, 404, {
      error: {
        message: `Invalid URL (${recorded.method} ${recorded.pathname})`,
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    })

  /** The first relay limit this request runs into, as the param it names. */
  const refusedParam = (body: Record<string, unknown> | undefined): string | undefined => {
    const o = fake.options
    if (!body) return undefined
    if (o.rejectPreviousResponseId && body.previous_response_id !== undefined) return 'previous_response_id'
    if (o.rejectBackground && body.background === true) return 'background'
    if (o.rejectStore && body.store === true) return 'store'
    const reasoning = body.reasoning as { summary?: unknown } | undefined
    if (o.rejectReasoningSummary && reasoning?.summary !== undefined) return 'reasoning.summary'
    if (o.rejectImageInput && JSON.stringify(body.input ?? '').includes('"input_image"')) return 'input_image'
    const tools = Array.isArray(body.tools) ? (body.tools as { type?: string }[]) : []
    const accepted = (type: string) =>
      type === 'function' || o.toolTypes === undefined || o.toolTypes.includes(type)
    const refusedTool = tools.find((t) => !accepted(String(t.type)))
    return refusedTool ? `tools.${String(refusedTool.type)}` : undefined
  }

  const startStream = (res: ServerResponse, headers: Record<string, string> = {}) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...headers,
    })
    res.flushHeaders()
    if (fake.options.comment !== undefined) res.write(`: ${fake.options.comment}\n\n`)
  }

  async function play(res: ServerResponse, script: Script): Promise<void> {
    switch (script.kind) {
      case 'json':
        return sendJson(res, script.status ?? 200, script.body, script.headers)
      case 'text':
        res.writeHead(script.status, { 'content-type': script.contentType ?? 'text/html', ...script.headers })
        return void res.end(script.body)
      case 'hang':
        return
      case 'raw':
        startStream(res)
        for (const chunk of script.chunks) {
          if (script.delayMs) await sleep(script.delayMs)
          await write(res, chunk)
        }
        return void res.end()
      case 'sse': {
        startStream(res, script.headers)
        const frames = toSseFrames(script.events, {
          eventLines: script.eventLines ?? fake.options.eventLines ?? true,
          done: script.done ?? fake.options.done ?? false,
        })
        for (const [i, frame] of frames.entries()) {
          if (i === script.stallAfter) return
          if (i === script.cutAfter) return void res.socket?.destroy()
          if (script.delayMs && i > 0) await sleep(script.delayMs)
          await write(res, frame)
        }
        if (script.stallAfter === frames.length) return
        if (script.cutAfter === frames.length) return void res.socket?.destroy()
        return void res.end()
      }
      case 'background':
        throw new Error('a background script answers only a request with background: true')
    }
  }

  function remember(events: readonly object[]) {
    const last = events.findLast((e) => TERMINAL.has((e as { type?: string }).type ?? ''))
    const response = (last as { response?: ResponseObject } | undefined)?.response
    if (response?.id) stored.set(response.id, structuredClone(response))
  }

  // Background runs.

  const runOf = (id: string) => {
    const run = runs.get(id)
    if (!run) throw new Error(`no background run ${id}`)
    return run
  }

  const isOver = (run: BackgroundRun) =>
    ['completed', 'failed', 'incomplete', 'cancelled'].includes(run.response.status)

  function publish(
    run: BackgroundRun & { listeners: Set<ServerResponse>; timer?: NodeJS.Timeout },
    steps: number,
  ) {
    for (let i = 0; i < steps && run.published < run.events.length && !isOver(run); i++) {
      const event = run.events[run.published++]!
      if ('response' in event) run.response = structuredClone({ ...event.response, background: true })
      else if (event.type === 'response.output_item.done')
        run.response.output[event.output_index] = structuredClone(event.item)
      const [frame] = toSseFrames([event])
      for (const listener of run.listeners) void write(listener, frame!)
      if (TERMINAL.has(event.type)) endListeners(run)
    }
  }

  function endListeners(run: BackgroundRun & { listeners: Set<ServerResponse>; timer?: NodeJS.Timeout }) {
    for (const listener of run.listeners) listener.end()
    run.listeners.clear()
    clearInterval(run.timer)
  }

  function createRun(script: Script, res: ServerResponse, stream: boolean, foreground = false) {
    if (script.kind !== 'background' && script.kind !== 'sse') return play(res, script)
    const events = script.events as StreamEvent[]
    const first = events[0]
    if (!first || !('response' in first))
      throw new Error('a background transcript starts with response.created')
    const run = {
      id: first.response.id,
      events,
      published: 0,
      response: first.response,
      listeners: new Set<ServerResponse>(),
      foreground,
    }
    runs.set(run.id, run)
    const queuedAt = events.findIndex((e) => e.type === 'response.queued')
    publish(run, queuedAt >= 0 ? queuedAt + 1 : 1)
    if (script.kind === 'background' && script.stepMs) {
      ;(run as { timer?: NodeJS.Timeout }).timer = setInterval(() => publish(run, 1), script.stepMs)
    }
    if (stream) return replay(run, -1, res)
    sendJson(res, 200, run.response)
  }

  function replay(
    run: BackgroundRun & { listeners: Set<ServerResponse> },
    after: number,
    res: ServerResponse,
  ) {
    startStream(res)
    const sent = run.events.slice(0, run.published).filter((e) => e.sequence_number > after)
    for (const frame of toSseFrames(sent)) void write(res, frame)
    if (isOver(run)) return void res.end()
    run.listeners.add(res)
    res.on('close', () => run.listeners.delete(res))
  }

  /** The media endpoints: their own checks first, then a queued script or a plausible default. */
  async function media(res: ServerResponse, recorded: RecordedRequest, path: MediaPath): Promise<void> {
    const body = recorded.body ?? {}
    const queued = mediaQueues.get(path)?.shift()
    switch (path) {
      case '/v1/images/generations': {
        if (typeof body.prompt !== 'string' || body.prompt === '')
          return badRequest(res, "Missing required parameter: 'prompt'.", 'prompt')
        if (body.size !== undefined && !IMAGE_SIZES.includes(String(body.size)))
          return badRequest(
            res,
            `Invalid value: '${String(body.size)}'. Supported values are: ${IMAGE_SIZES.map((v) => `'${v}'`).join(', ')}.`,
            'size',
          )
        if (body.quality !== undefined && !IMAGE_QUALITIES.includes(String(body.quality)))
          return badRequest(
            res,
            `Invalid value: '${String(body.quality)}'. Supported values are: ${IMAGE_QUALITIES.map((v) => `'${v}'`).join(', ')}.`,
            'quality',
          )
        return play(res, queued ?? imageResult(encodePng(16, 16, () => [200, 60, 40])))
      }
      case '/v1/audio/transcriptions': {
        const file = recorded.files.find((f) => f.field === 'file')
        if (!file) return badRequest(res, "Missing required parameter: 'file'.", 'file')
        if (typeof body.model !== 'string')
          return badRequest(res, "Missing required parameter: 'model'.", 'model')
        const extension = file.name.split('.').at(-1)?.toLowerCase() ?? ''
        const container = audioContainer(file.bytes)
        const fits =
          container !== undefined &&
          (extension === container ||
            (container === 'ogg' && extension === 'oga') ||
            (container === 'mp4' && ['m4a', 'mp4'].includes(extension)) ||
            (container === 'mp3' && ['mpeg', 'mpga'].includes(extension)))
        if (!AUDIO_FORMATS.includes(extension) || !fits) {
          return sendJson(res, 400, {
            error: {
              message: `Invalid file format. Supported formats: ${JSON.stringify(AUDIO_FORMATS)}`,
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_value',
            },
          })
        }
        return play(res, queued ?? transcript('Hello from a voice note.'))
      }
      case '/v1/audio/speech': {
        if (typeof body.input !== 'string' || body.input === '')
          return badRequest(res, "Missing required parameter: 'input'.", 'input')
        if (body.input.length > SPEECH_INPUT_LIMIT)
          return badRequest(res, `'input' is too long: at most ${SPEECH_INPUT_LIMIT} characters.`, 'input')
        if (queued) return play(res, queued)
        res.writeHead(200, { 'content-type': body.response_format === 'opus' ? 'audio/ogg' : 'audio/mpeg' })
        // An Ogg page header and the spoken text: enough for tests to tell what was said.
        return void res.end(Buffer.concat([Buffer.from('OggS\0\x02'), Buffer.from(body.input, 'utf8')]))
      }
    }
  }

  async function handle(res: ServerResponse, recorded: RecordedRequest) {
    const { method, pathname, query, body } = recorded
    if (!pathname.startsWith('/v1/')) {
      res.writeHead(404, { 'content-type': 'text/html' })
      return void res.end('<html><body><h1>404 Not Found</h1></body></html>')
    }
    const key = fake.options.apiKey
    if (key !== undefined && recorded.headers.authorization !== `Bearer ${key}`) {
      return sendJson(res, 401, {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      })
    }
    if (method === 'POST' && MEDIA_PATHS.includes(pathname as MediaPath)) {
      return media(res, recorded, pathname as MediaPath)
    }
    if (method === 'POST' && pathname === '/v1/responses') {
      for (const [name, value] of Object.entries(fake.options.headers ?? {})) res.setHeader(name, value)
      const tools = Array.isArray(body?.tools) ? (body.tools as { type?: unknown }[]) : []
      if (fake.options.rejectImageTool && tools.some((tool) => tool.type === 'image_generation')) {
        return badRequest(
          res,
          "Invalid value: 'image_generation'. Supported values are: 'function', 'web_search'.",
          'tools[0].type',
        )
      }
      const refused = refusedParam(body)
      if (refused === 'previous_response_id')
        return badRequest(res, 'previous_response_id is not supported by this endpoint', refused)
      if (refused !== undefined) return unsupported(res, refused)
      const script = fake.route?.(recorded) ?? queue.shift()
      if (!script)
        return sendJson(res, 500, { error: { message: 'fake: no script queued', type: 'server_error' } })
      if (body?.background === true) {
        const streaming = body.stream === true && fake.options.backgroundStreaming !== false
        return createRun(script, res, streaming)
      }
      if (script.kind === 'background') return createRun(script, res, true, true)
      if (script.kind === 'sse' && body?.store !== false) remember(script.events)
      return play(res, script)
    }
    const match = /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(pathname)
    if (match && (match[2] ? fake.options.noCancel : fake.options.noRetrieve))
      return invalidUrl(res, recorded)
    const run = match ? runs.get(decodeURIComponent(match[1]!)) : undefined
    const kept = match && !run ? stored.get(decodeURIComponent(match[1]!)) : undefined
    if (match && kept) {
      if (method === 'POST')
        return badRequest(res, 'Only responses created with background mode can be cancelled.')
      return sendJson(res, 200, kept)
    }
    // A foreground run lives on its own stream only: nothing to look up or cancel by id.
    if (!match || !run || run.foreground) {
      const id = match?.[1] ?? pathname
      return sendJson(res, 404, {
        error: {
          message: `Response with id '${id}' not found.`,
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      })
    }
    if (method === 'POST' && match[2]) {
      if (isOver(run))
        return badRequest(res, `Cannot cancel a response with status '${run.response.status}'.`)
      run.response = { ...run.response, status: 'cancelled' }
      endListeners(run)
      return sendJson(res, 200, run.response)
    }
    if (method !== 'GET') return sendJson(res, 405, { error: { message: 'method not allowed' } })
    if (query.get('stream') !== 'true') return sendJson(res, 200, run.response)
    if (fake.options.backgroundStreaming === false)
      return badRequest(res, 'streaming is not supported for this response', 'stream')
    replay(run, Number(query.get('starting_after') ?? -1), res)
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const { body, files } = await parseBody(Buffer.concat(chunks), req.headers['content-type'] ?? '')
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        pathname: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        files,
      }
      requests.push(recorded)
      res.on('finish', () => {
        recorded.endedAt = Date.now()
      })
      for (const wake of waiters.splice(0)) wake()
      handle(res, recorded).catch((error: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { error: { message: `fake: ${String(error)}`, type: 'server_error' } })
        else res.destroy()
      })
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  let closing: Promise<void> | undefined

  const fake: FakeResponsesApi = {
    url: `${origin}/v1`,
    origin,
    requests,
    options: { backgroundStreaming: true, ...options },
    route: undefined,
    enqueue: (...scripts) => void queue.push(...scripts),
    enqueueFor(pathname, ...scripts) {
      const list = mediaQueues.get(pathname) ?? []
      list.push(...scripts)
      mediaQueues.set(pathname, list)
    },
    async waitForRequests(count) {
      while (requests.length < count) await new Promise<void>((resolve) => waiters.push(resolve))
    },
    background: (id) => runOf(id),
    advanceBackground: (id, steps = 1) => publish(runOf(id), steps),
    finishBackground: (id) => publish(runOf(id), Number.POSITIVE_INFINITY),
    dropStreams(id) {
      const run = runOf(id)
      for (const listener of run.listeners) listener.socket?.destroy()
      run.listeners.clear()
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const run of runs.values()) clearInterval(run.timer)
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
  return fake
}
