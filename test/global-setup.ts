import type { TestProject } from 'vitest/node'
import { startRedisServer } from './helpers/redis-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A real Redis server started for this test run (`redis://127.0.0.1:<port>`). */
    redisUrl: string
  }
}

/** Starts one real redis-server (from the system's packages) for the whole run; `.ci/run` installs it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer()
  project.provide('redisUrl', redis.url)
  return () => redis.close()
}
