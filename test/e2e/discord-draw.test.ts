import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeDiscord, FakeMessage } from '../fakes/fake-discord.ts'
import { Transcript } from '../fakes/fake-responses-transcripts.ts'
import { sketchPng } from '../fakes/png.ts'
import { type DiscordE2E, ephemerals, messageWrites, startDiscordE2E } from './discord-harness.ts'
import { inPhases } from './harness.ts'

/** /image on Discord, end to end: the interaction's reply is one picture whose attachment is replaced. */
const t = translator('en')
const steps = [sketchPng(1, 3), sketchPng(2, 3), sketchPng(3, 3)] as const

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

/** Which sketch steps a message's attachments are (1–3). */
function shown(fake: FakeDiscord, message: FakeMessage): number[] {
  return message.attachments.map((a) => {
    const stored = fake.world.files.get(new URL(a.url).pathname)!
    return steps.findIndex((png) => Buffer.from(png).equals(Buffer.from(stored.bytes))) + 1
  })
}

describe('/image on Discord, end to end', () => {
  test('the deferred reply becomes the picture, its attachment replaced by each partial at the channel pace', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const events = new Transcript({ id: 'resp_draw', model: 'gpt-5-mini' })
      .start()
      .image({
        partials: [steps[0], steps[1]],
        final: steps[2],
        revisedPrompt: 'A red panda',
        quality: 'medium',
      })
      .completed().events
    upstream.route = () =>
      inPhases(events, (e) => e.type === 'response.image_generation_call.partial_image', 1300)
    const interaction = fake.slash({ name: 'image', options: { prompt: 'a red panda', file: true } })
    await e2e.answersFinished(1)

    const reply = fake.message(interaction.originalId!)!
    console.log(
      JSON.stringify(
        messageWrites(fake).map((r) => [
          r.method,
          r.route,
          r.status,
          r.files,
          JSON.stringify(r.body).slice(0, 200),
          JSON.stringify(r.response).slice(0, 300),
        ]),
      ),
    )
    console.log(e2e.rawLogs.filter((l) => /warn|error|answer/.test(l)).join('\n'))
    expect([shown(fake, reply), reply.content]).toEqual([[3], 'A red panda'])
    const pictureWrites = messageWrites(fake).filter((r) => r.files.length > 0)
    // Three versions in the deferred reply, then the full-resolution file as a follow-up.
    expect(pictureWrites.map((r) => [r.method, r.files.map((f) => f.name)])).toEqual([
      ['PATCH', ['image.png']],
      ['PATCH', ['image.png']],
      ['PATCH', ['image.png']],
      ['POST', ['image-ig_0.png']],
    ])
    // Discord allows about 5 edits per 5 s in a channel: never two within a second.
    const gaps = pictureWrites.slice(1).map((r, i) => r.at - pictureWrites[i]!.at)
    expect(
      gaps.every((gap) => gap >= 1000),
      String(gaps),
    ).toBe(true)
    expect(fake.requests.filter((r) => r.status === 429)).toEqual([])
    expect(reply.attachments).toHaveLength(1)
    // gpt-5-mini tokens + a medium 1024² picture ($0.042) + 2 partials × 100 × $40/1M.
    expect(e2e.logs.filter((l) => l.msg === 'answer finished').map((l) => l.usd)).toEqual([0.050018])
  })

  test('a member is refused /image when the operator keeps it for admins, and nothing is sent upstream', async () => {
    e2e = await startDiscordE2E({ env: { COMMAND_PERMISSIONS: 'image=admins' } })
    const { fake, upstream } = e2e
    fake.slash({ name: 'image', options: { prompt: 'a red panda' }, user: fake.bob })
    const refusal = await fake.waitFor(() => ephemerals(fake).find((m) => m.content !== ''))
    expect(refusal.content).toBe(t('policy.admin_only'))
    expect(upstream.requests).toEqual([])
  })
})
