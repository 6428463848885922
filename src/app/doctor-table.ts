import type { Translate } from '../core/i18n/i18n.ts'
import type { Row } from './doctor-verdicts.ts'

/** The rows as an aligned plain-text table (CJK characters count as two columns). */
export function formatTable(rows: readonly Row[], t: Translate): string {
  const lines = [
    [t('doctor.col.check'), t('doctor.col.result'), t('doctor.col.action')],
    ...rows.map((r) => [t(`doctor.row.${r.key}`), r.result, r.action]),
  ]
  const widths = [0, 1].map((col) => Math.max(...lines.map((cells) => columns(cells[col] ?? ''))))
  const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)))
  return lines
    .map(([check = '', result = '', action = '']) =>
      `${pad(check, widths[0]!)}  ${pad(result, widths[1]!)}  ${action}`.trimEnd(),
    )
    .join('\n')
}

function columns(text: string): number {
  let width = 0
  for (const ch of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1
  return width
}
