import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ConfigError, InputError } from '../contracts/errors.ts'

/**
 * The registry of offered models: what each can serve (reasoning efforts, web search, images,
 * background, deep research) and its price. The default is src/models.json (its `description`
 * documents every field); an operator replaces it with MODELS_FILE.
 *
 * @example
 *   const models = loadModels(config.modelsFile)
 *   models.checkRequest('gpt-4o', { effort: 'high' })  // throws InputError('models.effort_unsupported')
 */

/**
 * USD per 1 million tokens, and per 1000 web-search calls; image models also price each picture
 * by quality and size (`perImage.medium['1024x1024']`), which is what the hosted image tool costs
 * on top of the answer's tokens.
 */
export interface ModelPrice {
  input: number
  cachedInput: number
  output: number
  webSearchPer1k: number
  perImage?: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Transcription models: USD per minute of audio. */
  perMinute?: number
  /** Speech models: USD per 1 million characters of text spoken. */
  perMillionChars?: number
}

/**
 * What a model is for: answering (`chat`, research included), drawing (`image`), listening
 * (`transcription`) or speaking (`speech`).
 */
export type ModelKind = 'chat' | 'image' | 'transcription' | 'speech'

export interface ModelInfo {
  id: string
  label: string
  kind: ModelKind
  /** `reasoning.effort` values it accepts (`minimal`/`low`/`medium`/`high`); empty: not a reasoning model. */
  reasoningEfforts: readonly string[]
  /** The effort used when the chat chose none; undefined for non-reasoning models. */
  defaultEffort: string | undefined
  webSearch: boolean
  vision: boolean
  background: boolean
  /** A deep-research model: only the research command uses it. */
  research: boolean
  /** Can call the hosted `image_generation` tool (the image drawn by the image model). */
  imageTool: boolean
  /** Reads PDFs given as `input_file`. */
  files: boolean
  price: ModelPrice
}

/** What a request asks of a model, checked before anything is sent. */
export interface ModelRequest {
  effort?: string | undefined
  webSearch?: boolean | undefined
  /** Number of images attached. */
  images?: number | undefined
  background?: boolean | undefined
}

export interface ModelRegistry {
  readonly models: readonly ModelInfo[]
  /** The model by id; a dated snapshot (`gpt-5-mini-2025-08-07`) finds its base model. */
  get(id: string): ModelInfo | undefined
  /** Models a chat may pick (research and image models excluded), in file order. */
  chatModels(): ModelInfo[]
  researchModels(): ModelInfo[]
  imageModels(): ModelInfo[]
  transcriptionModels(): ModelInfo[]
  speechModels(): ModelInfo[]
  /**
   * Refuses what the model cannot serve, with an InputError (`models.unknown`,
   * `models.effort_unsupported`, `models.search_unsupported`, `models.search_needs_effort`,
   * `models.images_unsupported`, `models.background_unsupported`, `models.research_needs_search`).
   */
  checkRequest(model: string, request: ModelRequest): ModelInfo
}

/** src/models.json, next to this folder. */
export const DEFAULT_MODELS_FILE = fileURLToPath(new URL('../../models.json', import.meta.url))

/** Reads and validates a registry file: a bad field is a ConfigError naming the file and the field. */
export function loadModels(path: string = DEFAULT_MODELS_FILE): ModelRegistry {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError('MODELS_FILE', `cannot read "${path}": ${(error as Error).message}`)
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new ConfigError('MODELS_FILE', `${path}: not valid JSON (${(error as Error).message})`)
  }
  return parseModels(data, path)
}

const MODEL_FIELDS = new Set([
  'id',
  'label',
  'kind',
  'reasoningEfforts',
  'defaultEffort',
  'webSearch',
  'vision',
  'background',
  'research',
  'imageTool',
  'files',
  'price',
])
const PRICE_FIELDS = ['input', 'cachedInput', 'output', 'webSearchPer1k'] as const
const EXTRA_PRICE_FIELDS = ['perImage', 'perMinute', 'perMillionChars']
const IMAGE_QUALITIES = ['low', 'medium', 'high'] as const

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Validates registry data already parsed from JSON; `source` names it in errors. */
export function parseModels(data: unknown, source: string): ModelRegistry {
  const fail = (field: string, expected: string, got?: unknown): never => {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)
    throw new ConfigError('MODELS_FILE', `${source}: ${field}: expected ${expected}, got ${shown}`)
  }
  if (!isObject(data)) return fail('(top level)', 'an object with a "models" array', data)
  for (const key of Object.keys(data)) {
    if (!['models', 'description', '$schema'].includes(key))
      fail(key, 'no such field (models, description)', key)
  }
  if (!Array.isArray(data.models) || data.models.length === 0) {
    return fail('models', 'a non-empty array', data.models)
  }
  const models: ModelInfo[] = []
  const seen = new Set<string>()
  for (const [i, entry] of (data.models as unknown[]).entries()) {
    const at = `models[${i}]`
    if (!isObject(entry)) return fail(at, 'an object', entry)
    for (const key of Object.keys(entry)) {
      if (!MODEL_FIELDS.has(key)) fail(`${at}.${key}`, `no such field (${[...MODEL_FIELDS].join(', ')})`, key)
    }
    const id = entry.id
    if (typeof id !== 'string' || id.trim() === '') return fail(`${at}.id`, 'a model name', id)
    if (seen.has(id)) fail(`${at}.id`, 'a name not listed before', id)
    seen.add(id)
    const label = entry.label ?? id
    if (typeof label !== 'string') fail(`${at}.label`, 'a string', label)
    const efforts = entry.reasoningEfforts
    if (!Array.isArray(efforts) || !efforts.every((e) => typeof e === 'string' && e !== '')) {
      return fail(
        `${at}.reasoningEfforts`,
        'an array of effort names ([] for a non-reasoning model)',
        efforts,
      )
    }
    let defaultEffort: string | undefined
    if (entry.defaultEffort !== undefined) {
      if (typeof entry.defaultEffort !== 'string' || !efforts.includes(entry.defaultEffort)) {
        fail(
          `${at}.defaultEffort`,
          `one of reasoningEfforts (${efforts.join(', ') || 'none'})`,
          entry.defaultEffort,
        )
      }
      defaultEffort = entry.defaultEffort as string
    } else if (efforts.length > 0) {
      defaultEffort = efforts.includes('medium') ? 'medium' : efforts[0]
    }
    const flag = (name: string): boolean => {
      const value = entry[name] ?? false
      if (typeof value !== 'boolean') fail(`${at}.${name}`, 'true or false', value)
      return value as boolean
    }
    const price = entry.price
    if (!isObject(price)) return fail(`${at}.price`, `an object with ${PRICE_FIELDS.join(', ')}`, price)
    for (const key of Object.keys(price)) {
      if (!(PRICE_FIELDS as readonly string[]).includes(key) && !EXTRA_PRICE_FIELDS.includes(key)) {
        fail(
          `${at}.price.${key}`,
          `no such field (${[...PRICE_FIELDS, ...EXTRA_PRICE_FIELDS].join(', ')})`,
          key,
        )
      }
    }
    const kind = entry.kind ?? 'chat'
    if (kind !== 'chat' && kind !== 'image' && kind !== 'transcription' && kind !== 'speech')
      fail(`${at}.kind`, 'chat, image, transcription or speech', kind)
    let perMinute: number | undefined
    if (kind === 'transcription') {
      const value = price.perMinute
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        fail(`${at}.price.perMinute`, 'a number of USD per minute >= 0', value)
      perMinute = value as number
    }
    let perMillionChars: number | undefined
    if (kind === 'speech') {
      const value = price.perMillionChars
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        fail(`${at}.price.perMillionChars`, 'a number of USD per 1 million characters >= 0', value)
      perMillionChars = value as number
    }
    const amount = (name: (typeof PRICE_FIELDS)[number]): number => {
      const value = price[name]
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        fail(`${at}.price.${name}`, 'a number of USD >= 0', value)
      }
      return value as number
    }
    const perImage = kind === 'image' ? imagePrices(price.perImage, `${at}.price.perImage`, fail) : undefined
    models.push({
      id,
      label: label as string,
      kind: kind as ModelKind,
      reasoningEfforts: efforts as string[],
      defaultEffort,
      webSearch: flag('webSearch'),
      vision: flag('vision'),
      background: flag('background'),
      research: flag('research'),
      imageTool: flag('imageTool'),
      files: flag('files'),
      price: {
        input: amount('input'),
        cachedInput: amount('cachedInput'),
        output: amount('output'),
        webSearchPer1k: amount('webSearchPer1k'),
        ...(perImage ? { perImage } : {}),
        ...(perMinute !== undefined ? { perMinute } : {}),
        ...(perMillionChars !== undefined ? { perMillionChars } : {}),
      },
    })
  }
  return createRegistry(models)
}

/** An image model's `perImage`: USD by quality (low, medium, high), then by size (`1024x1024`). */
function imagePrices(
  value: unknown,
  at: string,
  fail: (field: string, expected: string, got?: unknown) => never,
): Record<string, Record<string, number>> {
  const expected = 'USD per image by quality (low, medium, high) and size, e.g. {"low": {"1024x1024": 0.011}}'
  if (!isObject(value)) return fail(at, expected, value)
  const prices: Record<string, Record<string, number>> = {}
  for (const quality of IMAGE_QUALITIES) {
    const sizes = value[quality]
    if (!isObject(sizes) || Object.keys(sizes).length === 0) return fail(`${at}.${quality}`, expected, sizes)
    prices[quality] = {}
    for (const [size, usd] of Object.entries(sizes)) {
      if (!/^\d+x\d+$/.test(size)) fail(`${at}.${quality}.${size}`, 'a size like 1024x1024', size)
      if (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0)
        fail(`${at}.${quality}.${size}`, 'a number of USD >= 0', usd)
      prices[quality][size] = usd as number
    }
  }
  for (const key of Object.keys(value)) {
    if (!(IMAGE_QUALITIES as readonly string[]).includes(key))
      fail(`${at}.${key}`, 'low, medium or high', key)
  }
  return prices
}

/**
 * USD for one picture of an image model. `auto` (or an unknown) quality or size is priced as the
 * dearest the model lists, so a budget check never underestimates.
 */
export function imagePriceUsd(model: ModelInfo, size?: string, quality?: string): number {
  const table = model.price.perImage
  if (!table) return 0
  const qualities = quality && table[quality] ? [table[quality]] : Object.values(table)
  const prices = qualities.flatMap((bySize) =>
    size && bySize[size] !== undefined ? [bySize[size]] : Object.values(bySize),
  )
  return prices.length === 0 ? 0 : Math.max(...prices)
}

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/

function createRegistry(models: ModelInfo[]): ModelRegistry {
  const byId = new Map(models.map((m) => [m.id, m]))
  const get = (id: string) => byId.get(id) ?? byId.get(id.replace(SNAPSHOT, ''))
  return {
    models,
    get,
    chatModels: () => models.filter((m) => m.kind === 'chat' && !m.research),
    researchModels: () => models.filter((m) => m.kind === 'chat' && m.research),
    imageModels: () => models.filter((m) => m.kind === 'image'),
    transcriptionModels: () => models.filter((m) => m.kind === 'transcription'),
    speechModels: () => models.filter((m) => m.kind === 'speech'),
    checkRequest(id, request) {
      const model = get(id)
      // An image model draws for the image tool; it does not answer.
      if (model?.kind !== 'chat') throw new InputError('models.unknown', { model: id })
      const { effort, webSearch, images, background } = request
      if (effort !== undefined && model.reasoningEfforts.length === 0) {
        throw new InputError('models.effort_not_reasoning', { model: model.id })
      }
      if (effort !== undefined && !model.reasoningEfforts.includes(effort)) {
        throw new InputError('models.effort_unsupported', {
          model: model.id,
          effort,
          allowed: model.reasoningEfforts.join(', '),
        })
      }
      if (webSearch && !model.webSearch)
        throw new InputError('models.search_unsupported', { model: model.id })
      // The API refuses web search with minimal reasoning.
      if (webSearch && effort === 'minimal') {
        throw new InputError('models.search_needs_effort', { model: model.id, effort })
      }
      if ((images ?? 0) > 0 && !model.vision)
        throw new InputError('models.images_unsupported', { model: model.id })
      if (background && !model.background) {
        throw new InputError('models.background_unsupported', { model: model.id })
      }
      if (model.research && !webSearch)
        throw new InputError('models.research_needs_search', { model: model.id })
      return model
    },
  }
}
