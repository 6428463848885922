import { deflateSync } from 'node:zlib'

/**
 * Real PNG files for the fakes, encoded here (8-bit RGB, one IDAT, CRC-32 per chunk): what the
 * image tool streams as partial images, what Telegram and Discord receive, and what tests read back.
 *
 * @example
 *   const png = encodePng(8, 8, () => [255, 0, 0])   // an 8×8 red square
 *   pngSize(png)                                       // { width: 8, height: 8 }
 */
export type Rgb = readonly [number, number, number]

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  typed.copy(out, 4)
  out.writeUInt32BE(crc32(typed), 8 + data.length)
  return out
}

export function encodePng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Uint8Array {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // colour type: RGB
  const rows = Buffer.alloc(height * (1 + width * 3))
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3) // each row starts with filter type 0
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y)
      rows.set([r, g, b], row + 1 + x * 3)
    }
  }
  return new Uint8Array(
    Buffer.concat([
      SIGNATURE,
      chunk('IHDR', header),
      chunk('IDAT', deflateSync(rows)),
      chunk('IEND', new Uint8Array(0)),
    ]),
  )
}

/** A picture that sharpens step by step: `step` of `steps` bands are filled in, the rest grey. */
export function sketchPng(step: number, steps: number, size = 16, colour: Rgb = [30, 90, 200]): Uint8Array {
  const filled = Math.round((size * step) / steps)
  return encodePng(size, size, (_x, y) => (y < filled ? colour : [128, 128, 128]))
}

/** Width and height from the IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const buffer = Buffer.from(bytes)
  if (buffer.length < 24 || !buffer.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG')
  if (buffer.toString('ascii', 12, 16) !== 'IHDR') throw new Error('PNG without IHDR first')
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) }
}

export function isPng(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 8)).equals(SIGNATURE)
}
