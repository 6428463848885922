import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { describeSettings } from './settings-scope.ts'

export const reasoning = defineCommand<CommandContext>({
  name: 'reasoning',
  description: {
    en: 'Keep the model’s reasoning summary under answers, or not',
    zh: '在回答中保留或隐藏模型的推理摘要',
  },
  access: 'settings',
  options: [{ name: 'shown', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    const shown = inv.args.shown
    if (typeof shown !== 'boolean') {
      await inv.notify(describeSettings(s, await s.settings.get(scopeOf(inv))))
      return
    }
    const updated = await s.settings.setShowReasoning(scopeOf(inv), shown)
    await inv.notify(
      s.t('settings.reasoning_set', {
        reasoning: s.t(updated.showReasoning ? 'settings.on' : 'settings.off'),
      }),
    )
  },
})
