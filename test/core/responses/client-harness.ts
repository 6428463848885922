import pino from 'pino'
import { afterEach, beforeEach } from 'vitest'
import {
  createResponsesClient,
  type ResponsesClient,
  type ResponsesClientOptions,
} from '../../../src/core/responses/client.ts'
import { type FakeResponsesApi, startFakeResponsesApi } from '../../fakes/fake-responses-api.ts'
import { type FakeClock, fakeClock } from '../../helpers/fake-clock.ts'
import { until as waitUntil } from '../../helpers/until.ts'

/** The key every client test uses; assertions check it never leaks. */
export const KEY = 'sk-test-0123456789abcdefghijklmnopqrstuv'
export const timeouts = { connectMs: 1000, firstByteMs: 5000, idleMs: 3000 }

export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

export interface Harness {
  fake: FakeResponsesApi
  clock: FakeClock
  logs: LogLine[]
  client: ResponsesClient
  /** A client with other options (closed after the test). */
  makeClient(options?: Partial<ResponsesClientOptions>): ResponsesClient
}

/** Starts a fake API and a client with a fake clock for each test of the file. */
export function useClientHarness(): Harness {
  const harness = {} as Harness
  const clients: ResponsesClient[] = []
  beforeEach(async () => {
    harness.fake = await startFakeResponsesApi()
    harness.clock = fakeClock()
    harness.logs = []
    const log = pino(
      { level: 'debug' },
      { write: (line: string) => void harness.logs.push(JSON.parse(line)) },
    )
    harness.makeClient = (options = {}) => {
      const client = createResponsesClient({
        baseUrl: harness.fake.url,
        apiKey: KEY,
        clock: harness.clock,
        random: () => 0.5,
        timeouts,
        log,
        ...options,
      })
      clients.push(client)
      return client
    }
    harness.client = harness.makeClient()
  })
  afterEach(async () => {
    await harness.fake.close()
    await Promise.all(clients.splice(0).map((c) => c.close()))
  })
  return harness
}

/** Polls (in real time) until `condition` holds; for waiting on I/O, never on time. */
export async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  await waitUntil(condition, what, 2000)
}
