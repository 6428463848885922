import type { Telegram } from 'telegraf'
import type { PhotoSize } from 'telegraf/types'
import type { ImageRef } from '../../core/contracts/chat.ts'
import { InputError } from '../../core/contracts/errors.ts'
import { megabytes, sentFile } from './telegram-files.ts'

/**
 * A Telegram photo as an ImageRef: the largest size, fetched only when asked (telegram-files.ts),
 * refused before downloading when it is over the limit, and checked against the size Telegram
 * announced after downloading.
 *
 * @example
 *   const image = photoImage({ telegram, sizes: message.photo, maxBytes: 10 * 1024 * 1024 })
 *   const { bytes } = await image.fetch()
 */

/** The photo's sizes as Telegram sends them, and the largest download allowed. */
export interface PhotoImageOptions {
  telegram: Telegram
  sizes: readonly PhotoSize[]
  maxBytes: number
  fetch?: typeof globalThis.fetch
}

/** Telegram sends photos as JPEG. */
export const TELEGRAM_PHOTO_MIME = 'image/jpeg'

function largest(sizes: readonly PhotoSize[]): PhotoSize | undefined {
  const area = (p: PhotoSize) => p.file_size ?? p.width * p.height
  return [...sizes].sort((a, b) => area(b) - area(a))[0]
}

export function photoImage(options: PhotoImageOptions): ImageRef | undefined {
  const { telegram, maxBytes } = options
  const photo = largest(options.sizes)
  if (!photo) return undefined
  const tooLarge = () =>
    new InputError('limits.image_too_large', { size: '>' + megabytes(maxBytes), max: megabytes(maxBytes) })
  return sentFile(photo, TELEGRAM_PHOTO_MIME, {
    telegram,
    fetch: options.fetch ?? globalThis.fetch,
    tooLarge,
    maxBytes,
  })
}
