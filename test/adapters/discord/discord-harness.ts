import pino from 'pino'
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/adapters/discord/discord-adapter.ts'
import type { Config } from '../../../src/app/config.ts'
import { type CommandDef, defineCommand } from '../../../src/commands/define.ts'
import type { ButtonPress, Herald, Invocation } from '../../../src/core/contracts/chat.ts'
import { type Clock, systemClock } from '../../../src/core/contracts/clock.ts'
import { type FakeDiscord, type FakeDiscordOptions, startFakeDiscord } from '../../fakes/fake-discord.ts'

/**
 * The real discord.js client (through the adapter) against the fake Discord, with a Herald whose
 * behaviour each test sets. The adapter's clock is real time plus a manual offset, so a test can
 * jump 14 minutes ahead while discord.js keeps its real timers; the fake Discord reads the same clock,
 * so an interaction token ages with it.
 */
export interface RecordingHerald extends Herald {
  readonly invocations: Invocation[]
  readonly presses: ButtonPress[]
  onHandle: (invocation: Invocation) => Promise<void>
  onPress: (press: ButtonPress) => Promise<void>
}

export function recordingHerald(): RecordingHerald {
  const herald: RecordingHerald = {
    invocations: [],
    presses: [],
    onHandle: async () => {},
    onPress: async () => {},
    handle(invocation) {
      herald.invocations.push(invocation)
      return herald.onHandle(invocation)
    },
    press(press) {
      herald.presses.push(press)
      return herald.onPress(press)
    },
  }
  return herald
}

export interface OffsetClock extends Clock {
  advance(ms: number): void
}

export function offsetClock(): OffsetClock {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    advance: (ms) => {
      offset += ms
    },
  }
}

const noop = async () => {}

export const testCommands: CommandDef<unknown>[] = [
  defineCommand({
    name: 'ask',
    description: { en: 'Ask Herald', zh: '向 Herald 提问' },
    access: 'everyone',
    textOption: 'prompt',
    options: [
      {
        name: 'effort',
        type: 'string',
        description: { en: 'Reasoning effort', zh: '推理强度' },
        choices: ['low', 'high'],
      },
      {
        name: 'prompt',
        type: 'string',
        description: { en: 'Your question', zh: '你的问题' },
        required: true,
        maxLength: 4000,
      },
    ],
    run: noop,
  }),
  defineCommand({
    name: 'search',
    description: { en: 'Web search on or off', zh: '开关网页搜索' },
    access: 'everyone',
    options: [{ name: 'on', type: 'boolean', description: { en: 'On?', zh: '开启？' }, required: true }],
    run: noop,
  }),
  defineCommand({
    name: 'research',
    description: { en: 'Deep research (admins)', zh: '深度研究（管理员）' },
    access: 'admins',
    options: [{ name: 'topic', type: 'string', description: { en: 'Topic', zh: '主题' }, required: true }],
    run: noop,
  }),
]

export interface LogLine {
  level: number
  msg: string
  [field: string]: unknown
}

export interface Harness {
  fake: FakeDiscord
  adapter: DiscordAdapter
  herald: RecordingHerald
  clock: OffsetClock
  logs: LogLine[]
  config: NonNullable<Config['discord']>
  close(): Promise<void>
}

export interface HarnessOptions {
  fake?: FakeDiscordOptions
  config?: Partial<NonNullable<Config['discord']>>
  commands?: CommandDef<unknown>[]
  /** Reuse a running fake (a second adapter against the same Discord). */
  reuse?: FakeDiscord
  start?: boolean
  /** The adapter's and the fake's clock; default real time plus an offset (`offsetClock`). */
  clock?: OffsetClock
  /** When an interaction answer moves to a channel message (default the adapter's, 14 min). */
  handoverAfterMs?: number
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? offsetClock()
  const fake =
    options.reuse ?? (await startFakeDiscord({ heartbeatIntervalMs: 1000, clock, ...options.fake }))
  const logs: LogLine[] = []
  const log = pino(
    { level: 'debug' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  )
  const herald = recordingHerald()
  const config = {
    token: fake.token,
    apiRoot: fake.apiRoot,
    guildIds: [fake.guild.id],
    adminIds: [],
    adminRoleIds: [fake.adminRole.id],
    ...options.config,
  }
  const adapter = createDiscordAdapter({
    config,
    herald,
    commands: options.commands ?? testCommands,
    log,
    clock,
    ...(options.handoverAfterMs === undefined ? {} : { handoverAfterMs: options.handoverAfterMs }),
  })
  if (options.start !== false) await adapter.start()
  return {
    fake,
    adapter,
    herald,
    clock,
    logs,
    config,
    async close() {
      await adapter.stop()
      if (!options.reuse) await fake.close()
    },
  }
}

/** Resolves with the next invocation the Herald receives. */
export function nextInvocation(h: Harness): Promise<Invocation> {
  const seen = h.herald.invocations.length
  return h.fake.waitFor(() => h.herald.invocations[seen])
}

export function nextPress(h: Harness): Promise<ButtonPress> {
  const seen = h.herald.presses.length
  return h.fake.waitFor(() => h.herald.presses[seen])
}
