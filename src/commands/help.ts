import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const help = defineCommand<CommandContext>({
  name: 'help',
  description: { en: 'How to use Herald', zh: '使用说明' },
  options: [],
  async run(s, inv) {
    await inv.notify(s.t('help.text'), { ephemeral: true })
  },
})
