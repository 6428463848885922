import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const reset = defineCommand<CommandContext>({
  name: 'reset',
  description: { en: 'Start a new conversation', zh: '开始新的对话' },
  access: 'everyone',
  options: [],
  async run(s, inv) {
    await s.conversations.reset(inv.chat.key)
    await inv.notify(s.t('reset.done'))
  },
})
