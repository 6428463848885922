import { describe, expect, test } from 'vitest'
import { SPEECH_INPUT_LIMIT, speakableText, spokenPart } from '../../../src/core/answers/speaking.ts'

describe('what of an answer is spoken', () => {
  test('an answer that fits is spoken whole', () => {
    expect(spokenPart('  Short answer.  ')).toEqual({ text: 'Short answer.', cut: false })
    const exact = 'a'.repeat(SPEECH_INPUT_LIMIT)
    expect(spokenPart(exact)).toEqual({ text: exact, cut: false })
  })

  test('a longer one stops at the last sentence end that fits', () => {
    expect(spokenPart('One. Two! Three? Four and five.', 18)).toEqual({ text: 'One. Two! Three?', cut: true })
    expect(spokenPart('他来了。她也来了。然后呢', 9)).toEqual({ text: '他来了。她也来了。', cut: true })
    // A dot inside a number is no sentence end.
    expect(spokenPart('Pi is 3.14 and e is 2.71 roughly', 12)).toEqual({ text: 'Pi is 3.14', cut: true })
  })

  test('without a sentence end it stops at a line, then a word, then anywhere', () => {
    expect(spokenPart('first line\nsecond line goes on', 20)).toEqual({ text: 'first line', cut: true })
    expect(spokenPart('several words without any stop', 14)).toEqual({ text: 'several words', cut: true })
    expect(spokenPart('x'.repeat(10), 4)).toEqual({ text: 'xxxx', cut: true })
  })

  test('Markdown is read as plain words, code fences without their markers', () => {
    expect(speakableText('**Bold** and [a link](https://x.dev).\n\n```js\nlet a = 1\n```')).toBe(
      'Bold and a link (https://x.dev).\n\nlet a = 1',
    )
  })
})
