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
 * Each command's rule comes with the request, from its definition (`access` in src/commands/*.ts);
 * `settings` there means `admins_in_groups`, or `everyone` with `settingsInGroups: 'everyone'`.
 * COMMAND_PERMISSIONS overrides win.
 *
 * @example
 *   policy.decide({ command: 'model', access: 'settings', user: { id: '7', isAdmin: false }, chat: { id: '-100', kind: 'group' } })
 *   // → { allowed: false, reason: 'admin_only' }
 */

import type { Invocation } from '../contracts/chat.ts'

/** Who may run a command: anyone, admins in groups (anyone in private), admins, or nobody. */
export type CommandRule = 'everyone' | 'admins_in_groups' | 'admins' | 'nobody'

/**
 * A command's access as its definition states it: a rule, or `settings` for commands that change a
 * chat's settings (`admins_in_groups`, or `everyone` when SETTINGS_IN_GROUPS opens them).
 */
export type CommandAccess = CommandRule | 'settings'

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
  /** Per-command overrides (COMMAND_PERMISSIONS); they win over the definitions and `settingsInGroups`. */
  commands?: Readonly<Record<string, CommandRule>>
}

export interface PolicyRequest {
  command: string
  /** The command's access as its definition states it (src/commands/*.ts). */
  access: CommandAccess
  user: { id: string; isAdmin: boolean; roleIds?: readonly string[] | undefined }
  chat: {
    id: string
    kind: 'private' | 'group'
    guildId?: string | undefined
    channelId?: string | undefined
  }
}

export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; reason: 'blocked' | 'admin_only' | 'not_allowed' }

/** The policy question for `command` asked by the person and in the chat of an invocation. */
export function policyRequest(
  command: { name: string; access: CommandAccess },
  inv: Pick<Invocation, 'user' | 'chat'>,
): PolicyRequest {
  return {
    command: command.name,
    access: command.access,
    user: { id: inv.user.id, isAdmin: inv.user.isAdmin, roleIds: inv.user.roleIds },
    chat: {
      id: inv.chat.id,
      kind: inv.chat.kind,
      guildId: inv.chat.guildId,
      channelId: inv.chat.parentId ?? inv.chat.id,
    },
  }
}

export interface Policy {
  decide(request: PolicyRequest): PolicyDecision
  /** The rule that applies to a command of this access (overrides and SETTINGS_IN_GROUPS applied). */
  ruleFor(command: string, access: CommandAccess): CommandRule
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

  const ruleFor = (command: string, access: CommandAccess): CommandRule => {
    const override = opts.commands?.[command]
    if (override) return override
    if (access === 'settings') return opts.settingsInGroups === 'everyone' ? 'everyone' : 'admins_in_groups'
    return access
  }

  return {
    ruleFor,
    decide({ command, access, user, chat }) {
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

      switch (ruleFor(command, access)) {
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
