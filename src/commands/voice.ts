import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { switchSetting } from './settings-scope.ts'

export const voice = defineCommand<CommandContext>({
  name: 'voice',
  description: { en: 'Also send answers as voice messages', zh: '同时以语音消息发送回答' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    await switchSetting(s, inv, inv.args.enabled, {
      setting: 'voice',
      set: (scope, on) => s.settings.setVoice(scope, on),
      said: (state) => s.t('settings.voice_set', { voice: state }),
      bare: 'this setting',
    })
  },
})
