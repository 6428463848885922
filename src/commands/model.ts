import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { describeSettings } from './settings-scope.ts'

export const model = defineCommand<CommandContext>({
  name: 'model',
  description: { en: 'Show or choose the model for this chat', zh: '查看或选择本聊天的模型' },
  access: 'settings',
  options: [{ name: 'name', description: { en: 'Model id', zh: '模型 ID' }, type: 'string', maxLength: 64 }],
  async run(s, inv) {
    const name = inv.args.name
    if (typeof name !== 'string') {
      const current = await s.settings.get(scopeOf(inv))
      const models = s.settings.choices().map((m) => (m.id === current.model ? `**${m.id}**` : m.id))
      await inv.notify(`${describeSettings(s, current)}\n${s.t('settings.models', { models })}`)
      return
    }
    const updated = await s.settings.setModel(scopeOf(inv), name.trim())
    await inv.notify(s.t('settings.model_set', { model: updated.model }))
  },
})
