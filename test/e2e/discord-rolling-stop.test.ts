import { afterEach, expect, test } from 'vitest'
import type { Running } from '../../src/app/lifecycle.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import {
  botMessages,
  buttonIds,
  type DiscordE2E,
  ephemerals,
  mention,
  startDiscordE2E,
} from './discord-harness.ts'

let e2e: DiscordE2E | undefined
let second: Running | undefined
afterEach(async () => {
  await second?.stop()
  await e2e?.close()
  e2e = second = undefined
})

const t = translator('en')

test('during a rolling restart, the Stop press reaches the new process and the draining one stops its answer', async () => {
  e2e = await startDiscordE2E({ tap: true })
  const { fake, upstream } = e2e
  second = await e2e.startAnother()
  const events = new Transcript({ id: 'resp_counting' })
    .start()
    .message(['Counting: one', ', two', ', three'])
    .completed().events
  upstream.enqueue(sse(events, { stallAfter: 6 }))
  fake.userMessage({ content: mention(fake, 'count slowly'), author: fake.bob })
  const answer = await fake.waitFor(() =>
    botMessages(fake).find((m) => m.content.startsWith('Counting: one, two')),
  )
  // Whichever process took the message drains: it takes no new events but finishes its answers.
  const processes = [e2e.running, second]
  const owner = processes.find((p) => p.services.answers.all().length === 1)!
  const other = processes.find((p) => p !== owner)!
  await owner.adapters[0]!.stop()

  const [stop] = buttonIds(answer)
  fake.pressButton({ message: fake.message(answer.id)!, customId: stop!, user: fake.bob })
  const told = await fake.waitFor(() => ephemerals(fake).find((m) => m.interaction?.user.id === fake.bob.id))
  expect(told.content).toBe(t('ask.stopped'))
  await e2e.answersFinished(1)

  expect(fake.message(answer.id)).toMatchObject({
    content: `Counting: one, two\n\n-# ${t('reason.aborted')}`,
    components: [],
  })
  const outcomes = await fake.waitFor(() => {
    const all = e2e!.tap!.exchanges.map((x) => x.outcome)
    return !all.includes('open') && all
  })
  expect(outcomes).toEqual(['closed'])
  expect(owner.services.answers.all()).toEqual([])
  expect(other.services.answers.all()).toEqual([])
  expect(e2e.logs.filter((l) => l.msg === 'asked another process to stop an answer')).toHaveLength(1)
  expect(e2e.logs.filter((l) => l.msg === 'stop requested from another process')).toHaveLength(1)
})
