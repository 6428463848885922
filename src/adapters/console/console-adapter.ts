import { createInterface, type Interface } from 'node:readline'
import type { CommandContext } from '../../commands/context.ts'
import type { CommandDef } from '../../commands/define.ts'
import { parseTextArgs } from '../../commands/define.ts'
import type { Adapter, ChatRef, Herald, Invocation, UserRef } from '../../core/contracts/chat.ts'
import { toPlainText } from '../../core/live/render-plain.ts'
import { type ConsoleOutput, createConsoleSurface } from './console-surface.ts'

/**
 * The terminal as a chat: every line is a prompt, `/command args` runs a command, Ctrl-C stops a
 * running answer (and quits at an empty prompt), Ctrl-D quits. It proves the core is platform-neutral.
 *
 * In a script: with input from a pipe there is no banner and no prompt, every line is answered in
 * turn and the adapter closes after the last answer; `ask(line)` answers one line without reading
 * the input at all (`npm run chat -- --once "question"`).
 */
export interface ConsoleAdapterOptions {
  herald: Herald
  commands: readonly CommandDef<CommandContext>[]
  input?: NodeJS.ReadableStream
  output?: ConsoleOutput & NodeJS.WritableStream
  /** Called when the person quits. */
  onExit?: () => void
  /** The person's locale (`LANG`); Herald's words follow it. */
  locale?: string
}

const chat: ChatRef = { platform: 'console', id: 'local', kind: 'private', key: 'console:local' }

export interface ConsoleAdapter extends Adapter {
  /** Resolves when the person quits. */
  readonly closed: Promise<void>
  /** What Ctrl-C does: stops the running answer, or quits at an empty prompt. */
  interrupt(): void
  /** Handles one line (a question or a command) and resolves when its answer is final. */
  ask(line: string): Promise<void>
}

export function createConsoleAdapter(options: ConsoleAdapterOptions): ConsoleAdapter {
  const user: UserRef = { platform: 'console', id: 'local', name: 'you', isAdmin: true }
  if (options.locale) user.locale = options.locale
  const output = options.output ?? process.stdout
  const surface = createConsoleSurface(output)
  const byName = new Map(options.commands.map((c) => [c.name, c]))
  let rl: Interface | undefined
  let running: Promise<void> | undefined
  let seq = 0
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })

  const notify: Invocation['notify'] = async (text) => {
    output.write(`${toPlainText(text)}\n`)
    return undefined
  }

  const invocation = (command: string, args: Record<string, string | boolean>): Invocation => ({
    eventId: `console:${process.pid}:${++seq}`,
    command,
    args,
    user,
    chat,
    images: [],
    surface,
    notify,
  })

  const handleLine = async (line: string) => {
    const text = line.trim()
    if (text === '') return
    const match = /^\/(\w+)\s*([\s\S]*)$/.exec(text)
    if (!match) return options.herald.handle(invocation('ask', { prompt: text }))
    // Problems go to Herald too, which says them in the person's language and runs nothing.
    const def = byName.get(match[1]!.toLowerCase())
    if (!def) {
      const problem = { key: 'input.unknown_command', params: { command: match[1]!.slice(0, 32) } }
      return options.herald.handle({ ...invocation('help', {}), problem })
    }
    const parsed = parseTextArgs(def, match[2] ?? '')
    if (!parsed.ok) return options.herald.handle({ ...invocation(def.name, {}), problem: parsed.problem })
    await options.herald.handle(invocation(def.name, parsed.args))
  }

  /** Marks `answer` as the running one (for Ctrl-C) until it settles. */
  const track = (answer: Promise<void>): Promise<void> => {
    const current = answer.finally(() => {
      if (running === current) running = undefined
    })
    running = current
    return current
  }

  const interrupt = () => {
    if (running) {
      // The answer's own message ends with "Stopped."; a second line would land mid-redraw.
      void options.herald.handle({ ...invocation('cancel', {}), notify: async () => undefined })
      return
    }
    rl?.close()
  }

  return {
    platform: 'console',
    closed,
    interrupt,
    ask: (line) => track(handleLine(line)),
    async start() {
      const input = options.input ?? process.stdin
      const interactive = (input as { isTTY?: boolean }).isTTY === true
      const reader = createInterface({ input, output, terminal: Boolean(output.isTTY) })
      rl = reader
      reader.setPrompt('› ')
      let inputEnded = false
      const prompt = () => {
        if (interactive && !inputEnded) reader.prompt()
      }
      // Lines typed while an answer streams wait their turn; Ctrl-C still reaches the answer.
      let queue = Promise.resolve()
      reader.on('line', (line) => {
        queue = queue
          .then(() =>
            track(handleLine(line)).finally(() => {
              output.write('\n')
              prompt()
            }),
          )
          // However an answer ended, the next line and the close still come.
          .catch(() => undefined)
      })
      reader.on('SIGINT', interrupt)
      reader.on('close', () => {
        // The end of piped input comes before the answers to its last lines: they finish first.
        inputEnded = true
        void queue.then(() => {
          resolveClosed()
          options.onExit?.()
        })
      })
      if (interactive) output.write('Herald: type a question (/help for commands, Ctrl-D to quit).\n')
      prompt()
    },
    async stop() {
      rl?.close()
    },
    healthy: () => rl !== undefined,
    surfaceFor: () => surface,
  }
}
