import { afterEach, describe, expect, test } from 'vitest'
import { translator } from '../../src/core/i18n/i18n.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  answerBy,
  askAndWait,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  replyTo,
  startE2e,
  telegramPlatform,
} from './harness.ts'

/** Documents on Telegram, end to end: a PDF read by the model, a text file inlined, refusals first. */
const t = translator('en')
const PDF = new TextEncoder().encode('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

async function start(env: Record<string, string> = {}): Promise<E2eStack<FakeTelegram>> {
  e2e = await startE2e(telegramPlatform(), { env })
  return e2e
}

/** The content parts of the last user message a request sent. */
function userParts(body: Record<string, unknown> | undefined): Array<Record<string, unknown>> {
  const input = body?.input as Array<{ content?: unknown }>
  return input.at(-1)!.content as Array<Record<string, unknown>>
}

describe('documents on Telegram, end to end', () => {
  test('a PDF with a question as caption goes as input_file, and the answer continues by response id', async () => {
    const { responses } = await start()
    responses.route = answerBy((_prompt, n) => (n === 1 ? 'It is a catalog.' : 'One object.'))
    const { answer } = await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      document: { bytes: PDF, fileName: 'report.pdf', mimeType: 'application/pdf' },
      caption: 'What is in this?',
    })
    expect(answer.text).toBe('It is a catalog.')
    expect(userParts(responses.requests[0]!.body)).toEqual([
      { type: 'input_text', text: 'What is in this?' },
      {
        type: 'input_file',
        filename: 'report.pdf',
        file_data: `data:application/pdf;base64,${Buffer.from(PDF).toString('base64')}`,
      },
    ])
    await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      text: 'How many objects?',
      reply_to_message_id: answer.message_id,
    })
    expect(responses.requests[1]!.body!.previous_response_id).toBe('resp_1')
    expectCleanTelegram(e2e!)
  })

  test('a text file is inlined as text', async () => {
    const { responses } = await start()
    responses.route = answerBy(() => 'Two rows.')
    const csv = 'name,age\nAda,36\nAlan,41\n'
    await askAndWait(e2e!, {
      chat: CHAT,
      from: ADA,
      document: { bytes: new TextEncoder().encode(csv), fileName: 'people.csv', mimeType: 'text/csv' },
      caption: 'How many rows?',
    })
    expect(userParts(responses.requests[0]!.body)).toEqual([
      { type: 'input_text', text: 'How many rows?' },
      { type: 'input_text', text: `people.csv:\n\`\`\`\n${csv}\n\`\`\`` },
    ])
  })

  test('too large, or a type it cannot read: one line, nothing downloaded or sent upstream', async () => {
    const { platform: tg, responses } = await start({ MAX_FILE_BYTES: '1000' })
    const large = tg.userSays({
      chat: CHAT,
      from: ADA,
      document: { bytes: PDF, fileName: 'big.pdf', mimeType: 'application/pdf', fileSize: 2_000_000 },
      caption: 'Summarise',
    })
    expect((await replyTo(tg, large)).text).toBe(t('file.too_large', { size: '1.9', max: '0.0' }))
    const zip = tg.userSays({
      chat: CHAT,
      from: ADA,
      document: {
        bytes: new Uint8Array([0x50, 0x4b, 3, 4]),
        fileName: 'code.zip',
        mimeType: 'application/zip',
      },
    })
    expect((await replyTo(tg, zip)).text).toBe(t('file.type', { name: 'code.zip' }))
    expect([responses.requests, tg.callsTo('getFile'), tg.downloads]).toEqual([[], [], []])
  })
})
