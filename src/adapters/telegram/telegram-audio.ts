import type { Telegram } from 'telegraf'
import type { Message } from 'telegraf/types'
import type { AudioRef } from '../../core/contracts/chat.ts'
import { InputError } from '../../core/contracts/errors.ts'
import { megabytes, sentFile, TELEGRAM_DOWNLOAD_LIMIT_BYTES } from './telegram-files.ts'

/**
 * A Telegram voice note (Ogg/Opus, sent as is) or audio file as an AudioRef: its length and size
 * as Telegram announces them, downloaded only when the request is allowed. The Bot API serves
 * files of at most 20 MB, so a larger one is refused before any download.
 *
 * @example
 *   const audio = audioOf(message, telegram)   // undefined for a message without voice or audio
 */
const EXTENSIONS: Record<string, string> = {
  'audio/ogg': 'ogg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/flac': 'flac',
  'audio/webm': 'webm',
}

export function audioOf(
  message: Message,
  telegram: Telegram,
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
): AudioRef | undefined {
  const file =
    'voice' in message
      ? { ...message.voice, file_name: undefined }
      : 'audio' in message
        ? message.audio
        : undefined
  if (!file) return undefined
  const mime = file.mime_type ?? 'audio/ogg'
  const name = file.file_name ?? `${'voice' in message ? 'voice' : 'audio'}.${EXTENSIONS[mime] ?? 'ogg'}`
  const tooLarge = () =>
    new InputError('voice.too_large', {
      size: megabytes(file.file_size ?? 0),
      max: megabytes(TELEGRAM_DOWNLOAD_LIMIT_BYTES, 0),
    })
  return { duration: file.duration, name, ...sentFile(file, mime, { telegram, fetch: fetchImpl, tooLarge }) }
}
