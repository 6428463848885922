import { TelegramError } from 'telegraf'
import { describe, expect, test } from 'vitest'
import { pollingFailure } from '../../../src/adapters/telegram/telegram-adapter.ts'
import { ConfigError, RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'

function getUpdatesError(code: number, description: string): TelegramError {
  return new TelegramError({ error_code: code, description }, { method: 'getUpdates', payload: {} })
}

function described(err: Error): [string, string, boolean | undefined] {
  return [err.constructor.name, err.message, err instanceof SurfaceError ? err.transient : undefined]
}

describe('pollingFailure: why polling ended, as the supervisor acts on it', () => {
  test('a refused token (401, 404) needs a person: a ConfigError naming the variable', () => {
    for (const code of [401, 404]) {
      const err = pollingFailure(getUpdatesError(code, 'Unauthorized'))
      expect(err).toBeInstanceOf(ConfigError)
      expect(err.message).toBe(
        `TELEGRAM_BOT_TOKEN: rejected by the Bot API (${code}): the token was revoked or reset; set the current one from @BotFather`,
      )
    }
  })

  test('a 409 says whether another poller or a webhook holds the token, and is retried', () => {
    const poller = getUpdatesError(409, 'Conflict: terminated by other getUpdates request')
    const webhook = getUpdatesError(409, "Conflict: can't use getUpdates method while webhook is active")
    expect([described(pollingFailure(poller)), described(pollingFailure(webhook))]).toEqual([
      ['SurfaceError', 'telegram: another process is polling with this bot token (409 Conflict)', true],
      [
        'SurfaceError',
        'telegram: a webhook is set for this bot token (409 Conflict): another process runs in webhook mode',
        true,
      ],
    ])
    expect(pollingFailure(poller).cause).toBe(poller)
  })

  test('anything else is the usual surface error', () => {
    expect(pollingFailure(getUpdatesError(429, 'Too Many Requests'))).toBeInstanceOf(RateLimited)
    expect(described(pollingFailure(getUpdatesError(502, 'Bad Gateway')))[2]).toBe(true)
  })
})
