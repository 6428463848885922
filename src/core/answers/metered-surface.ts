import { RateLimited } from '../contracts/errors.ts'
import type { CoreMetrics } from '../contracts/metrics.ts'
import type { Surface } from '../contracts/surface.ts'

/**
 * A Surface that counts what the live-message engine does on the platform, for /metrics: every send,
 * edit and draft that lands (`herald_edits_total`) and every 429 the platform answers
 * (`herald_rate_limit_answers_total`), by platform. Errors pass through unchanged.
 *
 * @example
 *   const live = createLiveMessage({ surface: meteredSurface(inv.surface, metrics, 'telegram'), lanes })
 */
export function meteredSurface(surface: Surface, metrics: CoreMetrics, platform: string): Surface {
  const labels = { platform }
  const counted = async <T>(call: () => Promise<T>, edit: boolean): Promise<T> => {
    try {
      const result = await call()
      if (edit) metrics.edits.inc(labels)
      return result
    } catch (err) {
      if (err instanceof RateLimited) metrics.rateLimitAnswers.inc(labels)
      throw err
    }
  }
  const metered: Surface = {
    chatKey: surface.chatKey,
    limit: surface.limit,
    pace: surface.pace,
    format: surface.format,
    send: (content) => counted(() => surface.send(content), true),
    edit: (ref, content) => counted(() => surface.edit(ref, content), true),
  }
  const { draft, sendFile, sendPicture, editPicture, sendVoice, typing } = surface
  if (draft) metered.draft = (id, content) => counted(() => draft.call(surface, id, content), true)
  if (sendFile) {
    metered.sendFile = (name, bytes, caption) =>
      counted(() => sendFile.call(surface, name, bytes, caption), false)
  }
  if (sendPicture) metered.sendPicture = (picture) => counted(() => sendPicture.call(surface, picture), true)
  if (editPicture)
    metered.editPicture = (ref, picture) => counted(() => editPicture.call(surface, ref, picture), true)
  if (sendVoice)
    metered.sendVoice = (bytes, caption) => counted(() => sendVoice.call(surface, bytes, caption), false)
  if (typing) metered.typing = () => counted(() => typing.call(surface), false)
  return metered
}
