import { policyRequest } from '../core/state/policy.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

/** How to talk to Herald, then the commands this person may use here, from their definitions. */
export const help = defineCommand<CommandContext>({
  name: 'help',
  description: { en: 'How to use Herald', zh: '使用说明' },
  access: 'everyone',
  options: [],
  async run(s, inv) {
    const usable = s.commands.filter((c) => c.requestable || s.policy.decide(policyRequest(c, inv)).allowed)
    const lines = usable.map((c) => `/${c.name}: ${c.description[s.t.lang]}`)
    await inv.notify([s.t('help.intro'), ...lines].join('\n'), { ephemeral: true })
  },
})
