import { describe, expect, test } from 'vitest'
import { createLivePictures, type LivePicturesInit } from '../../../src/core/live/live-pictures.ts'
import { createLaneRegistry } from '../../../src/core/live/scheduler.ts'
import type { GeneratedImage } from '../../../src/core/responses/state.ts'
import { sketchPng } from '../../fakes/png.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'
import { fakeSurface } from '../../helpers/fake-surface.ts'

const b64 = (png: Uint8Array) => Buffer.from(png).toString('base64')
const step = (n: number) => sketchPng(n, 3)

function partial(index: number): GeneratedImage {
  return { id: 'ig_1', status: 'generating', partial: { index, b64: b64(step(index + 1)) }, format: 'png' }
}

const finished: GeneratedImage = {
  id: 'ig_1',
  status: 'completed',
  partial: { index: 1, b64: b64(step(2)) },
  result: b64(step(3)),
  revisedPrompt: 'A blue fox in the snow',
  format: 'png',
}

function setup(init: Partial<LivePicturesInit> = {}, surfaceOptions: { pictures?: boolean } = {}) {
  const clock = fakeClock()
  const surface = fakeSurface({ clock, typing: false, pictures: surfaceOptions.pictures ?? true })
  const lanes = createLaneRegistry({ clock })
  const pictures = createLivePictures({
    surface,
    lanes,
    caption: (image, done) => (done ? image.revisedPrompt : 'Drawing…'),
    ...init,
  })
  return { clock, surface, pictures }
}

/** Which sketch step some bytes are (1–3), or 0. */
function stepOf(bytes: Uint8Array): number {
  for (const n of [1, 2, 3]) if (Buffer.from(step(n)).equals(Buffer.from(bytes))) return n
  return 0
}

describe('live pictures', () => {
  test('one photo message shows each partial in place at the chat pace, then the finished picture', async () => {
    const { clock, pictures, surface } = setup()
    pictures.update([partial(0)])
    await clock.advance(300)
    pictures.update([partial(1)])
    await clock.advance(300)
    const done = pictures.finish([finished])
    await clock.runAll()
    expect(surface.calls.map((c) => [c.at, c.kind, c.text, stepOf(c.bytes!), c.result])).toEqual([
      [0, 'picture', 'Drawing…', 1, 'ok'],
      [1000, 'picture-edit', 'A blue fox in the snow', 3, 'ok'],
    ])
    expect(await done).toEqual({ messages: [{ id: '1', chatId: '1' }], outcome: 'delivered' })
  })

  test('partials that arrive a turn apart are each shown, and none twice', async () => {
    const { clock, pictures, surface } = setup()
    pictures.update([partial(0)])
    await clock.advance(1200)
    pictures.update([partial(1)])
    await clock.advance(1200)
    pictures.update([partial(1)])
    await clock.advance(1200)
    const done = pictures.finish([finished])
    await clock.runAll()
    await done
    expect(surface.calls.map((c) => [c.at, c.kind, stepOf(c.bytes!)])).toEqual([
      [0, 'picture', 1],
      [1200, 'picture-edit', 2],
      [3600, 'picture-edit', 3],
    ])
  })

  test('a 429 pauses the pictures like text, and the finished picture still lands', async () => {
    const { clock, pictures, surface } = setup()
    pictures.update([partial(0)])
    await clock.advance(1000)
    surface.rateLimitNext({ retryAfterMs: 5000 })
    pictures.update([partial(1)])
    await clock.advance(1000)
    const done = pictures.finish([finished])
    await clock.runAll()
    expect((await done).outcome).toBe('delivered')
    expect(surface.callsInsideRetryAfter).toBe(0)
    expect(surface.calls.map((c) => [c.at, c.kind, stepOf(c.bytes!), c.result])).toEqual([
      [0, 'picture', 1, 'ok'],
      [1000, 'picture-edit', 2, 'rate_limited'],
      [6000, 'picture-edit', 3, 'ok'],
    ])
  })

  test('on request the finished picture also comes as a file, at full resolution', async () => {
    const { clock, pictures, surface } = setup({ asFile: true })
    const done = pictures.finish([finished])
    await clock.runAll()
    expect(surface.calls.map((c) => [c.at, c.kind, stepOf(c.bytes!)])).toEqual([
      [0, 'picture', 3],
      [1000, 'file', 3],
    ])
    expect((await done).messages).toHaveLength(2)
  })

  test('a surface without pictures gets the finished picture as a file with its caption', async () => {
    const clock = fakeClock()
    const surface = fakeSurface({ clock, typing: false })
    surface.sendFile = async (name, bytes, caption) => {
      surface.calls.push({ kind: 'file', at: clock.now(), text: `${name}|${caption}`, bytes, result: 'ok' })
      return { id: '9', chatId: '1' }
    }
    const pictures = createLivePictures({
      surface,
      lanes: createLaneRegistry({ clock }),
      caption: (image) => image.revisedPrompt,
    })
    pictures.update([partial(0)])
    const done = pictures.finish([finished])
    await clock.runAll()
    expect(surface.calls.map((c) => [c.kind, c.text, stepOf(c.bytes!)])).toEqual([
      ['file', 'image-ig_1.png|A blue fox in the snow', 3],
    ])
    expect((await done).outcome).toBe('delivered')
  })

  test('a deleted photo message stops the pictures and says so', async () => {
    let gone = 0
    const { clock, pictures, surface } = setup({ onGone: () => gone++ })
    pictures.update([partial(0)])
    await clock.advance(1000)
    surface.delete({ id: '1', chatId: '1' })
    const done = pictures.finish([finished])
    await clock.runAll()
    expect([(await done).outcome, gone]).toEqual(['gone', 1])
  })
})
