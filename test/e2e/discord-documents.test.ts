import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import { botMessages, type DiscordE2E, startDiscordE2E } from './discord-harness.ts'
import { answerBy } from './harness.ts'

/** Documents on Discord, end to end: a PDF attachment read by the model; what it cannot read, refused. */
const t = translator('en')
const PDF = new TextEncoder().encode('%PDF-1.7\n%%EOF\n')

let e2e: DiscordE2E | undefined
afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

describe('documents on Discord, end to end', () => {
  test('a PDF attached in a DM goes upstream as input_file with the question', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    upstream.route = answerBy(() => 'A short PDF.')
    const dm = fake.dmChannel(fake.alice)
    fake.userMessage({
      content: 'What is this?',
      channel: dm,
      attachments: [{ filename: 'notes.pdf', contentType: 'application/pdf', bytes: PDF }],
    })
    await e2e.answersFinished(1)
    expect(botMessages(fake, dm).map((m) => m.content)).toEqual(['A short PDF.'])
    const input = upstream.requests[0]!.body!.input as Array<{ content: unknown }>
    expect(input.at(-1)!.content).toEqual([
      { type: 'input_text', text: 'What is this?' },
      {
        type: 'input_file',
        filename: 'notes.pdf',
        file_data: `data:application/pdf;base64,${Buffer.from(PDF).toString('base64')}`,
      },
    ])
  })

  test('a file it cannot read is refused before anything is downloaded or sent', async () => {
    e2e = await startDiscordE2E()
    const { fake, upstream } = e2e
    const dm = fake.dmChannel(fake.alice)
    fake.userMessage({
      content: 'Unpack this',
      channel: dm,
      attachments: [
        { filename: 'code.zip', contentType: 'application/zip', bytes: new Uint8Array([80, 75, 3, 4]) },
      ],
    })
    const refusal = await fake.waitFor(() => botMessages(fake, dm).find((m) => m.content !== ''))
    expect(refusal.content).toBe(t('file.type', { name: 'code.zip' }))
    expect([upstream.requests, fake.downloads]).toEqual([[], []])
  })
})
