import type { Telegram } from 'telegraf'
import type { Message } from 'telegraf/types'
import type { DocumentRef } from '../../core/contracts/chat.ts'
import { InputError } from '../../core/contracts/errors.ts'
import { megabytes, sentFile, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from './telegram-files.ts'

/**
 * A Telegram document (a PDF, a text file) as a DocumentRef: name, type and size as Telegram
 * announces them, downloaded only when the request is allowed, never past the Bot API's 20 MB.
 *
 * @example
 *   const doc = documentOf(message, telegram)   // undefined for a message without a document
 */
export function documentOf(
  message: Message,
  telegram: Telegram,
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
): DocumentRef | undefined {
  if (!('document' in message)) return undefined
  const file = message.document
  const name = file.file_name ?? 'document'
  const mime = file.mime_type ?? 'application/octet-stream'
  const tooLarge = () =>
    new InputError('file.too_large', {
      size: megabytes(file.file_size ?? 0),
      max: megabytes(TELEGRAM_DOWNLOAD_LIMIT_BYTES),
    })
  return { name, ...sentFile(file, mime, { telegram, fetch: fetchImpl, tooLarge }) }
}
