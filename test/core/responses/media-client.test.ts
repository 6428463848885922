import pino from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { UpstreamError } from '../../../src/core/responses/errors.ts'
import { createMediaClient, type MediaClient } from '../../../src/core/responses/media-client.ts'
import { oggVoice, wavAudio } from '../../fakes/audio.ts'
import {
  apiError,
  type FakeResponsesApi,
  imageResult,
  rateLimited,
  serverError,
  startFakeResponsesApi,
  transcript,
} from '../../fakes/fake-responses-api.ts'
import { isPng, pngSize, sketchPng } from '../../fakes/png.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'

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

describe('what the media client shares with the Responses client', () => {
  let clock: FakeClock
  let logs: { msg: string; path?: string; kind?: string; attempt?: number; delayMs?: number }[]
  let shared: MediaClient
  const retries = () =>
    logs.filter((l) => l.msg === 'retrying OpenAI call').map((l) => [l.path, l.kind, l.attempt, l.delayMs])
  const image = { model: 'gpt-image-1', prompt: 'a fox' }

  beforeEach(() => {
    clock = fakeClock()
    logs = []
    const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) })
    shared = createMediaClient({ baseUrl: fake.url, apiKey: KEY, clock, random: () => 0.5, log })
  })

  afterEach(async () => {
    await shared.close()
  })

  test('a rate limit waits its Retry-After plus the jitter on the injected clock, then calls again', async () => {
    fake.enqueueFor(
      '/v1/images/generations',
      rateLimited({ retryAfterMs: '1200' }),
      imageResult(sketchPng(3, 3)),
    )
    const drawn = shared.generateImage(image)
    await expect.poll(retries).toHaveLength(1)
    // 1200 + 0.5 × max(500, 1200 / 4)
    expect(retries()).toEqual([['/images/generations', 'rate_limited', 1, 1450]])
    await clock.advance(1449)
    expect(fake.requests).toHaveLength(1)
    await clock.advance(1)
    expect(isPng(Buffer.from((await drawn).b64, 'base64'))).toBe(true)
    expect(fake.requests).toHaveLength(2)
  })

  test('server errors are retried with backoff up to maxRetries, then the last one is thrown', async () => {
    fake.enqueueFor('/v1/audio/speech', serverError(502), serverError(503), serverError(500))
    const spoken = failure(
      shared.speak({ model: 'gpt-4o-mini-tts', input: 'Hi', voice: 'alloy', response_format: 'opus' }),
    )
    await expect.poll(retries).toHaveLength(1)
    await clock.advance(250)
    await expect.poll(retries).toHaveLength(2)
    await clock.advance(500)
    expect(await spoken).toMatchObject({ kind: 'server', status: 500 })
    expect(retries()).toEqual([
      ['/audio/speech', 'gateway', 1, 250],
      ['/audio/speech', 'overloaded', 2, 500],
    ])
    expect(fake.requests).toHaveLength(3)
  })

  test("the caller's abort during a retry wait ends the call, with nothing sent again", async () => {
    fake.enqueueFor('/v1/images/generations', serverError(500), imageResult(sketchPng(3, 3)))
    const controller = new AbortController()
    const drawn = shared.generateImage(image, controller.signal)
    await expect.poll(retries).toHaveLength(1)
    expect(clock.pending).toBe(1)
    controller.abort()
    await expect(drawn).rejects.toBeDefined()
    expect(clock.pending).toBe(0)
    await clock.advance(10_000)
    expect(fake.requests).toHaveLength(1)
  })

  test('JSON bodies say so; a multipart body carries the boundary undici writes', async () => {
    fake.enqueueFor('/v1/images/generations', imageResult(sketchPng(3, 3)))
    fake.enqueueFor('/v1/audio/transcriptions', transcript('hi'))
    await shared.generateImage(image)
    await shared.transcribe({
      model: 'whisper-1',
      file: { name: 'voice.ogg', mime: 'audio/ogg', bytes: OGG_VOICE },
    })
    const [drawing, listening] = fake.requests.map((r) => r.headers)
    expect([drawing!['content-type'], drawing!['user-agent'], drawing!.authorization]).toEqual([
      'application/json',
      'herald',
      `Bearer ${KEY}`,
    ])
    expect(listening!['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    expect(listening!.authorization).toBe(`Bearer ${KEY}`)
  })

  test('the API key never shows in an error, even when the body echoes it', async () => {
    fake.enqueueFor(
      '/v1/audio/transcriptions',
      apiError(401, { message: `Incorrect API key provided: ${KEY}.`, code: 'invalid_api_key' }),
    )
    const err = (await failure(
      shared.transcribe({
        model: 'whisper-1',
        file: { name: 'voice.ogg', mime: 'audio/ogg', bytes: OGG_VOICE },
      }),
    )) as UpstreamError
    expect(err.kind).toBe('auth')
    for (const text of [err.message, JSON.stringify(err), String(err.stack)]) {
      expect(text).not.toContain(KEY)
      expect(text).not.toContain(KEY.slice(8))
    }
  })
})
