import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeDiscord, FakeInteraction, FakeMessage } from '../fakes/fake-discord.ts'
import { sse } from '../fakes/fake-responses-api.ts'
import { textAnswer } from '../fakes/fake-responses-transcripts.ts'
import { botMessages, type DiscordE2E, startDiscordE2E } from './discord-harness.ts'

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const t = translator('en')
/** The PNG signature and the start of an IHDR chunk: enough bytes to stand for an image. */
const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
])

/** The interaction's filled reply (its deferred original or a follow-up), once it has text. */
function replyTo(fake: FakeDiscord, interaction: FakeInteraction): Promise<FakeMessage> {
  return fake.waitFor(() =>
    fake
      .messages(fake.general, { ephemeral: true })
      .find((m) => m.interaction?.id === interaction.id && m.content !== ''),
  )
}

describe('/ask with an image on Discord', () => {
  test('the attached image goes upstream as a data URL with its type, after the prompt', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.enqueue(sse(textAnswer('A PNG test pattern.', 2, { id: 'resp_png' })))
    const interaction = fake.slash({
      name: 'ask',
      options: {
        prompt: 'what is this?',
        image: { filename: 'pattern.png', contentType: 'image/png', bytes: PNG },
      },
    })
    await e2e.answersFinished(1)

    expect(fake.message(interaction.originalId!)?.content).toBe('A PNG test pattern.')
    expect(upstream.requests.map((r) => r.body!.input)).toEqual([
      [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'what is this?' },
            {
              type: 'input_image',
              image_url: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}`,
            },
          ],
        },
      ],
    ])
    expect(fake.downloads).toHaveLength(1)
    expect(fake.downloads[0]).toMatch(/^\/attachments\/\d+\/\d+\/pattern\.png$/)
  })

  test('an attachment that is not an image is refused privately before anything is downloaded or sent upstream', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const pdf = new TextEncoder().encode('%PDF-1.7\n%fake\n')
    const interaction = fake.slash({
      name: 'ask',
      options: {
        prompt: 'what is this?',
        image: { filename: 'notes.pdf', contentType: 'application/pdf', bytes: pdf },
      },
    })
    const reply = await replyTo(fake, interaction)

    expect(reply.content).toBe(t('limits.image_type', { mime: 'application/pdf' }))
    expect(upstream.requests).toEqual([])
    expect(fake.downloads).toEqual([])
    // Refused privately: nothing is left in the channel.
    expect(reply.flags & 64).toBe(64)
    expect(botMessages(fake).filter((m) => m.content !== '')).toEqual([])
  })
})
