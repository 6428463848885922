import { Writable } from 'node:stream'
import { expect, test } from 'vitest'
import { createLogger, REDACTED, scrubSecrets } from '../../../src/core/contracts/log.ts'

function capture() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { lines, destination }
}

const key = 'sk-proj-abcdefghijklmnop1234567890'
const botToken = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'

test('secrets never reach the log, by path or by value, errors included', () => {
  const { lines, destination } = capture()
  const log = createLogger({ level: 'debug', secrets: [key, botToken], destination })
  log.info({ headers: { authorization: `Bearer ${key}` } }, 'request')
  log.info({ apiKey: key, token: botToken }, 'config')
  log.error(
    { err: new Error(`POST https://api.telegram.org/bot${botToken}/sendMessage failed`) },
    'send failed',
  )
  log.warn(`upstream said: invalid key ${key}`)
  log.child({ req: 'abc' }).info({ url: `https://x/bot${encodeURIComponent(botToken)}/getMe` }, 'child')
  const output = lines.join('')
  expect(lines).toHaveLength(5)
  expect(output).not.toContain(key)
  expect(output).not.toContain(botToken)
  expect(output).not.toContain('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw')
  expect(output.split(REDACTED).length - 1).toBeGreaterThanOrEqual(6)
  expect(JSON.parse(lines[4]!)).toMatchObject({ req: 'abc', msg: 'child' })
})

test('scrubSecrets ignores values too short to be secrets', () => {
  expect(scrubSecrets('a b c', ['a', ''])).toBe('a b c')
  expect(scrubSecrets('x sk-123456 y', ['sk-123456'])).toBe(`x ${REDACTED} y`)
})
