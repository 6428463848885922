import { afterEach, describe, expect, test } from 'vitest'
import { sse } from '../fakes/fake-responses-api.ts'
import type { FakeTelegram } from '../fakes/fake-telegram.ts'
import {
  ADA,
  CHAT,
  type E2eStack,
  expectCleanTelegram,
  finishedAnswers,
  startE2e,
  telegramPlatform,
  textEvents,
} from './harness.ts'

/** A long answer on Telegram, end to end: it rolls over into new messages within 4096 characters each. */

let e2e: E2eStack<FakeTelegram> | undefined

afterEach(async () => {
  await e2e?.close()
  e2e = undefined
})

const paragraph = (i: number) =>
  `Paragraph ${i} tells part ${i} of the story, ` +
  'with plain words that carry no markup at all '.repeat(8).trim() +
  '.'
const code = Array.from(
  { length: 120 },
  (_, i) => `const value${i} = compute(${i}) + offset * ${i} // line ${i} of the listing`,
).join('\n')
/** Over 10,000 characters: prose, a code block longer than a message, more prose. */
const ANSWER = [
  ...Array.from({ length: 6 }, (_, i) => paragraph(i)),
  '```ts\n' + code + '\n```',
  ...Array.from({ length: 6 }, (_, i) => paragraph(i + 6)),
].join('\n\n')

/** What a person reads, whitespace aside: the answer without its fence lines. */
const visible = (text: string) =>
  text
    .split('\n')
    .filter((line) => !/^```/.test(line))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim()

describe('Telegram long answers, end to end', () => {
  test('a long answer rolls over into several messages, each within 4096, nothing lost or repeated', async () => {
    expect(ANSWER.length).toBeGreaterThan(10_000)
    e2e = await startE2e(telegramPlatform())
    const { platform: tg, responses } = e2e
    responses.enqueue(sse(textEvents(ANSWER, 'resp_long', 40), { delayMs: 10 }))
    tg.userSays({ chat: CHAT, from: ADA, text: 'write a long answer with code' })
    await tg.waitFor(() => finishedAnswers(e2e!).length === 1, 20_000)

    const messages = tg.botMessages(CHAT)
    expect(messages.length).toBeGreaterThanOrEqual(3)
    for (const m of messages) {
      expect([...(m.text ?? '')].length).toBeLessThanOrEqual(4096)
      expect(m.reply_markup).toBeUndefined()
      expect(m.text).not.toContain('▍')
    }
    expect(visible(messages.map((m) => m.text).join('\n'))).toBe(visible(ANSWER))
    // The code block cut by the split is closed at the end of one message and reopened, with its
    // language, at the start of the next.
    const endsInCode = (m: (typeof messages)[number]) => {
      const last = m.entities?.at(-1)
      return last?.type === 'pre' && last.language === 'ts' && last.offset + last.length === m.text?.length
    }
    const startsInCode = (m: (typeof messages)[number]) =>
      m.entities?.some((e) => e.type === 'pre' && e.offset === 0 && e.language === 'ts') === true
    const cuts = messages.slice(1).filter((m, i) => endsInCode(messages[i]!) && startsInCode(m))
    expect(cuts.length).toBeGreaterThanOrEqual(1)
    expectCleanTelegram(e2e)
  })
})
