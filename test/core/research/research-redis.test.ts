import { randomUUID } from 'node:crypto'
import { describe, expect, inject, test } from 'vitest'
import { createResearchJobs, type ResearchJob } from '../../../src/core/research/research-jobs.ts'
import { researchRequest } from '../../../src/core/research/research-runner.ts'
import { createStore } from '../../../src/core/store/open-store.ts'
import type { Store } from '../../../src/core/store/store.ts'
import { ada, group, researchRun, SEARCHES_DONE, useResearchHarness } from './research-harness.ts'

describe('research on a shared Redis', () => {
  const h = useResearchHarness()

  test('two processes find the same unfinished job and exactly one drives it', async () => {
    const prefix = `test:${randomUUID()}:`
    const stores: Store[] = []
    const open = async () => {
      const store = await createStore(inject('redisUrl'), { prefix })
      stores.push(store)
      return store
    }
    try {
      const [storeA, storeB] = [await open(), await open()]
      // A run that a third process started before it died (its lock lapsed).
      const job: ResearchJob = {
        id: 'sharedjob0000001',
        question: 'Who drives this job?',
        model: 'o3-deep-research',
        chat: group,
        requester: { key: 'telegram:1', id: '1', name: ada.name },
        approver: { key: 'telegram:1', id: '1', name: ada.name },
        estimate: { lowUsd: 1.5, highUsd: 24.4 },
        status: 'running',
        created: h.clock.now(),
        startedAt: h.clock.now(),
        responseId: 'resp_shared',
        lastSequence: 1,
        streaming: true,
        searches: [],
      }
      h.fake.enqueue({ kind: 'background', events: researchRun('resp_shared').events })
      await h.services.client.create(researchRequest(job, 40))
      await createResearchJobs(storeA).put(job)

      const a = await h.process('pA', { store: storeA })
      const b = await h.process('pB', { store: storeB })
      const taken = await Promise.all([a.research.resumeAll(), b.research.resumeAll()])
      expect([...taken].sort()).toEqual([0, 1])
      const driver = taken[0] === 1 ? a : b
      const other = driver === a ? b : a
      expect([driver.research.running(), other.research.running()]).toEqual([1, 0])
      expect(await storeB.holder('research:lock:sharedjob0000001')).toBe(driver === a ? 'pA' : 'pB')

      h.fake.advanceBackground('resp_shared', SEARCHES_DONE - 2)
      // The other process's sweeps find the job held and leave it.
      await h.clock.advance(90_000)
      expect(other.research.running()).toBe(0)
      h.fake.finishBackground('resp_shared')
      await h.until(
        async () => (await createResearchJobs(storeB).get(job.id))?.status === 'delivered',
        'the delivery',
      )

      const streams = h.fake.requests.filter((r) => r.query.get('stream') === 'true')
      expect(streams.map((r) => r.path)).toEqual(['/v1/responses/resp_shared?stream=true&starting_after=1'])
      expect(h.fake.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/v1/responses'])
      expect(h.files).toHaveLength(1)
      // The record says delivered first, then the job leaves the active set.
      await h.until(
        async () => (await storeA.members('research:active')).length === 0,
        'the active set emptied',
      )
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
  })
})
