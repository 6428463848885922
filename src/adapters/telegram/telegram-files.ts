import type { Telegram } from 'telegraf'
import { InputError, SurfaceError } from '../../core/contracts/errors.ts'
import { toSurfaceError } from './telegram-errors.ts'

/**
 * Files people send (photos, voice notes, audio files, documents) as refs Herald fetches only when
 * the request is allowed: getFile, then `{apiRoot}/file/bot<token>/<file_path>`. A file is refused
 * as soon as it shows it is over the limit (announced by the message, by getFile, by
 * Content-Length, or while reading), and checked against the size getFile announced.
 *
 * @example
 *   const doc = { name, ...sentFile(message.document, 'application/pdf', { telegram, fetch, tooLarge }) }
 *   const { bytes } = await doc.fetch(signal)
 */

/** The Bot API serves files of at most 20 MB. */
export const TELEGRAM_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024

const BYTES_PER_MB = 1048576

/** Bytes as the refusals show them: megabytes with `digits` decimals. */
export function megabytes(bytes: number, digits = 1): string {
  return (bytes / BYTES_PER_MB).toFixed(digits)
}

/** What every file ref has: its type, its size when Telegram announces it, and how to fetch it. */
export interface SentFile {
  mime: string
  size?: number
  fetch(signal?: AbortSignal): Promise<{ mime: string; bytes: Uint8Array }>
}

export interface SentFileOptions {
  telegram: Telegram
  fetch: typeof globalThis.fetch
  /** The error for a file over `maxBytes` (said in the asker's terms: an image, a voice note). */
  tooLarge: () => Error
  /** Default: the Bot API's limit. */
  maxBytes?: number
}

/** A file a message announces, as a ref: downloaded only when asked, refused past `maxBytes` before any download. */
export function sentFile(
  file: { file_id: string; file_size?: number | undefined },
  mime: string,
  options: SentFileOptions,
): SentFile {
  const maxBytes = options.maxBytes ?? TELEGRAM_DOWNLOAD_LIMIT_BYTES
  const ref: SentFile = {
    mime,
    async fetch(signal) {
      if ((file.file_size ?? 0) > maxBytes) throw options.tooLarge()
      const bytes = await downloadTelegramFile({
        telegram: options.telegram,
        fileId: file.file_id,
        maxBytes,
        fetch: options.fetch,
        tooLarge: options.tooLarge,
        ...(signal ? { signal } : {}),
      })
      return { mime, bytes }
    },
  }
  if (file.file_size !== undefined) ref.size = file.file_size
  return ref
}

interface DownloadOptions {
  telegram: Telegram
  fileId: string
  maxBytes: number
  fetch: typeof globalThis.fetch
  tooLarge: () => Error
  signal?: AbortSignal
}

async function readBounded(
  response: Response,
  maxBytes: number,
  tooLargeError: () => Error,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = response.body?.getReader()
  if (!reader) return new Uint8Array(0)
  for (;;) {
    signal?.throwIfAborted()
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > maxBytes) {
      await reader.cancel()
      throw tooLargeError()
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.length
  }
  return bytes
}

/**
 * A file people sent: getFile, then `{apiRoot}/file/bot<token>/<file_path>`, refused as soon as it
 * shows it is over `maxBytes` (announced by getFile, by Content-Length, or while reading), and
 * checked against the size getFile announced.
 */
async function downloadTelegramFile(options: DownloadOptions): Promise<Uint8Array> {
  const { telegram, maxBytes, signal } = options
  let link: URL
  let expected: number | undefined
  try {
    const file = await telegram.getFile(options.fileId)
    expected = file.file_size
    if (expected !== undefined && expected > maxBytes) throw options.tooLarge()
    if (file.file_path === undefined)
      throw new SurfaceError('telegram getFile: no file_path (file too big?)', false)
    link = await telegram.getFileLink(file)
  } catch (err) {
    if (err instanceof InputError) throw err
    throw toSurfaceError(err)
  }
  if (link.protocol !== 'http:' && link.protocol !== 'https:') {
    throw new SurfaceError('telegram: a local Bot API server returned a file path, not a download URL', false)
  }
  let response: Response
  try {
    response = await options.fetch(link, signal ? { signal } : {})
  } catch (err) {
    throw toSurfaceError(err)
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new SurfaceError(`telegram file download: HTTP ${response.status}`, response.status >= 500)
  }
  const announced = Number(response.headers.get('content-length') ?? Number.NaN)
  if (announced > maxBytes) {
    await response.body?.cancel()
    throw options.tooLarge()
  }
  const bytes = await readBounded(response, maxBytes, options.tooLarge, signal)
  if (expected !== undefined && bytes.length !== expected) {
    throw new SurfaceError(`telegram file download: got ${bytes.length} bytes, expected ${expected}`, true)
  }
  return bytes
}
