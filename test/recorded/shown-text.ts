import { expect } from 'vitest'
import type { StreamRecording } from './real-traffic.ts'

/**
 * Checks what a chat shows for a recorded answer, whatever the platform's formatting: the
 * recording's output text, every word, in order, once; sources numbered; nothing a person should
 * never see (raw JSON, `undefined`, `[object Object]`).
 */
const LINE_MARKS = /^\s*(?:#+|>|[-•]|\d+[.)])\s+|^-{3,}$/gm

/** Words of Markdown as a reader sees them: link targets, emphasis marks, bullets and fences gone. */
export function readerWords(text: string): string[] {
  return text
    .replace(/\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/^```.*$/gm, '')
    .replace(LINE_MARKS, ' ')
    .replace(/[*`]/g, '')
    .replace(/\|/g, ' ')
    .replace(/\\(.)/g, '$1')
    .split(/\s+/)
    .map((word) => word.replace(/^[-_]+|[-_]+$/g, ''))
    .filter((word) => word !== '' && !/^[-•]+$/.test(word))
}

/** How many times `needle` occurs in `haystack` as a run of consecutive words. */
export function occurrences(haystack: readonly string[], needle: readonly string[]): number {
  if (needle.length === 0) return 1
  let count = 0
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (needle.every((word, j) => haystack[i + j] === word)) count++
  }
  return count
}

export function expectNothingRaw(texts: readonly string[]): void {
  for (const text of texts) {
    expect(text).not.toMatch(/undefined|\[object Object\]|\{"|"type":/)
  }
}

/** The final text of an answer (its messages, in order) shows the recording as it should. */
export function expectShown(
  recording: StreamRecording,
  shown: string,
  lines: { failed: RegExp; allSources: boolean },
): void {
  const { expected } = recording
  const words = readerWords(shown)
  if (expected.text !== '') {
    expect(
      occurrences(words, readerWords(expected.text)),
      `${recording.name}: every word, in order, once`,
    ).toBe(1)
  }
  if (expected.citations.length > 0) {
    const sources = shown.split(/^\**Sources\**$/m).at(-1) ?? ''
    const numbers = [...sources.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]))
    const all = expected.citations.map((_, i) => i + 1)
    // Numbered from 1, in order; the last message keeps as many as its length limit allows.
    expect(numbers.length, `${recording.name}: numbered sources`).toBeGreaterThan(0)
    expect(numbers, `${recording.name}: numbered sources`).toEqual(all.slice(0, numbers.length))
    if (lines.allSources) expect(numbers, `${recording.name}: every source`).toEqual(all)
  }
  if (expected.status === 'failed' || (expected.text === '' && expected.functionCalls.length > 0)) {
    // A tool-only or failed answer ends in one readable line.
    const last = shown.trim().split('\n').at(-1) ?? ''
    expect(last, `${recording.name}: one readable line`).toMatch(lines.failed)
  }
}
