/**
 * Who may do what, where: block and allow lists (users, chats, Discord guilds, channels, roles) and
 * a per-command permission matrix. Policy only answers; it sends nothing and knows no platform.
 *
 * Order of the decision:
 * 1. Blocked: a non-admin whose id or one of whose roles is on a block list; anyone in a chat,
 *    guild or channel on a block list (a blocked place is off for admins too).
 * 2. Allow lists: when any allow list is set, a non-admin must match at least one of them (their
 *    id, the chat, the guild, the channel, or one of their roles); otherwise `not_allowed`.
 * 3. The command's rule: `everyone`; `admins_in_groups` (admins only in groups, anyone in a private
 *    chat); `admins`; `nobody` (the command is off, for admins too → `not_allowed`).
 *
 * Default rules: settings commands (model, effort, search, reasoning, settings) are
 * `admins_in_groups` (`settingsInGroups: 'everyone'` opens them), `status` and `research` are
 * `admins` (a non-admin's group research request becomes an approval request: that is the research
 * feature's job), everything else listed is `everyone`. A command in neither the defaults nor the
 * overrides gets the caller's `defaultRule`, else `admins` (closed until someone decides).
 *
 * @example
 *   policy.decide({ command: 'model', user: { id: '7', isAdmin: false }, chat: { id: '-100', kind: 'group' } })
 *   // → { allowed: false, reason: 'admin_only' }
 */

/** Who may run a command: anyone, admins in groups (anyone in private), admins, or nobody. */
export type CommandRule = 'everyone' | 'admins_in_groups' | 'admins' | 'nobody'

export const SETTINGS_COMMANDS: readonly string[] = ['model', 'effort', 'search', 'reasoning', 'settings']

export const DEFAULT_COMMAND_RULES: Readonly<Record<string, CommandRule>> = {
  ask: 'everyone',
  reset: 'everyone',
  help: 'everyone',
  start: 'everyone',
  usage: 'everyone',
  cancel: 'everyone',
  model: 'admins_in_groups',
  effort: 'admins_in_groups',
  search: 'admins_in_groups',
  reasoning: 'admins_in_groups',
  settings: 'admins_in_groups',
  status: 'admins',
  research: 'admins',
}

export interface PolicyOptions {
  allowUsers?: readonly string[]
  blockUsers?: readonly string[]
  allowChats?: readonly string[]
  blockChats?: readonly string[]
  allowGuilds?: readonly string[]
  blockGuilds?: readonly string[]
  allowChannels?: readonly string[]
  blockChannels?: readonly string[]
  allowRoles?: readonly string[]
  blockRoles?: readonly string[]
  /** Who may change a group's settings. Default `admins`. */
  settingsInGroups?: 'admins' | 'everyone'
  /** Per-command overrides; they win over the defaults and over `settingsInGroups`. */
  commands?: Readonly<Record<string, CommandRule>>
}

export interface PolicyRequest {
  command: string
  user: { id: string; isAdmin: boolean; roleIds?: readonly string[] | undefined }
  chat: {
    id: string
    kind: 'private' | 'group'
    guildId?: string | undefined
    channelId?: string | undefined
  }
  /** The command definition's own rule, used when neither defaults nor overrides name the command. */
  defaultRule?: CommandRule | undefined
}

export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; reason: 'blocked' | 'admin_only' | 'not_allowed' }

export interface Policy {
  decide(request: PolicyRequest): PolicyDecision
  /** The rule that applies to a command (for help texts and command registration). */
  ruleFor(command: string, defaultRule?: CommandRule): CommandRule
}

export function createPolicy(opts: PolicyOptions = {}): Policy {
  const list = (ids: readonly string[] | undefined) => new Set(ids ?? [])
  const block = {
    users: list(opts.blockUsers),
    chats: list(opts.blockChats),
    guilds: list(opts.blockGuilds),
    channels: list(opts.blockChannels),
    roles: list(opts.blockRoles),
  }
  const allow = {
    users: list(opts.allowUsers),
    chats: list(opts.allowChats),
    guilds: list(opts.allowGuilds),
    channels: list(opts.allowChannels),
    roles: list(opts.allowRoles),
  }
  const restricted = Object.values(allow).some((s) => s.size > 0)
  const has = (set: Set<string>, id: string | undefined) => id !== undefined && set.has(id)

  const ruleFor = (command: string, defaultRule?: CommandRule): CommandRule => {
    const override = opts.commands?.[command]
    if (override) return override
    if (SETTINGS_COMMANDS.includes(command)) {
      return opts.settingsInGroups === 'everyone' ? 'everyone' : 'admins_in_groups'
    }
    return DEFAULT_COMMAND_RULES[command] ?? defaultRule ?? 'admins'
  }

  return {
    ruleFor,
    decide({ command, user, chat, defaultRule }) {
      const roles = user.roleIds ?? []
      const blockedPlace =
        has(block.chats, chat.id) || has(block.guilds, chat.guildId) || has(block.channels, chat.channelId)
      const blockedPerson = has(block.users, user.id) || roles.some((r) => block.roles.has(r))
      if (blockedPlace || (!user.isAdmin && blockedPerson)) return { allowed: false, reason: 'blocked' }

      if (restricted && !user.isAdmin) {
        const allowed =
          has(allow.users, user.id) ||
          has(allow.chats, chat.id) ||
          has(allow.guilds, chat.guildId) ||
          has(allow.channels, chat.channelId) ||
          roles.some((r) => allow.roles.has(r))
        if (!allowed) return { allowed: false, reason: 'not_allowed' }
      }

      switch (ruleFor(command, defaultRule)) {
        case 'everyone':
          return { allowed: true }
        case 'admins_in_groups':
          return chat.kind === 'private' || user.isAdmin
            ? { allowed: true }
            : { allowed: false, reason: 'admin_only' }
        case 'admins':
          return user.isAdmin ? { allowed: true } : { allowed: false, reason: 'admin_only' }
        case 'nobody':
          return { allowed: false, reason: 'not_allowed' }
      }
    },
  }
}
