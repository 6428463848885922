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
}

export function createConsoleAdapter(options: ConsoleAdapterOptions): ConsoleAdapter {
  const user: UserRef = { platform: 'console', id: 'local', name: 'you', isAdmin: true }
  if (options.locale) user.locale = options.locale
  const output = options.output ?? process.stdout
  const surface = createConsoleSurface(output)
  const byName = new Map(options.commands.map((c) => [c.name, c]))
  let rl: Interface | undefined
  let ended = false
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
    async start() {
      rl = createInterface({ input: options.input ?? process.stdin, output, terminal: Boolean(output.isTTY) })
      rl.setPrompt('› ')
      // Lines typed while an answer streams wait their turn; Ctrl-C still reaches the answer.
      let queue = Promise.resolve()
      rl.on('line', (line) => {
        queue = queue.then(() => {
          const current = handleLine(line).finally(() => {
            running = undefined
            output.write('\n')
            // The input may have ended while the answer ran: a closed readline cannot prompt.
            if (!ended) rl?.prompt()
          })
          running = current
          return current
        })
      })
      rl.on('SIGINT', interrupt)
      rl.on('close', () => {
        ended = true
        // Closed once the last answer is over, however it ended.
        void (running ?? Promise.resolve())
          .catch(() => undefined)
          .then(() => {
            resolveClosed()
            options.onExit?.()
          })
      })
      output.write('Herald: type a question (/help for commands, Ctrl-D to quit).\n')
      rl.prompt()
    },
    async stop() {
      rl?.close()
    },
    healthy: () => rl !== undefined,
    surfaceFor: () => surface,
  }
}
