import type { Invocation, Problem } from '../core/contracts/chat.ts'
import type { CommandAccess } from '../core/state/policy.ts'

/**
 * A command is defined once; each adapter derives its platform's registration from the definition
 * (Discord slash command JSON, Telegram `setMyCommands`) and parses arguments into `Invocation.args`.
 *
 * @example
 *   export const reset = defineCommand({
 *     name: 'reset',
 *     description: { en: 'Start a new conversation', zh: '开始新的对话' },
 *     options: [],
 *     async run(ctx) { … },
 *   })
 */

/** A text in every language Herald speaks. */
export interface Localized {
  en: string
  zh: string
}

export interface OptionDef {
  name: string
  description: Localized
  /**
   * `'image'`: an attachment, on platforms that have attachment options (Discord); it reaches the
   * command as `Invocation.images`, never in `args`. Text platforms never parse it: `parseTextArgs`
   * skips it and Telegram's `setMyCommands` carries no options (images come with the photo there).
   */
  type: 'string' | 'boolean' | 'image'
  /** Allowed values (a Discord choice list; validated on Telegram too). */
  choices?: readonly string[]
  required?: boolean
  maxLength?: number
}

export interface CommandDef<Ctx = unknown> {
  /** Lowercase, 1-32 characters of a-z, 0-9 and _ (valid on both platforms). */
  name: string
  description: Localized
  options: readonly OptionDef[]
  /**
   * On text platforms, the option that takes the text after the command (`/ask what is…` → prompt).
   * Other options can be given as `name:value` words before it (`/ask effort:high why…`).
   */
  textOption?: string
  /**
   * Who may run it (policy.ts): `everyone`, `admins_in_groups`, `admins`, `nobody`, or `settings` for
   * commands that change a chat's settings. COMMAND_PERMISSIONS can override it per deployment.
   */
  access: CommandAccess
  /**
   * The command runs for people its rule refuses (not for blocked ones) and answers them itself:
   * a member's /research becomes a request for the admins to approve.
   */
  requestable?: boolean
  run(ctx: Ctx, invocation: Invocation): Promise<void>
}

/** Admin-only commands are registered for admins only where the platform allows. */
export function isAdminOnly(def: Pick<CommandDef<unknown>, 'access' | 'requestable'>): boolean {
  return def.access === 'admins' && def.requestable !== true
}

export function defineCommand<Ctx>(def: CommandDef<Ctx>): CommandDef<Ctx> {
  if (!/^[a-z0-9_]{1,32}$/.test(def.name)) throw new Error(`invalid command name "${def.name}"`)
  return def
}

export type ParsedArgs =
  | { ok: true; args: Record<string, string | boolean> }
  | { ok: false; problem: Problem }

/** What is wrong with an option's value, as words for the person (i18n keys `args.*`). */
export const argsProblem = {
  onOff: (option: string): Problem => ({ key: 'args.on_off', params: { option } }),
  oneOf: (option: string, choices: readonly string[]): Problem => ({
    key: 'args.one_of',
    params: { option, choices },
  }),
  none: (): Problem => ({ key: 'args.none', params: {} }),
  required: (option: string): Problem => ({ key: 'args.required', params: { option } }),
  tooLong: (option: string, max: number): Problem => ({ key: 'args.too_long', params: { option, max } }),
  unknown: (option: string): Problem => ({ key: 'args.unknown', params: { option } }),
  text: (option: string): Problem => ({ key: 'args.text', params: { option } }),
}

/**
 * Parses the text after a command on text platforms: leading `name:value` words for known options,
 * the rest into `textOption`. Unknown `name:` words are text. Values are checked against choices.
 * Image options are not text: `image:x` is text too, and a required one is not asked for here.
 */
export function parseTextArgs(def: CommandDef<unknown>, text: string): ParsedArgs {
  const textOptions = def.options.filter((o) => o.type !== 'image')
  const args: Record<string, string | boolean> = {}
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
  let i = 0
  for (; i < words.length; i++) {
    const match = /^([a-z_]+):(.*)$/.exec(words[i]!)
    const option = match
      ? textOptions.find((o) => o.name === match[1] && o.name !== def.textOption)
      : undefined
    if (!match || !option) break
    const raw = match[2]!
    if (option.type === 'boolean') {
      if (!['on', 'off', 'true', 'false', 'yes', 'no'].includes(raw.toLowerCase())) {
        return { ok: false, problem: argsProblem.onOff(option.name) }
      }
      args[option.name] = ['on', 'true', 'yes'].includes(raw.toLowerCase())
    } else {
      if (option.choices && !option.choices.includes(raw)) {
        return { ok: false, problem: argsProblem.oneOf(option.name, option.choices) }
      }
      args[option.name] = raw
    }
  }
  // The rest keeps its own line breaks: take it from the original text, after the consumed words.
  let remaining = text.trim()
  for (const word of words.slice(0, i)) remaining = remaining.slice(remaining.indexOf(word) + word.length)
  remaining = remaining.trim()
  // A command without a text option takes its first option positionally (`/model gpt-5`).
  const textOption = def.textOption ?? textOptions[0]?.name
  if (remaining !== '') {
    if (textOption === undefined) return { ok: false, problem: argsProblem.none() }
    const option = textOptions.find((o) => o.name === textOption)
    if (option?.type === 'boolean') {
      const lower = remaining.toLowerCase()
      if (!['on', 'off', 'true', 'false', 'yes', 'no'].includes(lower)) {
        return { ok: false, problem: argsProblem.onOff(textOption) }
      }
      args[textOption] = ['on', 'true', 'yes'].includes(lower)
    } else {
      if (option?.choices && !option.choices.includes(remaining)) {
        return { ok: false, problem: argsProblem.oneOf(textOption, option.choices) }
      }
      args[textOption] = remaining
    }
  }
  for (const option of textOptions) {
    // A missing text (`/ask` alone) is the command's to explain, in the person's language.
    if (option.required && args[option.name] === undefined && option.name !== textOption)
      return { ok: false, problem: argsProblem.required(option.name) }
    const value = args[option.name]
    if (typeof value === 'string' && option.maxLength !== undefined && value.length > option.maxLength) {
      return { ok: false, problem: argsProblem.tooLong(option.name, option.maxLength) }
    }
  }
  return { ok: true, args }
}
