import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { loadConfig } from '../../src/app/config.ts'
import { createHerald } from '../../src/app/dispatcher.ts'
import { createServices, type Services } from '../../src/app/services.ts'
import type { CommandContext } from '../../src/commands/context.ts'
import { type CommandDef, defineCommand } from '../../src/commands/define.ts'
import type { ChatRef, Invocation } from '../../src/core/contracts/chat.ts'
import { InputError } from '../../src/core/contracts/errors.ts'
import { silentLogger } from '../../src/core/contracts/log.ts'
import { translator } from '../../src/core/i18n/i18n.ts'
import { fakeSurface } from '../helpers/fake-surface.ts'

/**
 * The dispatcher between adapters and commands: each event once, the policy from the commands'
 * definitions, arguments checked against them, and every failure one line for the person.
 */
const t = translator('en')
const zh = translator('zh')
const group: ChatRef = { platform: 'telegram', id: '-100', kind: 'group', key: 'telegram:-100' }
let dir: string
let services: Services
let ran: string[]

/** Commands that record their runs; `boom` throws, `oops` refuses with a person's line. */
function testCommands(): CommandDef<CommandContext>[] {
  const recording = (
    name: string,
    access: CommandDef<CommandContext>['access'],
    extra: Partial<CommandDef<CommandContext>> = {},
  ) =>
    defineCommand<CommandContext>({
      name,
      description: { en: name, zh: name },
      access,
      options: [
        { name: 'level', description: { en: 'level', zh: '级别' }, type: 'string', choices: ['low', 'high'] },
      ],
      async run(_s, inv) {
        ran.push(`${name}:${inv.user.id}`)
      },
      ...extra,
    })
  return [
    recording('ask', 'everyone'),
    recording('model', 'settings'),
    recording('status', 'admins'),
    recording('research', 'admins', { requestable: true }),
    recording('boom', 'everyone', {
      async run() {
        throw new Error('disk on fire at /var/lib/herald')
      },
    }),
    recording('oops', 'everyone', {
      async run() {
        throw new InputError('ask.empty')
      },
    }),
  ]
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'herald-dispatcher-'))
  ran = []
  const config = await loadConfig({
    OPENAI_API_KEY: 'sk-dispatcher-test-0123456789',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
    STORE_URL: `sqlite:${join(dir, 'herald.sqlite')}`,
    BLOCK_USER_IDS: '666',
  })
  services = await createServices(config, { log: silentLogger })
})

afterEach(async () => {
  await services.client.close()
  await services.store.close()
  rmSync(dir, { recursive: true, force: true })
})

function invoke(
  command: string,
  userId: string,
  opts: { admin?: boolean; args?: Invocation['args']; event?: string; locale?: string } = {},
) {
  const said: string[] = []
  const inv: Invocation = {
    eventId: opts.event ?? `telegram:update:${command}:${userId}:${Math.random()}`,
    command,
    args: opts.args ?? {},
    user: {
      platform: 'telegram',
      id: userId,
      name: `U${userId}`,
      isAdmin: opts.admin ?? false,
      ...(opts.locale ? { locale: opts.locale } : {}),
    },
    chat: group,
    images: [],
    surface: fakeSurface({ chatKey: group.key }),
    notify: async (text) => {
      said.push(text)
      return undefined
    },
  }
  return { inv, said }
}

describe('the dispatcher', () => {
  test('an event delivered twice runs once', async () => {
    const herald = createHerald(services, testCommands())
    const first = invoke('ask', '7', { event: 'telegram:update:1' })
    const again = invoke('ask', '7', { event: 'telegram:update:1' })
    await herald.handle(first.inv)
    await herald.handle(again.inv)
    expect(ran).toEqual(['ask:7'])
    expect(again.said).toEqual([])
  })

  test('the definitions’ access holds: settings and admin commands refuse members in a group with one line', async () => {
    const herald = createHerald(services, testCommands())
    const model = invoke('model', '7')
    const status = invoke('status', '7')
    await herald.handle(model.inv)
    await herald.handle(status.inv)
    await herald.handle(invoke('model', '1', { admin: true }).inv)
    expect(ran).toEqual(['model:1'])
    expect(model.said).toEqual([t('policy.admin_only')])
    expect(status.said).toEqual([t('policy.admin_only')])
  })

  test('a requestable command runs for members (it answers them itself), never for blocked people', async () => {
    const herald = createHerald(services, testCommands())
    const blocked = invoke('research', '666')
    await herald.handle(invoke('research', '7').inv)
    await herald.handle(blocked.inv)
    expect(ran).toEqual(['research:7'])
    expect(blocked.said).toEqual([t('policy.blocked')])
  })

  test('arguments outside the definition are refused before the command runs', async () => {
    const herald = createHerald(services, testCommands())
    const wrong = invoke('ask', '7', { args: { level: 'extreme' } })
    const unknown = invoke('ask', '7', { args: { colour: 'red' } })
    await herald.handle(wrong.inv)
    await herald.handle(unknown.inv)
    expect(ran).toEqual([])
    expect(wrong.said).toEqual([
      t('input.bad_args', { error: t('args.one_of', { option: 'level', choices: ['low', 'high'] }) }),
    ])
    expect(unknown.said).toEqual([t('input.bad_args', { error: t('args.unknown', { option: 'colour' }) })])
  })

  test('arguments an adapter could not read are answered in the person’s language, and nothing runs', async () => {
    const herald = createHerald(services, testCommands())
    const bad = invoke('ask', '7', { locale: 'zh-hans' })
    bad.inv.problem = { key: 'args.none', params: {} }
    await herald.handle(bad.inv)
    expect(ran).toEqual([])
    expect(bad.said).toEqual([zh('input.bad_args', { error: zh('args.none') })])
  })

  test('refusals and the command’s words follow the person’s own language', async () => {
    const herald = createHerald(services, testCommands())
    const ann = invoke('model', '7', { locale: 'zh-hans' })
    const ben = invoke('model', '8', { locale: 'en-US' })
    const oops = invoke('oops', '7', { locale: 'zh-CN' })
    await herald.handle(ann.inv)
    await herald.handle(ben.inv)
    await herald.handle(oops.inv)
    expect([ann.said, ben.said, oops.said]).toEqual([
      [zh('policy.admin_only')],
      [t('policy.admin_only')],
      [zh('ask.empty')],
    ])
  })

  test('a command that throws gives one generic line, a refusal its own line, and the next event is served', async () => {
    const herald = createHerald(services, testCommands())
    const boom = invoke('boom', '7')
    const oops = invoke('oops', '7')
    await herald.handle(boom.inv)
    await herald.handle(oops.inv)
    await herald.handle(invoke('ask', '7').inv)
    expect(boom.said).toEqual([t('error.generic')])
    expect(oops.said).toEqual([t('ask.empty')])
    expect(ran).toEqual(['ask:7'])
  })

  test('a command no definition names is ignored', async () => {
    const herald = createHerald(services, testCommands())
    const nothing = invoke('translate', '7')
    await herald.handle(nothing.inv)
    expect(ran).toEqual([])
    expect(nothing.said).toEqual([])
  })
})
