import { describe, expect, test } from 'vitest'
import { InputError } from '../../../src/core/contracts/errors.ts'
import { loadModels, parseModels } from '../../../src/core/state/models.ts'
import { createSettings, settingsScope } from '../../../src/core/state/settings.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

const models = loadModels()

async function refusal(
  promise: Promise<unknown>,
): Promise<{ key: string; params: Record<string, string | number> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof InputError)) throw new Error(`expected an InputError, got ${String(error)}`)
  return { key: error.key, params: error.params }
}

test('private chats are keyed by user, groups by chat', () => {
  expect(settingsScope({ platform: 'tg', kind: 'private', chatId: '7', userId: '7' })).toBe('tg:user:7')
  expect(settingsScope({ platform: 'dc', kind: 'group', chatId: '55', userId: '7' })).toBe('dc:chat:55')
})

describe.each(BACKENDS)('settings on %s', (backend) => {
  const fixture = storeFixture(backend)
  const open = async () =>
    createSettings({ store: await fixture.open(), models, defaults: { model: 'gpt-5-mini' } })

  test('start from the defaults and keep each chat apart', async () => {
    const settings = await open()
    expect(await settings.get('tg:chat:1')).toEqual({
      model: 'gpt-5-mini',
      effort: 'medium',
      webSearch: true,
      showReasoning: true,
      voice: false,
      pictures: false,
    })
    await settings.setModel('tg:chat:1', 'o3')
    await settings.setEffort('tg:chat:1', 'high')
    await settings.setWebSearch('tg:chat:1', false)
    expect(await settings.setShowReasoning('tg:chat:1', false)).toEqual({
      model: 'o3',
      effort: 'high',
      webSearch: false,
      showReasoning: false,
      voice: false,
      pictures: false,
    })
    expect((await settings.get('tg:chat:2')).model).toBe('gpt-5-mini')
    await settings.reset('tg:chat:1')
    expect((await settings.get('tg:chat:1')).model).toBe('gpt-5-mini')
  })

  test('survive a restart', async () => {
    const location = fixture.location()
    const first = createSettings({ store: await location.open(), models, defaults: { model: 'gpt-5-mini' } })
    await first.setModel('c', 'gpt-4.1')
    const second = createSettings({ store: await location.open(), models, defaults: { model: 'gpt-5-mini' } })
    expect((await second.get('c')).model).toBe('gpt-4.1')
  })

  test('refuse a model outside the registry, research models included', async () => {
    const settings = await open()
    for (const model of ['gpt-9', 'o3-deep-research']) {
      expect(await refusal(settings.setModel('c', model))).toEqual({
        key: 'settings.model_unknown',
        params: {
          model,
          allowed: 'gpt-5, gpt-5-mini, gpt-5-nano, gpt-4.1, gpt-4.1-mini, gpt-4o, gpt-4o-mini, o3, o4-mini',
        },
      })
    }
  })

  test('refuse an effort the model does not take', async () => {
    const settings = await open()
    await settings.setModel('c', 'o4-mini')
    expect(await refusal(settings.setEffort('c', 'minimal'))).toEqual({
      key: 'models.effort_unsupported',
      params: { model: 'o4-mini', effort: 'minimal', allowed: 'low, medium, high' },
    })
    await settings.setModel('c', 'gpt-4o')
    expect(await refusal(settings.setEffort('c', 'low'))).toEqual({
      key: 'models.effort_not_reasoning',
      params: { model: 'gpt-4o' },
    })
    expect((await settings.get('c')).effort).toBeUndefined()
  })

  test('adapt a stored effort to the current model', async () => {
    const settings = await open()
    await settings.setEffort('c', 'minimal')
    expect((await settings.get('c')).effort).toBe('low') // web search is on by default
    await settings.setWebSearch('c', false)
    expect((await settings.get('c')).effort).toBe('minimal')
    await settings.setModel('c', 'o3')
    expect((await settings.get('c')).effort).toBe('medium')
    await settings.setModel('c', 'gpt-5')
    expect((await settings.get('c')).effort).toBe('minimal')
  })

  test('refuse web search for a model without it', async () => {
    const price = { input: 1, cachedInput: 1, output: 1, webSearchPer1k: 10 }
    const settings = createSettings({
      store: await fixture.open(),
      models: parseModels(
        {
          models: [
            { id: 'searcher', reasoningEfforts: [], webSearch: true, price },
            { id: 'offline', reasoningEfforts: [], price },
          ],
        },
        'inline',
      ),
      defaults: { model: 'searcher', webSearch: false, showReasoning: false },
    })
    expect(await settings.get('c')).toEqual({
      model: 'searcher',
      effort: undefined,
      webSearch: false,
      showReasoning: false,
      voice: false,
      pictures: false,
    })
    expect((await settings.setWebSearch('c', true)).webSearch).toBe(true)
    expect((await settings.setModel('c', 'offline')).webSearch).toBe(false)
    expect(await refusal(settings.setWebSearch('c', true))).toEqual({
      key: 'models.search_unsupported',
      params: { model: 'offline' },
    })
  })
})

test('a stored model the registry no longer offers falls back to the default', async () => {
  const fixture = storeFixture('sqlite')
  const store = await fixture.open()
  await store.kv('settings').set('c', { model: 'retired-model', webSearch: true })
  const settings = createSettings({ store, models, defaults: { model: 'gpt-4o' } })
  expect(await settings.get('c')).toEqual({
    model: 'gpt-4o',
    effort: undefined,
    webSearch: true,
    showReasoning: true,
    voice: false,
    pictures: false,
  })
  expect(settings.choices().length).toBe(9)
})
