import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { switchSetting } from './settings-scope.ts'

export const reasoning = defineCommand<CommandContext>({
  name: 'reasoning',
  description: {
    en: 'Keep the model’s reasoning summary under answers, or not',
    zh: '在回答中保留或隐藏模型的推理摘要',
  },
  access: 'settings',
  options: [{ name: 'shown', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    await switchSetting(s, inv, inv.args.shown, {
      setting: 'showReasoning',
      set: (scope, on) => s.settings.setShowReasoning(scope, on),
      said: (state) => s.t('settings.reasoning_set', { reasoning: state }),
      bare: 'all settings',
    })
  },
})
