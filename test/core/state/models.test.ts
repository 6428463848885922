import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { ConfigError, InputError } from '../../../src/core/contracts/errors.ts'
import { imagePriceUsd, loadModels, parseModels } from '../../../src/core/state/models.ts'

const models = loadModels()

function inputError(fn: () => unknown): { key: string; params: Record<string, string | number> } {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return { key: error.key, params: error.params }
    throw error
  }
  throw new Error('expected an InputError')
}

describe('the default registry', () => {
  test('offers the documented models, research models apart', () => {
    expect(models.chatModels().map((m) => m.id)).toEqual([
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4o',
      'gpt-4o-mini',
      'o3',
      'o4-mini',
    ])
    expect(models.researchModels().map((m) => m.id)).toEqual(['o3-deep-research', 'o4-mini-deep-research'])
    expect(models.imageModels().map((m) => m.id)).toEqual(['gpt-image-1', 'gpt-image-1.5'])
    expect(models.transcriptionModels().map((m) => [m.id, m.price.perMinute])).toEqual([
      ['gpt-4o-mini-transcribe', 0.003],
      ['gpt-4o-transcribe', 0.006],
      ['whisper-1', 0.006],
    ])
    expect(models.speechModels().map((m) => [m.id, m.price.perMillionChars])).toEqual([
      ['gpt-4o-mini-tts', 15],
    ])
  })

  test('prices a picture by quality and size, and "auto" as the dearest', () => {
    const image = models.get('gpt-image-1')!
    expect(imagePriceUsd(image, '1024x1024', 'low')).toBe(0.011)
    expect(imagePriceUsd(image, '1536x1024', 'medium')).toBe(0.063)
    expect(imagePriceUsd(image, 'auto', 'high')).toBe(0.25)
    expect(imagePriceUsd(image, '1024x1024', 'auto')).toBe(0.167)
    expect(imagePriceUsd(models.get('gpt-image-1.5')!, '1024x1024', 'medium')).toBe(0.034)
    expect(imagePriceUsd(models.get('gpt-5')!, '1024x1024', 'low')).toBe(0)
  })

  test('knows prices and capabilities', () => {
    expect(models.get('gpt-5-mini')).toEqual({
      id: 'gpt-5-mini',
      label: 'GPT-5 mini',
      kind: 'chat',
      reasoningEfforts: ['minimal', 'low', 'medium', 'high'],
      defaultEffort: 'medium',
      webSearch: true,
      vision: true,
      background: true,
      research: false,
      imageTool: true,
      files: true,
      price: { input: 0.25, cachedInput: 0.025, output: 2, webSearchPer1k: 10 },
    })
    expect(models.get('o3-deep-research')?.price).toEqual({
      input: 10,
      cachedInput: 2.5,
      output: 40,
      webSearchPer1k: 10,
    })
    expect(models.get('gpt-4o')?.reasoningEfforts).toEqual([])
    expect(models.get('gpt-4o')?.defaultEffort).toBeUndefined()
  })

  test('a dated snapshot finds its base model', () => {
    expect(models.get('gpt-5-mini-2025-08-07')?.id).toBe('gpt-5-mini')
    expect(models.get('gpt-6')).toBeUndefined()
  })
})

describe('checkRequest', () => {
  test('accepts what the model serves', () => {
    expect(
      models.checkRequest('gpt-5', { effort: 'high', webSearch: true, images: 2, background: true }).id,
    ).toBe('gpt-5')
    expect(models.checkRequest('gpt-4o', {}).id).toBe('gpt-4o')
    expect(models.checkRequest('o3-deep-research', { webSearch: true, background: true }).id).toBe(
      'o3-deep-research',
    )
  })

  test('an image model draws for the image tool and does not answer', () => {
    expect(inputError(() => models.checkRequest('gpt-image-1', {}))).toEqual({
      key: 'models.unknown',
      params: { model: 'gpt-image-1' },
    })
  })

  test('refuses what the model cannot serve, before anything is sent', () => {
    expect(inputError(() => models.checkRequest('gpt-9', {}))).toEqual({
      key: 'models.unknown',
      params: { model: 'gpt-9' },
    })
    expect(inputError(() => models.checkRequest('gpt-4o', { effort: 'high' }))).toEqual({
      key: 'models.effort_not_reasoning',
      params: { model: 'gpt-4o' },
    })
    expect(inputError(() => models.checkRequest('o3', { effort: 'minimal' }))).toEqual({
      key: 'models.effort_unsupported',
      params: { model: 'o3', effort: 'minimal', allowed: 'low, medium, high' },
    })
    expect(inputError(() => models.checkRequest('gpt-5', { effort: 'minimal', webSearch: true }))).toEqual({
      key: 'models.search_needs_effort',
      params: { model: 'gpt-5', effort: 'minimal' },
    })
    expect(inputError(() => models.checkRequest('o3-deep-research', { background: true }))).toEqual({
      key: 'models.research_needs_search',
      params: { model: 'o3-deep-research' },
    })
  })

  test('refuses search, images and background a custom model lacks', () => {
    const plain = parseModels(
      {
        models: [
          {
            id: 'tiny',
            reasoningEfforts: [],
            price: { input: 1, cachedInput: 1, output: 1, webSearchPer1k: 0 },
          },
        ],
      },
      'inline',
    )
    expect(inputError(() => plain.checkRequest('tiny', { webSearch: true })).key).toBe(
      'models.search_unsupported',
    )
    expect(inputError(() => plain.checkRequest('tiny', { images: 1 })).key).toBe('models.images_unsupported')
    expect(inputError(() => plain.checkRequest('tiny', { background: true })).key).toBe(
      'models.background_unsupported',
    )
    expect(plain.checkRequest('tiny', { images: 0 }).label).toBe('tiny')
  })
})

describe('an operator file', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })
  const write = (content: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-models-'))
    dirs.push(dir)
    const file = join(dir, 'models.json')
    writeFileSync(file, content)
    return file
  }
  const price = { input: 1, cachedInput: 0.5, output: 2, webSearchPer1k: 10 }

  test('replaces the default list', () => {
    const file = write(
      JSON.stringify({
        models: [{ id: 'relay-model', label: 'Relay', reasoningEfforts: ['low', 'high'], price }],
      }),
    )
    const custom = loadModels(file)
    expect(custom.models.map((m) => [m.id, m.defaultEffort, m.webSearch])).toEqual([
      ['relay-model', 'low', false],
    ])
  })

  test('a bad field is a ConfigError naming the file and the field', () => {
    const cases: Array<[unknown, string]> = [
      [
        { models: [{ id: 'a', reasoningEfforts: [], price: { ...price, output: -1 } }] },
        'models[0].price.output: expected a number of USD >= 0, got -1',
      ],
      [
        { models: [{ id: 'a', reasoningEfforts: [], webSearch: 'yes', price }] },
        'models[0].webSearch: expected true or false, got "yes"',
      ],
      [
        { models: [{ id: 'a', reasoningEfforts: [], websearch: true, price }] },
        'models[0].websearch: expected no such field',
      ],
      [
        { models: [{ id: 'a', reasoningEfforts: ['low'], defaultEffort: 'high', price }] },
        'models[0].defaultEffort: expected one of reasoningEfforts (low), got "high"',
      ],
      [{ models: [{ id: 'a', price }] }, 'models[0].reasoningEfforts: expected an array of effort names'],
      [
        {
          models: [
            { id: 'a', reasoningEfforts: [], price },
            { id: 'a', reasoningEfforts: [], price },
          ],
        },
        'models[1].id: expected a name not listed before, got "a"',
      ],
      [{ models: [] }, 'models: expected a non-empty array, got []'],
      [
        { models: [{ id: 'img', kind: 'image', reasoningEfforts: [], price }] },
        'models[0].price.perImage: expected USD per image by quality',
      ],
      [
        {
          models: [
            {
              id: 'img',
              kind: 'image',
              reasoningEfforts: [],
              price: { ...price, perImage: { low: { big: 1 }, medium: { '1x1': 1 }, high: { '1x1': 1 } } },
            },
          ],
        },
        'models[0].price.perImage.low.big: expected a size like 1024x1024, got "big"',
      ],
      [
        { models: [{ id: 'a', kind: 'audio', reasoningEfforts: [], price }] },
        'models[0].kind: expected chat, image, transcription or speech',
      ],
      [
        { models: [{ id: 'tts', kind: 'speech', reasoningEfforts: [], price }] },
        'models[0].price.perMillionChars: expected a number of USD per 1 million characters >= 0, got nothing',
      ],
    ]
    for (const [content, message] of cases) {
      const file = write(JSON.stringify(content))
      let error: unknown
      try {
        loadModels(file)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain(`MODELS_FILE: ${file}: ${message}`)
    }
  })

  test('a missing or broken file is named in the error', () => {
    expect(() => loadModels('/nonexistent/models.json')).toThrow(
      'MODELS_FILE: cannot read "/nonexistent/models.json"',
    )
    const file = write('{ not json')
    expect(() => loadModels(file)).toThrow(`MODELS_FILE: ${file}: not valid JSON`)
  })
})
