import { REASONING_EFFORTS } from '../core/responses/request.ts'
import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { describeSettings } from './settings-scope.ts'

export const effort = defineCommand<CommandContext>({
  name: 'effort',
  description: { en: 'Show or set the reasoning effort', zh: '查看或设置推理强度' },
  access: 'settings',
  options: [
    {
      name: 'level',
      description: { en: 'Reasoning effort', zh: '推理强度' },
      type: 'string',
      choices: REASONING_EFFORTS,
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
