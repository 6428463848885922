import pino, { type DestinationStream, type Logger } from 'pino'

export type { Logger } from 'pino'

/**
 * pino JSON logs. Secrets are redacted twice: by path (authorization headers, tokens, keys) and by
 * value on every line written, so a key inside an error message or a stack never reaches the output.
 *
 * @example
 *   const log = createLogger({ level: 'info', secrets: secretsOf(config) })
 *   const askLog = log.child({ answer: id })
 */
export interface LogOptions {
  level: string
  /** Literal secret values (API key, bot tokens) scrubbed from every line. */
  secrets: readonly string[]
  destination?: DestinationStream
}

export const REDACTED = '[redacted]'

const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'headers.authorization',
  'headers.Authorization',
  'apiKey',
  '*.apiKey',
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'secret',
  '*.secret',
]

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Replaces every occurrence of each secret (and its JSON-escaped form) in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const usable = secrets.filter((s) => s.length >= 6)
  if (usable.length === 0) return text
  const pattern = new RegExp(
    usable
      .flatMap((s) => [s, JSON.stringify(s).slice(1, -1), encodeURIComponent(s)])
      .map(escapeRegExp)
      .join('|'),
    'g',
  )
  return text.replace(pattern, REDACTED)
}

export function createLogger(options: LogOptions): Logger {
  const secrets = [...options.secrets]
  return pino(
    {
      level: options.level,
      base: { app: 'herald' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: {
        streamWrite: (line) => scrubSecrets(line, secrets),
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  )
}

/** A logger that writes nothing, for tests and tools. */
export const silentLogger: Logger = pino({ level: 'silent' })
