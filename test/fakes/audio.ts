/**
 * Audio files for the fakes, by their real first bytes: what the transcription endpoint checks
 * (an Ogg page for Telegram's Opus voice notes, a RIFF/WAVE header), padded with `size` bytes.
 *
 * @example
 *   fake.userSays({ chat, voice: { duration: 3, bytes: oggVoice() } })
 */
export function oggVoice(size = 40): Uint8Array {
  return Uint8Array.from([...Buffer.from('OggS'), 0, 2, ...new Array<number>(size).fill(7)])
}

export function wavAudio(size = 20): Uint8Array {
  return Uint8Array.from([
    ...Buffer.from('RIFF'),
    0,
    0,
    0,
    0,
    ...Buffer.from('WAVE'),
    ...new Array<number>(size).fill(0),
  ])
}

/** The container an audio file really is, from its first bytes (undefined: not audio we know). */
export function audioContainer(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 12))
  if (head.toString('latin1', 0, 4) === 'OggS') return 'ogg'
  if (head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WAVE') return 'wav'
  if (head.toString('latin1', 0, 4) === 'fLaC') return 'flac'
  if (head.toString('latin1', 0, 3) === 'ID3' || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0))
    return 'mp3'
  if (head.toString('latin1', 4, 8) === 'ftyp') return 'mp4'
  if (head.readUInt32BE(0) === 0x1a45dfa3) return 'webm'
  return undefined
}
