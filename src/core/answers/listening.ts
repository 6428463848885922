import type { AudioRef } from '../contracts/chat.ts'
import { InputError } from '../contracts/errors.ts'
import { MICRO_USD_PER_USD, transcriptionMicroUsd } from '../state/usage.ts'
import type { AnswerDeps } from './answer-deps.ts'

/**
 * Voice in: a voice note or an audio file is transcribed (`POST /audio/transcriptions` with the
 * transcription model) and its transcript is the prompt. Checked before any request: its length
 * (`MAX_AUDIO_SECONDS`), its size (the endpoint takes at most 25 MB) and that it is audio.
 * Telegram's Ogg/Opus voice notes go as they are.
 *
 * @example
 *   checkAudio(s, inv.audio)                 // throws InputError('voice.too_long') before anything is sent
 *   const heard = await transcribe(s, inv.audio, signal)
 */

/** What `/audio/transcriptions` accepts in one file. */
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024

/** Containers the endpoint reads, by type; Discord and Telegram name Opus voice notes `audio/ogg`. */
const AUDIO_TYPES = new Set([
  'audio/ogg',
  'audio/opus',
  'audio/mpeg',
  'audio/mp3',
  'audio/mp4',
  'audio/m4a',
  'audio/x-m4a',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/webm',
  'audio/flac',
  'audio/x-flac',
])

export interface Heard {
  text: string
  /** Seconds of audio, as the platform announced them (what the transcription is priced by). */
  seconds: number
}

export function checkAudio(s: AnswerDeps, audio: AudioRef): void {
  const max = s.config.limits.maxAudioSeconds
  if (audio.duration !== undefined && audio.duration > max)
    throw new InputError('voice.too_long', { seconds: Math.ceil(audio.duration), max })
  if (audio.size !== undefined && audio.size > MAX_AUDIO_BYTES) throw tooLarge(audio.size)
  if (!AUDIO_TYPES.has(baseType(audio.mime))) throw new InputError('voice.type', { mime: audio.mime })
}

/** What transcribing may cost, for the budget check: the announced length, else the longest allowed. */
export function transcriptionEstimateUsd(s: AnswerDeps, audio: AudioRef): number {
  const seconds = audio.duration ?? s.config.limits.maxAudioSeconds
  return transcriptionMicroUsd(s.models, s.config.transcribeModel, seconds) / MICRO_USD_PER_USD
}

export async function transcribe(s: AnswerDeps, audio: AudioRef, signal: AbortSignal): Promise<Heard> {
  const { mime, bytes } = await audio.fetch(signal)
  if (bytes.byteLength > MAX_AUDIO_BYTES) throw tooLarge(bytes.byteLength)
  const { text } = await s.media.transcribe(
    { model: s.config.transcribeModel, file: { name: audio.name, mime: baseType(mime), bytes } },
    signal,
  )
  if (text.trim() === '') throw new InputError('voice.empty')
  return { text: text.trim(), seconds: audio.duration ?? 0 }
}

/** The transcript as the top of the answer: a quote, so it reads as what was heard. */
export function quoteHeard(heard: Heard): string {
  return heard.text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')
}

function baseType(mime: string): string {
  return mime.split(';')[0]!.trim().toLowerCase()
}

function tooLarge(size: number): InputError {
  return new InputError('voice.too_large', {
    size: (size / 1048576).toFixed(1),
    max: (MAX_AUDIO_BYTES / 1048576).toFixed(0),
  })
}
