import type { Answer, ProbeClient, Sent } from './doctor-client.ts'
import { dialectOf, foldStream, wholeAnswer } from './doctor-stream.ts'
import type { Verdicts } from './doctor-verdicts.ts'

/**
 * The first probe: one ordinary streamed answer, which tells the key, /v1, streaming, the stream's
 * dialect and `store` rows. Every later probe builds on it: when it fails, nothing else is sent.
 *
 * @example
 *   const first = await probeFirstAnswer(client, verdicts)
 *   if (first) await probeServerState(client, verdicts, first)
 */
export interface FirstAnswer {
  /** Its id, for `previous_response_id` and, without background mode, retrieval and cancel. */
  responseId?: string
  headers: Answer['headers']
  /** `store: true` was refused, so the answer was asked again without it. */
  storeRefused: boolean
}

/** The five rows of the first answer; undefined when no ordinary answer came back. */
export async function probeFirstAnswer(
  client: ProbeClient,
  verdicts: Verdicts,
): Promise<FirstAnswer | undefined> {
  const { t } = verdicts
  const unchanged = t('doctor.do.unchanged')
  const { sent, storeRefused } = await askStored(client)
  if (!sent.ok) {
    verdicts.unreachable('key', sent.detail, t('doctor.do.fix', { line: t('errors.network') }))
    verdicts.skip(['v1', 'streaming', 'dialect', 'store'], unchanged)
    return undefined
  }
  if (sent.answer.status >= 400) {
    refusedAnswer(client, verdicts, sent.answer)
    verdicts.skip(['streaming', 'dialect', 'store'], unchanged)
    return undefined
  }
  return answeredRows(client, verdicts, sent.answer, storeRefused)
}

/** An answer kept by the endpoint (`store: true`), asked again without it when that is refused. */
async function askStored(client: ProbeClient): Promise<{ sent: Sent; storeRefused: boolean }> {
  const sent = await client.ask({ store: true })
  if (!sent.ok || !client.refuses(sent.answer, 'store')) return { sent, storeRefused: false }
  return { sent: await client.ask({ store: false }), storeRefused: true }
}

/** The first answer came back (streamed or whole): what it tells, row by row. */
function answeredRows(
  client: ProbeClient,
  verdicts: Verdicts,
  opened: Answer,
  storeRefused: boolean,
): FirstAnswer | undefined {
  const { t } = verdicts
  const streamed = !String(opened.headers['content-type'] ?? '').includes('json')
  const state = streamed ? foldStream(opened.text) : wholeAnswer(opened.text)
  const answered = state !== undefined && state.status !== 'failed'
  const code = state?.error?.code ?? ''
  const kind = /quota/.test(code) ? 'quota' : /rate_limit/.test(code) ? 'rate_limited' : 'server'
  const works = answered ? t('doctor.do.answers') : t('doctor.do.fix', { line: t(`errors.${kind}`) })
  verdicts.row('key', 'yes', t('doctor.yes'), works)
  verdicts.row('v1', 'yes', t('doctor.yes'), t('doctor.do.base', { base: client.base }))
  verdicts.row(
    'streaming',
    streamed ? 'yes' : 'no',
    streamed ? t('doctor.yes') : t('doctor.no', { status: 200 }),
    t(streamed ? 'doctor.do.stream' : 'doctor.do.whole'),
  )
  if (streamed) verdicts.row('dialect', 'yes', dialectOf(opened.text, t), t('doctor.do.dialect'))
  else verdicts.skip(['dialect'], t('doctor.do.unchanged'))
  verdicts.row(
    'store',
    storeRefused ? 'no' : 'yes',
    storeRefused ? t('doctor.no', { status: 400 }) : t('doctor.yes'),
    t(storeRefused ? 'doctor.do.local_history' : 'doctor.do.store'),
  )
  if (!answered) return undefined
  const first = { headers: opened.headers, storeRefused }
  return state.responseId === undefined ? first : { ...first, responseId: state.responseId }
}

/** The first answer was refused: a missing /v1, a refused key, or another error, with what to do. */
function refusedAnswer(client: ProbeClient, verdicts: Verdicts, opened: Answer): void {
  const { t } = verdicts
  const error = client.errorOf(opened)
  const unchanged = t('doctor.do.unchanged')
  if (opened.status === 404 && (error.kind === 'not_found_base_url' || error.htmlPage === true)) {
    verdicts.skip(['key'], unchanged)
    verdicts.row('v1', 'no', t('doctor.no', { status: 404 }), t('doctor.do.base_fix'))
    return
  }
  const refused = error.kind === 'auth'
  verdicts.row(
    'key',
    refused ? 'no' : 'failed',
    t(refused ? 'doctor.no' : 'doctor.failed', { status: opened.status }),
    t('doctor.do.fix', { line: t(`errors.${error.kind}`) }),
  )
  verdicts.skip(['v1'], unchanged)
}
