import { describe, expect, test } from 'vitest'
import { createConversations } from '../../../src/core/state/conversations.ts'
import { CAPABILITIES, createEndpointProfile } from '../../../src/core/state/endpoint-profile.ts'
import { BACKENDS, storeFixture } from '../store/store-backends.ts'

describe.each(BACKENDS)('endpoint profile (%s)', (backend) => {
  const fixture = storeFixture(backend)

  test('every capability is assumed to work until it is marked, per endpoint, across processes', async () => {
    const location = fixture.location()
    const relay = createEndpointProfile({ store: await location.open(), endpointKey: 'https://relay/v1' })
    for (const capability of CAPABILITIES) expect(await relay.isUnsupported(capability)).toBe(false)

    await relay.markUnsupported('background')
    await relay.markUnsupported('retrieve')
    const restarted = createEndpointProfile({ store: await location.open(), endpointKey: 'https://relay/v1' })
    const other = createEndpointProfile({ store: await location.open(), endpointKey: 'https://api/v1' })
    const flags = async (profile: typeof relay) =>
      (await Promise.all(CAPABILITIES.map(async (c) => [c, await profile.isUnsupported(c)] as const)))
        .filter(([, unsupported]) => unsupported)
        .map(([c]) => c)
    expect(await flags(restarted)).toEqual(['background', 'retrieve'])
    expect(await flags(other)).toEqual([])

    await restarted.markSupported('retrieve')
    expect(
      await flags(createEndpointProfile({ store: await location.open(), endpointKey: 'https://relay/v1' })),
    ).toEqual(['background'])
  })

  test('the web search tool that worked is remembered, web_search by default', async () => {
    const profile = createEndpointProfile({ store: await fixture.open(), endpointKey: 'relay' })
    expect(await profile.webSearchTool()).toBe('web_search')
    await profile.setWebSearchTool('web_search_preview')
    expect(await profile.webSearchTool()).toBe('web_search_preview')
    expect(await profile.checkedAt()).toBeUndefined()
    await profile.markChecked(1_700_000_000_000)
    expect(await profile.checkedAt()).toBe(1_700_000_000_000)
  })

  test('conversations keep their fallback flag under the key stores already hold', async () => {
    const store = await fixture.open()
    // A store written before the profile existed.
    await store.kv('conv').set('flag:server-state-unsupported:relay', true)
    const conversations = createConversations({ store, mode: 'auto', endpointKey: 'relay' })
    expect(await conversations.effectiveMode()).toBe('local')

    const profile = createEndpointProfile({ store, endpointKey: 'openai' })
    const fresh = createConversations({ store, mode: 'auto', profile })
    expect(await fresh.effectiveMode()).toBe('server')
    await fresh.markServerStateUnsupported()
    expect(await profile.isUnsupported('server-state')).toBe(true)
  })
})
