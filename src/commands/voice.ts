import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const voice = defineCommand<CommandContext>({
  name: 'voice',
  description: { en: 'Also send answers as voice messages', zh: '同时以语音消息发送回答' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    const enabled = inv.args.enabled
    const scope = scopeOf(inv)
    const updated =
      typeof enabled === 'boolean' ? await s.settings.setVoice(scope, enabled) : await s.settings.get(scope)
    await inv.notify(
      s.t('settings.voice_set', { voice: s.t(updated.voice ? 'settings.on' : 'settings.off') }),
    )
  },
})
