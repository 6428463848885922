import { vi } from 'vitest'

/**
 * Waits (in real time) until `probe` gives a truthy value, and returns it: for waiting on I/O
 * (a fake server's request, a process's log line), never to measure time.
 *
 * @example
 *   const reply = await until(() => fake.botMessages(42).at(-1), 'the reply')
 */
export function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe()
      if (!value) throw new Error(`timed out waiting for ${what}`)
      return value
    },
    { timeout: timeoutMs, interval: 10 },
  )
}
