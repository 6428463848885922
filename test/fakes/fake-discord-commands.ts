import { fail, ok, type Reply } from './fake-discord-http.ts'
import { apiFailure, type FakeCommand, failures } from './fake-discord-state.ts'
import type { FakeWorld } from './fake-discord-world.ts'

/**
 * Application commands in the fake Discord: bulk overwrite (PUT) per guild or global, validated as
 * Discord does (names, 1-100 character descriptions, required options first), and echoed back the
 * way Discord stores them (defaults filled in, `required: false` left out), ids kept per name.
 */
export function listCommands(world: FakeWorld, app: string, guildId: string | undefined): Reply {
  if (app !== world.applicationId) return fail(apiFailure(404, 10002, 'Unknown Application'))
  return ok(guildId ? (world.guildCommands.get(guildId) ?? []) : world.globalCommands)
}

export function putCommands(world: FakeWorld, app: string, guildId: string | undefined, raw: unknown): Reply {
  const w = world
  if (app !== w.applicationId) return fail(apiFailure(404, 10002, 'Unknown Application'))
  if (guildId !== undefined && !w.guilds.has(guildId)) return fail(apiFailure(404, 10004, 'Unknown Guild'))
  if (!Array.isArray(raw)) return fail(failures.invalidForm('_', 'ARRAY_TYPE_CONVERT', 'Must be an array.'))
  const invalid = raw.map(validateCommand).find((problem) => problem !== undefined)
  if (invalid) return fail(failures.invalidForm('commands', 'APPLICATION_COMMAND_INVALID', invalid))
  const previous = guildId ? (w.guildCommands.get(guildId) ?? []) : w.globalCommands
  const stored = raw.map((command: Record<string, unknown>) =>
    echoCommand(command, {
      id: previous.find((p) => p.name === command.name)?.id ?? w.ids.next(),
      application_id: app,
      version: w.ids.next(),
      ...(guildId ? { guild_id: guildId } : {}),
    }),
  )
  if (guildId) w.guildCommands.set(guildId, stored)
  else w.globalCommands.splice(0, w.globalCommands.length, ...stored)
  return ok(stored)
}

function validateCommand(command: Record<string, unknown>): string | undefined {
  if (typeof command.name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(command.name)) return 'invalid name'
  if (
    typeof command.description !== 'string' ||
    command.description.length < 1 ||
    command.description.length > 100
  ) {
    return `${command.name}: description must be 1-100 characters`
  }
  const options = (command.options ?? []) as Array<Record<string, unknown>>
  if (options.length > 25) return `${command.name}: at most 25 options`
  let optionalSeen = false
  for (const option of options) {
    if (option.required === true && optionalSeen) return `${command.name}: required options must come first`
    if (option.required !== true) optionalSeen = true
    if (
      typeof option.description !== 'string' ||
      option.description.length < 1 ||
      option.description.length > 100
    ) {
      return `${command.name}.${String(option.name)}: description must be 1-100 characters`
    }
    const choices = (option.choices ?? []) as unknown[]
    if (choices.length > 25) return `${command.name}.${String(option.name)}: at most 25 choices`
  }
  return undefined
}

/** What Discord answers for a stored command: defaults filled in, `required: false` left out. */
function echoCommand(
  command: Record<string, unknown>,
  ids: { id: string; application_id: string; version: string; guild_id?: string },
): FakeCommand {
  const options = ((command.options ?? []) as Array<Record<string, unknown>>).map((option) => {
    const { required, ...rest } = option
    return required === true ? { ...rest, required: true } : rest
  })
  return {
    type: 1,
    default_member_permissions: null,
    dm_permission: true,
    nsfw: false,
    integration_types: [0],
    contexts: null,
    description_localizations: null,
    ...command,
    ...ids,
    options,
  }
}
