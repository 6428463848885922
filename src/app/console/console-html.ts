/**
 * HTML built from template literals where every interpolated value is escaped unless it is already
 * `Html` (made by this tag). Pages are server-rendered from these; nothing else writes markup.
 *
 * @example
 *   html`<td>${person.name}</td>`                     // a name with <script> in it stays text
 *   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
 */

/** Markup that is safe to send as it is. */
export class Html {
  readonly value: string
  constructor(value: string) {
    this.value = value
  }
  toString(): string {
    return this.value
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[]

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

function render(part: Part): string {
  if (part instanceof Html) return part.value
  if (Array.isArray(part)) return part.map(render).join('')
  if (part === null || part === undefined || part === false) return ''
  return escapeHtml(String(part))
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

/** Markup that is trusted as it is (a constant, or output of `html`). */
export function raw(markup: string): Html {
  return new Html(markup)
}
