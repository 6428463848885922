import type { MessageRef, Rendered, Surface } from '../../core/contracts/surface.ts'

/**
 * A terminal as a Surface: each message is printed once and then redrawn in place as it grows.
 * On a TTY the current message's rows are cleared and reprinted. In a pipe nothing can be taken
 * back, and streamed Markdown is rewritten as it grows (a `**` closed later), so a streaming answer
 * is printed once, when it is final; a later edit writes only what extends it.
 */
export interface ConsoleOutput {
  write(text: string): void
  readonly isTTY?: boolean
  readonly columns?: number
}

export const CONSOLE_PACE = { perMessageMs: 80, perChatMs: 0 }

export function createConsoleSurface(out: ConsoleOutput): Surface {
  let nextId = 1
  let current: { id: string; printed: string; buttons: number } | undefined

  const rowsOf = (text: string): number => {
    const width = Math.max(1, out.columns ?? 80)
    return text.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / width)), 0)
  }

  const redraw = (content: Rendered): void => {
    if (!current) return
    current.buttons = content.buttons?.length ?? current.buttons
    if (!out.isTTY && isStreaming(content.text, current.buttons > 0)) return
    const text = content.text
    if (text.startsWith(current.printed)) {
      out.write(text.slice(current.printed.length))
    } else if (out.isTTY) {
      const rows = rowsOf(current.printed)
      // Up to the first row of this message, to its column 0, then clear everything below.
      out.write(`${rows > 1 ? `\x1b[${rows - 1}A` : ''}\r\x1b[J${text}`)
    } else {
      const common = commonPrefixLength(current.printed, text)
      // A pipe cannot take text back: write only what is new past the shared prefix, on a new line when it diverged.
      if (common < current.printed.length && text.length > common) out.write(`\n${text.slice(common)}`)
      else out.write(text.slice(common))
    }
    current.printed = text
  }

  return {
    chatKey: 'console:local',
    limit: 100_000,
    pace: CONSOLE_PACE,
    format: 'plain',
    async send(content: Rendered): Promise<MessageRef> {
      if (current && current.printed !== '') out.write('\n')
      current = { id: String(nextId++), printed: '', buttons: 0 }
      redraw(content)
      return { id: current.id, chatId: 'console' }
    },
    async edit(ref: MessageRef, content: Rendered): Promise<void> {
      if (current?.id !== ref.id) return
      redraw(content)
    },
  }
}

/** A message still streaming: it shows the cursor and keeps its buttons (Stop). */
function isStreaming(text: string, hasButtons: boolean): boolean {
  return hasButtons && text.includes('▍')
}

function commonPrefixLength(a: string, b: string): number {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return i
}
