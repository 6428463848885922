import type { Translate } from '../core/i18n/i18n.ts'
import type { Capability, EndpointProfile, WebSearchToolName } from '../core/state/endpoint-profile.ts'
import type { Answer, Sent } from './doctor-client.ts'

/**
 * The doctor's rows, one per check, each ending in what Herald will do, and what they will save
 * in the endpoint profile. Writes wait for `saveTo`, so an interrupted probe saves nothing half-way.
 *
 * @example
 *   const verdicts = new Verdicts(t)
 *   verdicts.judge('images', sent, (a) => a.status === 400, 'doctor.do.images', 'doctor.do.no_images')
 *   await verdicts.saveTo(profile, Date.now())
 */
export type RowKey =
  | 'key'
  | 'v1'
  | 'streaming'
  | 'dialect'
  | 'previous'
  | 'store'
  | 'background'
  | 'retrieve'
  | 'cancel'
  | 'web_search'
  | 'reasoning'
  | 'images'
  | 'rate_limits'

export interface Row {
  key: RowKey
  /** `yes`/`no`: probed; `failed`: the probe could not tell; `skipped`: not probed. */
  verdict: 'yes' | 'no' | 'failed' | 'skipped'
  result: string
  action: string
}

type MessageKey = Parameters<Translate>[0]

/** The rows `judge` decides, and the capability flag each one sets or clears. */
const CAPABILITY_OF = {
  previous: 'server-state',
  background: 'background',
  retrieve: 'retrieve',
  cancel: 'cancel',
  reasoning: 'reasoning-summary',
  images: 'image-input',
} as const satisfies Partial<Record<RowKey, Capability>>

export class Verdicts {
  readonly rows: Row[] = []
  readonly t: Translate
  private readonly writes: ((profile: EndpointProfile) => Promise<void>)[] = []

  constructor(t: Translate) {
    this.t = t
  }

  row(key: RowKey, verdict: Row['verdict'], result: string, action: string): void {
    this.rows.push({ key, verdict, result, action })
  }

  skip(keys: RowKey[], action: string): void {
    for (const key of keys) this.row(key, 'skipped', this.t('doctor.not_probed'), action)
  }

  /** The row is not probed: the model has no such capability. */
  modelLacks(key: RowKey, model: string): void {
    this.skip([key], this.t('doctor.do.model_lacks', { model }))
  }

  /** The request never got an answer: the row tells nothing. */
  unreachable(key: RowKey, detail: string, action: string): void {
    this.row(key, 'failed', this.t('doctor.unreachable', { detail }), action)
  }

  /**
   * One probed row: `refused` answers mean the capability is missing (flag set), a 2xx (or what
   * `alsoWorks` accepts) means it works (flag cleared), anything else tells nothing.
   */
  judge(
    key: keyof typeof CAPABILITY_OF,
    sent: Sent,
    refused: (answer: Answer) => boolean,
    works: MessageKey,
    lacks: MessageKey,
    alsoWorks: (answer: Answer) => boolean = () => false,
  ): void {
    const { t } = this
    if (!sent.ok) {
      this.unreachable(key, sent.detail, t('doctor.do.unchanged'))
      return
    }
    const { status } = sent.answer
    if (status < 300 || alsoWorks(sent.answer)) {
      this.row(key, 'yes', t('doctor.yes'), t(works))
      this.mark(CAPABILITY_OF[key], true)
    } else if (refused(sent.answer)) {
      this.row(key, 'no', t('doctor.no', { status }), t(lacks))
      this.mark(CAPABILITY_OF[key], false)
    } else {
      this.row(key, 'failed', t('doctor.failed', { status }), t('doctor.do.unchanged'))
    }
  }

  /** Clears (`works`) or sets the capability's flag when the run is saved. */
  mark(capability: Capability, works: boolean): void {
    this.writes.push((profile) =>
      works ? profile.markSupported(capability) : profile.markUnsupported(capability),
    )
  }

  /** The web search tool `npm start` will send. */
  useSearchTool(tool: WebSearchToolName): void {
    this.writes.push((profile) => profile.setWebSearchTool(tool))
  }

  /** Writes every verdict and the time of the check, unless nothing was probed. */
  async saveTo(profile: EndpointProfile, at: () => number): Promise<void> {
    if (!this.rows.some((r) => r.verdict === 'yes' || r.verdict === 'no')) return
    for (const write of this.writes) await write(profile)
    await profile.markChecked(at())
  }
}
