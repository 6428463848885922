import { describe, expect, test } from 'vitest'
import { checkDocument, MAX_INLINE_CHARS, readDocuments } from '../../../src/core/answers/documents.ts'
import type { DocumentRef } from '../../../src/core/contracts/chat.ts'
import { InputError } from '../../../src/core/contracts/errors.ts'
import { loadModels } from '../../../src/core/state/models.ts'

const models = loadModels()
const signal = new AbortController().signal

function doc(name: string, mime: string, bytes: Uint8Array, size = bytes.length): DocumentRef {
  return { name, mime, size, fetch: async () => ({ mime, bytes }) }
}

function refusal(fn: () => unknown): { key: string; params: Record<string, string | number> } {
  try {
    fn()
  } catch (error) {
    if (error instanceof InputError) return { key: error.key, params: error.params }
    throw error
  }
  throw new Error('expected an InputError')
}

describe('documents', () => {
  test('a PDF needs a model that reads files; text files and source code are read by any', () => {
    const pdf = doc('a.pdf', 'application/pdf', new Uint8Array(10))
    expect(() => checkDocument(1000, models.get('gpt-5-mini'), pdf)).not.toThrow()
    expect(refusal(() => checkDocument(1000, models.get('o3-deep-research'), pdf))).toEqual({
      key: 'file.model',
      params: { model: 'o3-deep-research' },
    })
    for (const name of ['notes.md', 'data.csv', 'main.go', 'README']) {
      const mime = name === 'README' ? 'text/plain' : 'application/octet-stream'
      expect(() =>
        checkDocument(1000, models.get('o3-deep-research'), doc(name, mime, new Uint8Array(1))),
      ).not.toThrow()
    }
    expect(
      refusal(() =>
        checkDocument(1000, models.get('gpt-5'), doc('a.zip', 'application/zip', new Uint8Array(1))),
      ),
    ).toEqual({
      key: 'file.type',
      params: { name: 'a.zip' },
    })
  })

  test('a file past the limit is refused by its announced size, and again after download', async () => {
    const big = doc('a.txt', 'text/plain', new Uint8Array(2048), 100)
    expect(
      refusal(() =>
        checkDocument(1000, models.get('gpt-5'), doc('b.txt', 'text/plain', new Uint8Array(1), 2048)),
      ).key,
    ).toBe('file.too_large')
    await expect(readDocuments([big], 1000, signal)).rejects.toMatchObject({ key: 'file.too_large' })
  })

  test('text is inlined with its name; past the inline limit it is refused', async () => {
    const parts = await readDocuments(
      [doc('a.md', 'text/markdown', new TextEncoder().encode('# Hi'))],
      1000,
      signal,
    )
    expect(parts).toEqual([{ type: 'input_text', text: 'a.md:\n```\n# Hi\n```' }])
    const long = new TextEncoder().encode('x'.repeat(MAX_INLINE_CHARS + 1))
    await expect(readDocuments([doc('b.txt', 'text/plain', long)], 10_000_000, signal)).rejects.toMatchObject(
      {
        key: 'file.too_long',
      },
    )
  })
})
