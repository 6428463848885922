import type { Clock } from '../contracts/clock.ts'
import { Gone, RateLimited, SurfaceError } from '../contracts/errors.ts'
import type { MessageRef, Picture, Surface } from '../contracts/surface.ts'
import type { GeneratedImage } from '../responses/state.ts'
import type { LaneCall, LaneRegistry, LaneTask } from './scheduler.ts'

/**
 * The pictures of one answer, drawn live: each picture is one photo message that is sent with the
 * first partial image and then replaced in place by every newer one (Telegram `editMessageMedia`,
 * a Discord attachment swap), through the chat's lane, so it keeps the platform's pace and 429s
 * like text does; the newest image always wins, and the finished image always lands, with its
 * caption. On request each finished picture is also sent as a file (full resolution: platforms
 * recompress photos). A surface without pictures gets the finished image as a file only.
 *
 * @example
 *   const pictures = createLivePictures({ surface, lanes, caption: (image, done) => done ? image.revisedPrompt : 'Drawing…' })
 *   onState = (state) => pictures.update(state.images)
 *   const { messages } = await pictures.finish(final.images)
 */
export interface LivePicturesInit {
  surface: Surface
  lanes: LaneRegistry
  clock?: Clock
  /** The caption under a picture: while it is drawn (`done` false) and once finished. */
  caption?: (image: GeneratedImage, done: boolean) => string | undefined
  /** Also send each finished picture as a file. Default false. */
  asFile?: boolean
  /** Called once when a picture's message is gone (deleted). */
  onGone?: (err: Gone) => void
  /** Retries of a finished picture after transient errors. Default 5. */
  finalRetries?: number
}

export interface PicturesResult {
  /** The photo (and file) messages, in order. */
  messages: MessageRef[]
  outcome: 'delivered' | 'gone' | 'failed'
  error?: unknown
}

export interface LivePictures {
  /** Offers the newest pictures; returns at once. */
  update(images: readonly GeneratedImage[]): void
  /** Shows the finished pictures (and files) and resolves when they are delivered. */
  finish(images: readonly GeneratedImage[]): Promise<PicturesResult>
  readonly refs: readonly MessageRef[]
}

interface Slot {
  ref?: MessageRef
  /** What the platform shows now (see `keyOf`). */
  shown?: string
  file?: MessageRef
  failures: number
  notBefore: number
}

const MIN_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 30_000

export function createLivePictures(init: LivePicturesInit): LivePictures {
  const pictures = new PictureTask(init)
  return {
    update: (images) => pictures.update(images),
    finish: (images) => pictures.finish(images),
    get refs() {
      return pictures.messages()
    },
  }
}

/** A picture's bytes, decoded once per version. */
function decoded(b64: string, cache: Map<string, Uint8Array>): Uint8Array {
  let bytes = cache.get(b64)
  if (!bytes) {
    cache.clear()
    bytes = new Uint8Array(Buffer.from(b64, 'base64'))
    cache.set(b64, bytes)
  }
  return bytes
}

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' }

class PictureTask implements LaneTask {
  private readonly init: LivePicturesInit
  private readonly clock: Clock
  private readonly lane
  private readonly slots = new Map<string, Slot>()
  private readonly cache = new Map<string, Uint8Array>()
  private latest: readonly GeneratedImage[] = []
  private final: readonly GeneratedImage[] | undefined
  private result: PicturesResult | undefined
  private resolve: ((result: PicturesResult) => void) | undefined
  private readonly settled: Promise<PicturesResult>

  constructor(init: LivePicturesInit) {
    this.init = init
    this.clock = init.clock ?? init.lanes.clock
    this.lane = init.lanes.lane(init.surface)
    this.settled = new Promise((resolve) => {
      this.resolve = resolve
    })
  }

  update(images: readonly GeneratedImage[]): void {
    if (this.result || this.final || !this.init.surface.sendPicture) return
    if (images.every((image) => !image.partial && !image.result)) return
    this.latest = images
    this.lane.offer(this)
  }

  finish(images: readonly GeneratedImage[]): Promise<PicturesResult> {
    if (!this.final && !this.result) {
      this.final = images
      this.lane.offer(this, true)
    }
    return this.settled
  }

  messages(): MessageRef[] {
    return [...this.slots.values()].flatMap((slot) => [
      ...(slot.ref ? [slot.ref] : []),
      ...(slot.file ? [slot.file] : []),
    ])
  }

  next(): LaneCall | undefined {
    if (this.result) return undefined
    const final = this.final !== undefined
    const surface = this.init.surface
    for (const image of this.final ?? this.latest) {
      const slot = this.slotOf(image.id)
      const picture = this.pictureOf(image)
      if (picture && surface.sendPicture) {
        const key = keyOf(image, picture)
        if (slot.shown !== key) {
          return {
            messageId: slot.ref?.id,
            final: final && image.result !== undefined,
            notBefore: slot.notBefore,
            run: () => this.show(slot, key, picture, image.result !== undefined),
          }
        }
      }
      const wantsFile = this.init.asFile === true || !surface.sendPicture
      if (final && wantsFile && image.result !== undefined && !slot.file && surface.sendFile) {
        const bytes = decoded(image.result, this.cache)
        const name = `image-${image.id}.${image.format ?? 'png'}`
        const caption = surface.sendPicture ? undefined : this.init.caption?.(image, true)
        return {
          final: true,
          notBefore: slot.notBefore,
          run: () => this.sendFile(slot, name, bytes, caption),
        }
      }
    }
    if (final) this.settle('delivered')
    return undefined
  }

  private slotOf(id: string): Slot {
    let slot = this.slots.get(id)
    if (!slot) {
      slot = { failures: 0, notBefore: 0 }
      this.slots.set(id, slot)
    }
    return slot
  }

  /** The newest version of a picture: the finished image, else the latest partial. */
  private pictureOf(image: GeneratedImage): Picture | undefined {
    const b64 = image.result ?? image.partial?.b64
    if (b64 === undefined) return undefined
    const done = image.result !== undefined
    const format = image.format ?? 'png'
    const caption = this.init.caption?.(image, done)
    return {
      bytes: decoded(b64, this.cache),
      mime: MIME[format] ?? 'image/png',
      name: `image.${format}`,
      ...(caption ? { caption } : {}),
    }
  }

  private async show(slot: Slot, key: string, picture: Picture, done: boolean): Promise<string | undefined> {
    const surface = this.init.surface
    try {
      if (slot.ref) await surface.editPicture!(slot.ref, picture)
      else slot.ref = await surface.sendPicture!(picture)
      slot.shown = key
      slot.failures = 0
      slot.notBefore = 0
    } catch (err) {
      if (err instanceof RateLimited) throw err
      // A partial that cannot be shown is skipped: the next one (or the finished image) replaces it.
      if (!done && !(err instanceof Gone)) slot.shown = key
      else this.failed(slot, err)
    }
    return slot.ref?.id
  }

  private async sendFile(
    slot: Slot,
    name: string,
    bytes: Uint8Array,
    caption: string | undefined,
  ): Promise<string | undefined> {
    try {
      slot.file = await this.init.surface.sendFile!(name, bytes, caption)
      slot.failures = 0
      slot.notBefore = 0
    } catch (err) {
      if (err instanceof RateLimited) throw err
      this.failed(slot, err)
    }
    return slot.file?.id
  }

  private failed(slot: Slot, err: unknown): void {
    if (err instanceof Gone) {
      this.settle('gone', err)
      this.init.onGone?.(err)
      return
    }
    slot.failures++
    const base = Math.max(MIN_BACKOFF_MS, this.init.surface.pace.perMessageMs)
    slot.notBefore = this.clock.now() + Math.min(MAX_BACKOFF_MS, base * 2 ** slot.failures)
    const transient = err instanceof SurfaceError && err.transient
    if (!transient || slot.failures > (this.init.finalRetries ?? 5)) this.settle('failed', err)
  }

  private settle(outcome: PicturesResult['outcome'], error?: unknown): void {
    if (this.result) return
    const messages = this.messages()
    this.result = error === undefined ? { messages, outcome } : { messages, outcome, error }
    this.resolve?.(this.result)
  }
}

function keyOf(image: GeneratedImage, picture: Picture): string {
  const version = image.result !== undefined ? 'final' : `partial:${image.partial?.index ?? 0}`
  return `${image.id}:${version}:${picture.caption ?? ''}`
}
