import { RateLimited } from '../contracts/errors.ts'
import type { Surface } from '../contracts/surface.ts'
import type { LaneRegistry, LaneTask } from './scheduler.ts'

/**
 * One call (a file, a voice message) made through the chat's lane, so it keeps the platform's pace; a 429
 * pauses the lane and the call is made again after it.
 *
 * @example
 *   await inLane(lanes, surface, () => surface.sendFile!(name, bytes, caption))
 */
export function inLane<T>(lanes: LaneRegistry, surface: Surface, call: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false
    const task: LaneTask = {
      next: () =>
        done
          ? undefined
          : {
              final: true,
              run: async () => {
                try {
                  const result = await call()
                  done = true
                  resolve(result)
                } catch (err) {
                  if (err instanceof RateLimited) throw err
                  done = true
                  reject(err)
                }
                return undefined
              },
            },
    }
    lanes.lane(surface).offer(task, true)
  })
}
