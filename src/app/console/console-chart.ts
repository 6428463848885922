import { type Html, html } from './console-html.ts'

/**
 * Stacked bars of dollars per day as inline SVG, drawn on the server: thirty bars of a few series
 * need no chart library, work without scripts, print, and pass a content security policy that
 * allows no inline code. Each bar carries a <title> with its figures (a tooltip and a name for
 * screen readers); the page's table holds the same numbers.
 *
 * @example
 *   stackedBars({ label: 'By model', days: ['2025-06-01'], series: [{ name: 'gpt-5', values: [0.2] }] })
 */

/** One coloured part of every bar: a model, a platform. */
export interface Series {
  name: string
  values: number[]
}

/** Colours with at least 3:1 contrast against the white background, told apart by hue and lightness. */
const COLOURS = ['#1f6feb', '#bf3989', '#1a7f37', '#9a6700', '#8250df', '#cf222e', '#0a7ea4', '#57606a']

export const colourOf = (i: number) => COLOURS[i % COLOURS.length] as string

const usd = (n: number) => `$${n.toFixed(n > 0 && n < 1 ? 4 : 2)}`

export function stackedBars(chart: { label: string; days: string[]; series: Series[] }): Html {
  const width = 720
  const height = 200
  const left = 56
  const bottom = 24
  const plotW = width - left - 8
  const plotH = height - bottom - 8
  const totals = chart.days.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0))
  const max = Math.max(...totals, 0)
  const top = max > 0 ? niceCeiling(max) : 1
  const slot = plotW / Math.max(1, chart.days.length)
  const barW = Math.max(2, slot * 0.7)
  const y = (v: number) => 8 + plotH - (v / top) * plotH

  const bars = chart.days.map((day, i) => {
    let base = 0
    const x = left + i * slot + (slot - barW) / 2
    const parts = chart.series.map((s, k) => {
      const v = s.values[i] ?? 0
      if (v <= 0) return html``
      const rect = html`<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(base) - y(base + v)).toFixed(1)}" fill="${colourOf(k)}"></rect>`
      base += v
      return rect
    })
    const detail = chart.series
      .filter((s) => (s.values[i] ?? 0) > 0)
      .map((s) => `${s.name} ${usd(s.values[i] ?? 0)}`)
      .join(', ')
    return html`<g class="bar" data-day="${day}" data-usd="${totals[i] ?? 0}"><title>${day}: ${usd(totals[i] ?? 0)}${detail ? ` (${detail})` : ''}</title>${parts}</g>`
  })
  const ticks = [0, 0.5, 1].map(
    (f) =>
      html`<g class="tick"><line x1="${left}" x2="${width - 8}" y1="${y(top * f).toFixed(1)}" y2="${y(top * f).toFixed(1)}"></line><text x="${left - 6}" y="${(y(top * f) + 4).toFixed(1)}" text-anchor="end">${usd(top * f)}</text></g>`,
  )
  const first = chart.days[0] ?? ''
  const last = chart.days.at(-1) ?? ''
  return html`<figure class="chart">
<figcaption><span class="chart-label">${chart.label}</span> ${chart.series.map((s, k) => html`<span class="key"><span class="swatch swatch-${k % COLOURS.length}" aria-hidden="true"></span>${s.name}</span>`)}</figcaption>
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${chart.label}">
<title>${chart.label}</title>${ticks}${bars}
<text class="axis" x="${left}" y="${height - 6}">${first}</text><text class="axis" x="${width - 8}" y="${height - 6}" text-anchor="end">${last}</text>
</svg>
</figure>`
}

/** 1, 2 or 5 times a power of ten, at least `n`. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n))
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power
  return 10 * power
}
