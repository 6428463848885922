import pino from 'pino'
import {
  createTelegramAdapter,
  type TelegramAdapter,
  type TelegramAdapterOptions,
} from '../../../src/adapters/telegram/telegram-adapter.ts'
import { defineCommand } from '../../../src/commands/define.ts'
import type { ButtonPress, Herald, Invocation } from '../../../src/core/contracts/chat.ts'
import type { Logger } from '../../../src/core/contracts/log.ts'
import type { FakeTelegram } from '../../fakes/fake-telegram.ts'

/** Commands shaped like the real ones, with a typed context, as the real list has them. */
interface TestCtx {
  reply(text: string): Promise<void>
}

const noop = async () => {}

export const testCommands = [
  defineCommand<TestCtx>({
    name: 'ask',
    description: { en: 'Ask a question', zh: '提问' },
    access: 'everyone',
    options: [
      { name: 'prompt', description: { en: 'Question', zh: '问题' }, type: 'string', required: true },
      {
        name: 'effort',
        description: { en: 'Effort', zh: '力度' },
        type: 'string',
        choices: ['low', 'medium', 'high'],
      },
    ],
    textOption: 'prompt',
    run: noop,
  }),
  defineCommand<TestCtx>({
    name: 'model',
    description: { en: 'Choose the model', zh: '选择模型' },
    access: 'everyone',
    options: [
      {
        name: 'model',
        description: { en: 'Model', zh: '模型' },
        type: 'string',
        choices: ['gpt-5', 'gpt-5-mini'],
      },
    ],
    run: noop,
  }),
  defineCommand<TestCtx>({
    name: 'help',
    description: { en: 'How to use Herald', zh: '使用说明' },
    access: 'everyone',
    options: [],
    run: noop,
  }),
  defineCommand<TestCtx>({
    name: 'research',
    description: { en: 'Deep research (admins)', zh: '深度研究（管理员）' },
    options: [{ name: 'topic', description: { en: 'Topic', zh: '主题' }, type: 'string', required: true }],
    textOption: 'topic',
    access: 'admins',
    run: noop,
  }),
]

export interface RecordingHerald {
  herald: Herald
  invocations: Invocation[]
  presses: ButtonPress[]
}

export function recordingHerald(
  behaviour: { handle?(inv: Invocation): Promise<void>; press?(press: ButtonPress): Promise<void> } = {},
): RecordingHerald {
  const invocations: Invocation[] = []
  const presses: ButtonPress[] = []
  return {
    invocations,
    presses,
    herald: {
      async handle(invocation) {
        invocations.push(invocation)
        await behaviour.handle?.(invocation)
      },
      async press(press) {
        presses.push(press)
        await behaviour.press?.(press)
      },
    },
  }
}

export function memoryLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { log, lines }
}

export const ADMIN_ID = '999'

export function adapterFor(
  fake: FakeTelegram,
  herald: Herald,
  overrides: Partial<TelegramAdapterOptions> & { webhookUrl?: string } = {},
): TelegramAdapter {
  const { webhookUrl, ...rest } = overrides
  return createTelegramAdapter({
    config: {
      token: fake.token,
      apiRoot: fake.url.replace(/\/$/, ''),
      webhookSecret: 'hook-secret_1',
      adminIds: [ADMIN_ID],
      drafts: false,
      ...(webhookUrl !== undefined ? { webhookUrl } : {}),
    },
    herald,
    commands: testCommands,
    log: memoryLog().log,
    ...rest,
  })
}
