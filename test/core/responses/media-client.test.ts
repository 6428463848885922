import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { UpstreamError } from '../../../src/core/responses/errors.ts'
import { createMediaClient, type MediaClient } from '../../../src/core/responses/media-client.ts'
import { oggVoice, wavAudio } from '../../fakes/audio.ts'
import {
  type FakeResponsesApi,
  imageResult,
  rateLimited,
  startFakeResponsesApi,
  transcript,
} from '../../fakes/fake-responses-api.ts'
import { isPng, pngSize, sketchPng } from '../../fakes/png.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

const KEY = 'sk-test-media-0123456789'
const OGG_VOICE = oggVoice()
const WAV = wavAudio()

let fake: FakeResponsesApi
let media: MediaClient

beforeEach(async () => {
  fake = await startFakeResponsesApi()
  media = createMediaClient({ baseUrl: fake.url, apiKey: KEY, clock: fakeClock(), random: () => 0 })
})

afterEach(async () => {
  await media.close()
  await fake.close()
})

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  )
}

describe('the images endpoint', () => {
  test('answers a real PNG, with the revised prompt and the usage', async () => {
    fake.enqueueFor('/v1/images/generations', imageResult(sketchPng(3, 3), { revisedPrompt: 'A red fox' }))
    const image = await media.generateImage({
      model: 'gpt-image-1',
      prompt: 'a fox',
      size: '1024x1024',
      quality: 'low',
    })
    const bytes = Buffer.from(image.b64, 'base64')
    expect([isPng(bytes), pngSize(bytes), image.revisedPrompt, image.usage]).toEqual([
      true,
      { width: 16, height: 16 },
      'A red fox',
      { input_tokens: 20, output_tokens: 272 },
    ])
    expect(fake.requests[0]!.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'a fox',
      size: '1024x1024',
      quality: 'low',
      n: 1,
    })
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
  })

  test('a size the model does not draw is a bad request, not retried', async () => {
    const err = await failure(media.generateImage({ model: 'gpt-image-1', prompt: 'a fox', size: '640x480' }))
    expect(err).toBeInstanceOf(UpstreamError)
    expect([(err as UpstreamError).kind, (err as UpstreamError).param]).toEqual(['bad_request', 'size'])
    expect(fake.requests).toHaveLength(1)
  })
})

describe('the transcription endpoint', () => {
  test('takes an Ogg/Opus voice note as is (multipart) and answers its text', async () => {
    fake.enqueueFor('/v1/audio/transcriptions', transcript('What is the weather in Oslo?'))
    const result = await media.transcribe({
      model: 'gpt-4o-mini-transcribe',
      file: { name: 'voice.ogg', mime: 'audio/ogg', bytes: OGG_VOICE },
    })
    expect(result).toEqual({ text: 'What is the weather in Oslo?' })
    const sent = fake.requests[0]!
    expect(sent.body).toEqual({ model: 'gpt-4o-mini-transcribe', response_format: 'json' })
    expect(sent.files.map((f) => [f.field, f.name, f.type, f.bytes.length])).toEqual([
      ['file', 'voice.ogg', 'audio/ogg', OGG_VOICE.length],
    ])
  })

  test('a file whose bytes are not what its name says is refused', async () => {
    const err = await failure(
      media.transcribe({ model: 'whisper-1', file: { name: 'voice.ogg', mime: 'audio/ogg', bytes: WAV } }),
    )
    expect([(err as UpstreamError).kind, (err as UpstreamError).code]).toEqual([
      'bad_request',
      'invalid_value',
    ])
    const renamed = await media.transcribe({
      model: 'whisper-1',
      file: { name: 'a.wav', mime: 'audio/wav', bytes: WAV },
    })
    expect(renamed.text).toBe('Hello from a voice note.')
  })

  test('a rate limit is waited out and the call made again', async () => {
    fake.enqueueFor('/v1/audio/transcriptions', rateLimited({ retryAfterMs: '10' }), transcript('again'))
    const clockless = createMediaClient({ baseUrl: fake.url, apiKey: KEY, random: () => 0 })
    try {
      const result = await clockless.transcribe({
        model: 'whisper-1',
        file: { name: 'voice.ogg', mime: 'audio/ogg', bytes: OGG_VOICE },
      })
      expect([result.text, fake.requests.length]).toEqual(['again', 2])
    } finally {
      await clockless.close()
    }
  })
})

describe('the speech endpoint', () => {
  test('answers Ogg/Opus bytes for the text', async () => {
    const bytes = await media.speak({
      model: 'gpt-4o-mini-tts',
      input: 'Hello there',
      voice: 'alloy',
      response_format: 'opus',
    })
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('OggS')
    expect(Buffer.from(bytes).toString('utf8')).toContain('Hello there')
  })

  test('input past 4096 characters is refused', async () => {
    const err = await failure(
      media.speak({
        model: 'gpt-4o-mini-tts',
        input: 'x'.repeat(4097),
        voice: 'alloy',
        response_format: 'opus',
      }),
    )
    expect((err as UpstreamError).kind).toBe('bad_request')
  })
})
