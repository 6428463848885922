import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  type Client,
  type REST,
  Routes,
} from 'discord.js'
import { type CommandDef, isAdminOnly, type OptionDef } from '../../commands/define.ts'
import type { Clock } from '../../core/contracts/clock.ts'
import type { Logger } from '../../core/contracts/log.ts'
import { withRateLimitRetry } from './discord-errors.ts'

/**
 * Slash commands derived from Herald's command definitions, registered per guild (instant) when
 * guild ids are configured, globally otherwise, and only when they differ from what Discord has.
 *
 * @example
 *   await registerCommands({ rest: client.rest, applicationId, guildIds: [], commands, clock, log })
 */
const DESCRIPTION_CHARS = 100
/** Discord's locale for Simplified Chinese. */
const ZH_LOCALE = 'zh-CN'

export interface SlashOption {
  type:
    | ApplicationCommandOptionType.String
    | ApplicationCommandOptionType.Boolean
    | ApplicationCommandOptionType.Attachment
  name: string
  description: string
  description_localizations: Record<string, string>
  required?: true
  choices?: { name: string; value: string }[]
  max_length?: number
}

export interface SlashCommand {
  type: ApplicationCommandType.ChatInput
  name: string
  description: string
  description_localizations: Record<string, string>
  options: SlashOption[]
  /** '0': only members with Administrator (server admins can grant it to others in Integrations). */
  default_member_permissions: string | null
}

export function toSlashCommand(def: CommandDef<unknown>): SlashCommand {
  // Discord wants required options before optional ones.
  const options = [...def.options].sort((a, b) => Number(b.required === true) - Number(a.required === true))
  return {
    type: ApplicationCommandType.ChatInput,
    name: def.name,
    description: clip(def.description.en),
    description_localizations: { [ZH_LOCALE]: clip(def.description.zh) },
    options: options.map(toSlashOption),
    default_member_permissions: isAdminOnly(def) ? '0' : null,
  }
}

const SLASH_TYPES = {
  string: ApplicationCommandOptionType.String,
  boolean: ApplicationCommandOptionType.Boolean,
  image: ApplicationCommandOptionType.Attachment,
} as const satisfies Record<OptionDef['type'], SlashOption['type']>

function toSlashOption(option: OptionDef): SlashOption {
  const slash: SlashOption = {
    type: SLASH_TYPES[option.type],
    name: option.name,
    description: clip(option.description.en),
    description_localizations: { [ZH_LOCALE]: clip(option.description.zh) },
  }
  if (option.required) slash.required = true
  if (option.type === 'string' && option.choices)
    slash.choices = option.choices.map((c) => ({ name: c, value: c }))
  if (option.type === 'string' && option.maxLength !== undefined) slash.max_length = option.maxLength
  return slash
}

function clip(text: string): string {
  return text.length <= DESCRIPTION_CHARS ? text : `${text.slice(0, DESCRIPTION_CHARS - 1)}…`
}

/**
 * The comparable part of a command as Discord returns it: the fields Herald sets, defaults filled
 * in, so `required: false` and a missing `required` compare equal.
 */
export function normaliseCommand(raw: unknown): unknown {
  const c = raw as Record<string, unknown>
  const options = Array.isArray(c.options) ? (c.options as Record<string, unknown>[]) : []
  return {
    type: c.type ?? ApplicationCommandType.ChatInput,
    name: c.name,
    description: c.description,
    description_localizations: c.description_localizations ?? {},
    default_member_permissions: c.default_member_permissions ?? null,
    options: options.map((o) => ({
      type: o.type,
      name: o.name,
      description: o.description,
      description_localizations: o.description_localizations ?? {},
      required: o.required === true,
      choices: Array.isArray(o.choices)
        ? o.choices.map((ch: { name: unknown; value: unknown }) => [ch.name, ch.value])
        : [],
      max_length: o.max_length ?? null,
    })),
  }
}

export function sameCommands(current: readonly unknown[], desired: readonly unknown[]): boolean {
  const key = (list: readonly unknown[]) =>
    JSON.stringify(
      list
        .map(normaliseCommand)
        .sort((a, b) =>
          String((a as { name: unknown }).name).localeCompare(String((b as { name: unknown }).name)),
        ),
    )
  return key(current) === key(desired)
}

export interface RegisterOptions {
  rest: REST
  applicationId: string
  guildIds: readonly string[]
  commands: readonly CommandDef<unknown>[]
  clock: Clock
  log: Logger
}

export interface Registration {
  scope: 'guild' | 'global'
  /** Guild id (or 'global') → whether a PUT was made. */
  updated: Record<string, boolean>
}

export async function registerCommands(options: RegisterOptions): Promise<Registration> {
  const desired = options.commands.map(toSlashCommand)
  const targets =
    options.guildIds.length > 0
      ? options.guildIds.map((guildId) => ({
          key: guildId,
          route: Routes.applicationGuildCommands(options.applicationId, guildId),
        }))
      : [{ key: 'global', route: Routes.applicationCommands(options.applicationId) }]
  const updated: Record<string, boolean> = {}
  for (const target of targets) {
    const current = (await withRateLimitRetry(
      () => options.rest.get(target.route),
      options.clock,
    )) as unknown[]
    if (sameCommands(current, desired)) {
      updated[target.key] = false
      options.log.debug({ target: target.key }, 'discord commands unchanged')
      continue
    }
    await withRateLimitRetry(() => options.rest.put(target.route, { body: desired }), options.clock)
    updated[target.key] = true
    options.log.info({ target: target.key, commands: desired.length }, 'discord commands registered')
  }
  return { scope: options.guildIds.length > 0 ? 'guild' : 'global', updated }
}

/**
 * The commands of one adapter, registered once: after its first ready client, not again after a
 * restart. Under discord.js sharding every shard process starts an adapter; the one holding shard 0
 * registers.
 */
export class CommandRegistration {
  private readonly options: Omit<RegisterOptions, 'rest' | 'applicationId'>
  private result: Registration | 'left to shard 0' | undefined

  constructor(options: Omit<RegisterOptions, 'rest' | 'applicationId'>) {
    this.options = options
  }

  /** Registers through a ready client unless done before; resolves with what was done, for the log. */
  async ensure(client: Client): Promise<Registration | 'left to shard 0'> {
    const registers = client.shard === null || client.shard.ids.includes(0)
    this.result ??= registers
      ? await registerCommands({
          ...this.options,
          rest: client.rest,
          applicationId: client.application?.id ?? (client.user?.id as string),
        })
      : 'left to shard 0'
    return this.result
  }
}
