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
