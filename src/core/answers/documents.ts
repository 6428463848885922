import type { DocumentRef } from '../contracts/chat.ts'
import { InputError } from '../contracts/errors.ts'
import type { InputFile, InputText } from '../responses/request.ts'
import type { ModelInfo } from '../state/models.ts'

/**
 * Documents in: a PDF goes to models that read files as `input_file` (`file_data`); a text file
 * (plain text, Markdown, CSV, JSON, source code) is inlined as text, up to `MAX_INLINE_CHARS`;
 * anything else, or anything past `MAX_FILE_BYTES`, is refused in one line before any request.
 * The file then stays part of the conversation through the response id it was sent with.
 *
 * @example
 *   checkDocument(maxBytes, model, { name: 'report.pdf', mime: 'application/pdf', size: 52_000, fetch })
 *   const parts = await readDocuments(inv.documents, maxBytes, signal)
 */

/** Characters of a text file inlined into the prompt (about 25 000 tokens). */
export const MAX_INLINE_CHARS = 100_000

const TEXT_EXTENSIONS = new Set([
  'txt',
  'md',
  'markdown',
  'csv',
  'tsv',
  'json',
  'yaml',
  'yml',
  'toml',
  'xml',
  'html',
  'css',
  'sql',
  'log',
  'ts',
  'tsx',
  'js',
  'jsx',
  'mjs',
  'py',
  'rb',
  'go',
  'rs',
  'java',
  'kt',
  'c',
  'h',
  'cpp',
  'hpp',
  'cs',
  'php',
  'sh',
  'swift',
])

type Kind = 'pdf' | 'text'

function kindOf(doc: Pick<DocumentRef, 'name' | 'mime'>): Kind | undefined {
  const mime = doc.mime.split(';')[0]!.trim().toLowerCase()
  const extension = doc.name.includes('.') ? doc.name.split('.').at(-1)!.toLowerCase() : ''
  if (mime === 'application/pdf' || extension === 'pdf') return 'pdf'
  if (mime.startsWith('text/') || TEXT_EXTENSIONS.has(extension)) return 'text'
  return undefined
}

function tooLarge(size: number, maxBytes: number): InputError {
  return new InputError('file.too_large', {
    size: (size / 1048576).toFixed(1),
    max: (maxBytes / 1048576).toFixed(1),
  })
}

/** Refuses, before anything is downloaded or sent, a document that cannot be read with this model. */
export function checkDocument(maxBytes: number, model: ModelInfo | undefined, doc: DocumentRef): void {
  if (doc.size !== undefined && doc.size > maxBytes) throw tooLarge(doc.size, maxBytes)
  const kind = kindOf(doc)
  if (!kind) throw new InputError('file.type', { name: doc.name })
  if (kind === 'pdf' && model?.files !== true) throw new InputError('file.model', { model: model?.id ?? '?' })
}

/** The documents as parts of the user's message, after download (sizes checked again). */
export async function readDocuments(
  docs: readonly DocumentRef[],
  maxBytes: number,
  signal: AbortSignal,
): Promise<Array<InputFile | InputText>> {
  const parts: Array<InputFile | InputText> = []
  for (const doc of docs) {
    const { bytes } = await doc.fetch(signal)
    if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes)
    if (kindOf(doc) === 'pdf') {
      const file_data = `data:application/pdf;base64,${Buffer.from(bytes).toString('base64')}`
      parts.push({ type: 'input_file', filename: doc.name, file_data })
      continue
    }
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
    if (text.length > MAX_INLINE_CHARS)
      throw new InputError('file.too_long', { name: doc.name, max: MAX_INLINE_CHARS })
    parts.push({ type: 'input_text', text: `${doc.name}:\n\`\`\`\n${text}\n\`\`\`` })
  }
  return parts
}
