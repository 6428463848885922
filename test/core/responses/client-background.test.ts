import { describe, expect, test } from 'vitest'
import { fold } from '../../../src/core/responses/fold.ts'
import { type AnswerState, initialState } from '../../../src/core/responses/state.ts'
import { sse } from '../../fakes/fake-responses-api.ts'
import { backgroundAnswer } from '../../fakes/fake-responses-transcripts.ts'
import { until, useClientHarness } from './client-harness.ts'

const h = useClientHarness()
const req = {
  model: 'o4-mini-deep-research',
  input: 'Research this',
  background: true,
  tools: [{ type: 'web_search_preview' as const }],
}
// Events: created(queued) 0, queued 1, in_progress 2, item.added 3, part.added 4, deltas 5-7, text.done 8,
// part.done 9, item.done 10, completed 11.
const events = backgroundAnswer('Findings: all good.', { id: 'resp_bg' })
const foldEvents = (upTo: number) => events.slice(0, upTo).reduce(fold, initialState())

describe('background responses', () => {
  test('create returns the queued response, retrieve follows its progress', async () => {
    h.fake.enqueue({ kind: 'background', events })
    const created = await h.client.create(req)
    expect([created.id, created.status]).toEqual(['resp_bg', 'queued'])
    expect(h.fake.requests[0]?.body).toMatchObject({ background: true, stream: false })

    h.fake.advanceBackground('resp_bg', 4)
    expect((await h.client.retrieve('resp_bg')).status).toBe('in_progress')

    h.fake.finishBackground('resp_bg')
    const done = await h.client.retrieve('resp_bg')
    expect(done.status).toBe('completed')
    expect(done.usage?.total_tokens).toBe(20)
    expect(h.fake.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/v1/responses'],
      ['GET', '/v1/responses/resp_bg'],
      ['GET', '/v1/responses/resp_bg'],
    ])
  })

  test('a streamed background run starts queued and continues live', async () => {
    h.fake.enqueue({ kind: 'background', events })
    const states: AnswerState[] = []
    const result = h.client.run(req, { onState: (s) => states.push(s) })
    await until(() => states.at(-1)?.status === 'queued', 'the queued state')
    expect(states.at(-1)?.activity).toEqual({ kind: 'queued' })
    h.fake.finishBackground('resp_bg')
    expect(await result).toEqual(foldEvents(events.length))
  })

  test('a dropped background stream resumes after its last sequence number', async () => {
    h.fake.enqueue({ kind: 'background', events })
    await h.client.create(req)
    h.fake.advanceBackground('resp_bg', 5)
    const before = foldEvents(6)
    expect(before.text).toBe('Finding')

    const result = h.client.retrieveStream('resp_bg', before.lastSequence, { state: before })
    await h.fake.waitForRequests(2)
    expect(h.fake.requests[1]?.path).toBe('/v1/responses/resp_bg?stream=true&starting_after=5')
    h.fake.finishBackground('resp_bg')
    const final = await result
    expect(final).toEqual(foldEvents(events.length))
    expect(final.text).toBe('Findings: all good.')
  })

  test('resuming a finished run replays only the events after the given number', async () => {
    h.fake.enqueue({ kind: 'background', events })
    await h.client.create(req)
    h.fake.finishBackground('resp_bg')
    const seen: number[] = []
    const final = await h.client.retrieveStream('resp_bg', 8, {
      state: foldEvents(9),
      onEvent: (e) => seen.push(e.sequence_number),
    })
    expect(seen).toEqual([9, 10, 11])
    expect(final.status).toBe('completed')
  })

  test('cancel stops a run', async () => {
    h.fake.enqueue({ kind: 'background', events })
    await h.client.create(req)
    const cancelled = await h.client.cancel('resp_bg')
    expect(cancelled.status).toBe('cancelled')
    expect((await h.client.retrieve('resp_bg')).status).toBe('cancelled')
    expect(h.fake.requests[1]).toMatchObject({ method: 'POST', path: '/v1/responses/resp_bg/cancel' })
  })

  test('an unknown response id is not_found', async () => {
    await expect(h.client.retrieve('resp_missing')).rejects.toMatchObject({ kind: 'not_found', status: 404 })
  })

  test('a relay without background streaming answers the queued response as JSON', async () => {
    h.fake.options.backgroundStreaming = false
    h.fake.enqueue(sse(events))
    const final = await h.client.run(req)
    expect([final.status, final.activity, final.responseId]).toEqual([
      'queued',
      { kind: 'queued' },
      'resp_bg',
    ])
    await expect(h.client.retrieveStream('resp_bg', 1)).rejects.toMatchObject({
      kind: 'bad_request',
      param: 'stream',
    })
  })

  test('a relay that rejects background mode answers bad_request', async () => {
    h.fake.options.rejectBackground = true
    await expect(h.client.create(req)).rejects.toMatchObject({ kind: 'bad_request', param: 'background' })
  })
})
