import { TelegramError } from 'telegraf'
import { describe, expect, test } from 'vitest'
import {
  DEFAULT_RETRY_AFTER_MS,
  isNotModified,
  isUnknownMethod,
  toSurfaceError,
} from '../../../src/adapters/telegram/telegram-errors.ts'
import {
  FormatRejected,
  Gone,
  InputError,
  RateLimited,
  SurfaceError,
} from '../../../src/core/contracts/errors.ts'

function telegramError(code: number, description: string, retryAfter?: number): TelegramError {
  return new TelegramError(
    {
      error_code: code,
      description,
      ...(retryAfter !== undefined ? { parameters: { retry_after: retryAfter } } : {}),
    },
    { method: 'editMessageText', payload: {} },
  )
}

function kindOf(err: unknown): [string, boolean | number | undefined] {
  const mapped = toSurfaceError(err)
  if (mapped instanceof RateLimited) return ['RateLimited', mapped.retryAfterMs]
  if (mapped instanceof FormatRejected) return ['FormatRejected', undefined]
  if (mapped instanceof Gone) return ['Gone', undefined]
  if (mapped instanceof SurfaceError) return ['SurfaceError', mapped.transient]
  return [mapped.name, undefined]
}

describe('toSurfaceError', () => {
  test('a 429 is RateLimited for retry_after seconds in ms', () => {
    expect(kindOf(telegramError(429, 'Too Many Requests: retry after 7', 7))).toEqual(['RateLimited', 7000])
    expect(kindOf(telegramError(429, 'Too Many Requests'))).toEqual(['RateLimited', DEFAULT_RETRY_AFTER_MS])
  })

  test.each([
    [400, 'Bad Request: message to edit not found'],
    [400, "Bad Request: message can't be edited"],
    [400, 'Bad Request: chat not found'],
    [403, 'Forbidden: bot was blocked by the user'],
    [403, 'Forbidden: bot was kicked from the group chat'],
  ])('%i %s is Gone', (code, description) => {
    expect(kindOf(telegramError(code, description))).toEqual(['Gone', undefined])
  })

  test('an HTML parse failure is FormatRejected', () => {
    const err = telegramError(
      400,
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    )
    expect(kindOf(err)).toEqual(['FormatRejected', undefined])
  })

  test.each([
    ['Bad Request: message is too long'],
    ['Bad Request: MESSAGE_TOO_LONG'],
    ['Bad Request: BUTTON_DATA_INVALID'],
  ])('%s is a permanent SurfaceError', (description) => {
    expect(kindOf(telegramError(400, description))).toEqual(['SurfaceError', false])
  })

  test('a 5xx and a network failure are transient', () => {
    expect(kindOf(telegramError(502, 'Bad Gateway'))).toEqual(['SurfaceError', true])
    const network = Object.assign(new Error('request to http://x failed, reason: socket hang up'), {
      name: 'FetchError',
      type: 'system',
      code: 'ECONNRESET',
    })
    expect(kindOf(network)).toEqual(['SurfaceError', true])
    expect(kindOf(new TypeError('x is not a function'))).toEqual(['SurfaceError', false])
  })

  test('Herald errors pass through unchanged', () => {
    const input = new InputError('image_too_large', { maxBytes: 1 })
    expect(toSurfaceError(input)).toBe(input)
  })

  test('the message names the method and the description, and keeps the cause', () => {
    const err = telegramError(400, 'Bad Request: message is too long')
    const mapped = toSurfaceError(err)
    expect([mapped.message, mapped.cause]).toEqual([
      'telegram editMessageText: 400 Bad Request: message is too long',
      err,
    ])
  })
})

describe('Telegram answers that are not failures', () => {
  test('"message is not modified" is recognised; other 400s are not', () => {
    const notModified = telegramError(
      400,
      'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
    )
    expect([
      isNotModified(notModified),
      isNotModified(telegramError(400, 'Bad Request: chat not found')),
    ]).toEqual([true, false])
  })

  test('a 404 means the Bot API server does not know the method', () => {
    expect([
      isUnknownMethod(telegramError(404, 'Not Found')),
      isUnknownMethod(telegramError(400, 'x')),
    ]).toEqual([true, false])
  })
})
