import { describe, expect, test } from 'vitest'
import { commands } from '../../../src/commands/index.ts'
import {
  type CommandAccess,
  createPolicy,
  type PolicyOptions,
  type PolicyRequest,
} from '../../../src/core/state/policy.ts'

/** The access the command definitions state: the matrix below is theirs. */
const accessOf = (command: string): CommandAccess =>
  commands.find((c) => c.name === command)?.access ?? 'admins'

const member = { id: 'u1', isAdmin: false }
const admin = { id: 'a1', isAdmin: true }
const dm = { id: 'u1', kind: 'private' as const }
const group = { id: 'g1', kind: 'group' as const }

function matrix(options: PolicyOptions, commands: string[]) {
  const policy = createPolicy(options)
  const cell = (request: Omit<PolicyRequest, 'access'>) => {
    const decision = policy.decide({ ...request, access: accessOf(request.command) })
    return decision.allowed ? 'allowed' : decision.reason
  }
  return Object.fromEntries(
    commands.map((command) => [
      command,
      [
        cell({ command, user: member, chat: dm }),
        cell({ command, user: member, chat: group }),
        cell({ command, user: admin, chat: dm }),
        cell({ command, user: admin, chat: group }),
      ],
    ]),
  )
}

const COMMANDS = [
  'ask',
  'reset',
  'help',
  'usage',
  'cancel',
  'model',
  'effort',
  'search',
  'status',
  'research',
]

describe('the permission matrix', () => {
  test('defaults: settings admin-only in groups, status and research admin-only everywhere', () => {
    // [member in private, member in group, admin in private, admin in group]
    expect(matrix({}, COMMANDS)).toEqual({
      ask: ['allowed', 'allowed', 'allowed', 'allowed'],
      reset: ['allowed', 'allowed', 'allowed', 'allowed'],
      help: ['allowed', 'allowed', 'allowed', 'allowed'],
      usage: ['allowed', 'allowed', 'allowed', 'allowed'],
      cancel: ['allowed', 'allowed', 'allowed', 'allowed'],
      model: ['allowed', 'admin_only', 'allowed', 'allowed'],
      effort: ['allowed', 'admin_only', 'allowed', 'allowed'],
      search: ['allowed', 'admin_only', 'allowed', 'allowed'],
      status: ['admin_only', 'admin_only', 'allowed', 'allowed'],
      research: ['admin_only', 'admin_only', 'allowed', 'allowed'],
    })
  })

  test('settingsInGroups opens the settings commands to everyone', () => {
    expect(matrix({ settingsInGroups: 'everyone' }, ['model', 'effort', 'search', 'research'])).toEqual({
      model: ['allowed', 'allowed', 'allowed', 'allowed'],
      effort: ['allowed', 'allowed', 'allowed', 'allowed'],
      search: ['allowed', 'allowed', 'allowed', 'allowed'],
      research: ['admin_only', 'admin_only', 'allowed', 'allowed'],
    })
  })

  test('overrides win, and nobody turns a command off for admins too', () => {
    expect(
      matrix(
        {
          settingsInGroups: 'everyone',
          commands: { model: 'admins', usage: 'admins_in_groups', reset: 'nobody' },
        },
        ['model', 'usage', 'reset'],
      ),
    ).toEqual({
      model: ['admin_only', 'admin_only', 'allowed', 'allowed'],
      usage: ['allowed', 'admin_only', 'allowed', 'allowed'],
      reset: ['not_allowed', 'not_allowed', 'not_allowed', 'not_allowed'],
    })
  })

  test('a command takes the rule its definition states', () => {
    const policy = createPolicy()
    expect(policy.decide({ command: 'translate', access: 'everyone', user: member, chat: dm })).toEqual({
      allowed: true,
    })
    expect(policy.decide({ command: 'summarise', access: 'admins', user: member, chat: dm })).toEqual({
      allowed: false,
      reason: 'admin_only',
    })
    expect(createPolicy().ruleFor('search', accessOf('search'))).toBe('admins_in_groups')
  })
})

describe('block and allow lists', () => {
  test('a blocked user is refused everything; an admin is never blocked as a person', () => {
    const policy = createPolicy({ blockUsers: ['u1', 'a1'] })
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: member, chat: dm })).toEqual({
      allowed: false,
      reason: 'blocked',
    })
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: { id: 'u2', isAdmin: false },
        chat: dm,
      }),
    ).toEqual({
      allowed: true,
    })
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: admin, chat: dm })).toEqual({
      allowed: true,
    })
  })

  test('a blocked chat, guild or channel is off for everyone, admins included', () => {
    const policy = createPolicy({
      blockChats: ['g1'],
      blockGuilds: ['guild-x'],
      blockChannels: ['chan-y'],
    })
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: admin, chat: group })).toEqual({
      allowed: false,
      reason: 'blocked',
    })
    const inGuild = { id: 'chan-1', kind: 'group' as const, guildId: 'guild-x', channelId: 'chan-1' }
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: member, chat: inGuild })).toEqual({
      allowed: false,
      reason: 'blocked',
    })
    const inChannel = { id: 'chan-y', kind: 'group' as const, guildId: 'guild-z', channelId: 'chan-y' }
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: member, chat: inChannel })).toEqual(
      {
        allowed: false,
        reason: 'blocked',
      },
    )
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: member,
        chat: { ...inChannel, channelId: 'chan-2', id: 'chan-2' },
      }),
    ).toEqual({
      allowed: true,
    })
  })

  test('a blocked role blocks its members', () => {
    const policy = createPolicy({ blockRoles: ['muted'] })
    const chat = { id: 'c', kind: 'group' as const, guildId: 'g' }
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: { ...member, roleIds: ['x', 'muted'] },
        chat,
      }),
    ).toEqual({
      allowed: false,
      reason: 'blocked',
    })
    expect(
      policy.decide({ command: 'ask', access: accessOf('ask'), user: { ...member, roleIds: ['x'] }, chat }),
    ).toEqual({
      allowed: true,
    })
  })

  test('with allow lists set, a person must match one of them; admins always pass', () => {
    const policy = createPolicy({
      allowUsers: ['friend'],
      allowChats: ['g1'],
      allowGuilds: ['home'],
      allowRoles: ['vip'],
    })
    const stranger = { id: 'stranger', isAdmin: false }
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: stranger,
        chat: { id: 'stranger', kind: 'private' },
      }),
    ).toEqual({
      allowed: false,
      reason: 'not_allowed',
    })
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: { id: 'friend', isAdmin: false },
        chat: { id: 'friend', kind: 'private' },
      }),
    ).toEqual({
      allowed: true,
    })
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: stranger, chat: group })).toEqual({
      allowed: true,
    })
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: stranger,
        chat: { id: 'c9', kind: 'group', guildId: 'home' },
      }),
    ).toEqual({
      allowed: true,
    })
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: { ...stranger, roleIds: ['vip'] },
        chat: { id: 'c9', kind: 'group', guildId: 'away' },
      }),
    ).toEqual({ allowed: true })
    expect(
      policy.decide({
        command: 'ask',
        access: accessOf('ask'),
        user: stranger,
        chat: { id: 'c9', kind: 'group', guildId: 'away' },
      }),
    ).toEqual({
      allowed: false,
      reason: 'not_allowed',
    })
    expect(
      policy.decide({
        command: 'status',
        access: accessOf('status'),
        user: admin,
        chat: { id: 'c9', kind: 'group' },
      }),
    ).toEqual({
      allowed: true,
    })
  })

  test('blocking wins over allowing', () => {
    const policy = createPolicy({ allowUsers: ['u1'], blockChats: ['g1'] })
    expect(policy.decide({ command: 'ask', access: accessOf('ask'), user: member, chat: group })).toEqual({
      allowed: false,
      reason: 'blocked',
    })
  })
})
