import { EFFORTS } from './ask.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { describeSettings, scopeOf } from './settings-scope.ts'

export const effort = defineCommand<CommandContext>({
  name: 'effort',
  description: { en: 'Show or set the reasoning effort', zh: '查看或设置推理强度' },
  options: [
    {
      name: 'level',
      description: { en: 'Reasoning effort', zh: '推理强度' },
      type: 'string',
      choices: EFFORTS,
    },
  ],
  async run(s, inv) {
    const level = inv.args.level
    if (typeof level !== 'string') {
      await inv.notify(describeSettings(s, await s.settings.get(scopeOf(inv))))
      return
    }
    const updated = await s.settings.setEffort(scopeOf(inv), level)
    await inv.notify(s.t('settings.effort_set', { effort: updated.effort ?? level }))
  },
})
