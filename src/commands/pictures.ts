import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { switchSetting } from './settings-scope.ts'

export const pictures = defineCommand<CommandContext>({
  name: 'pictures',
  description: { en: 'Let answers draw pictures when asked', zh: '允许回答按要求画图' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    await switchSetting(s, inv, inv.args.enabled, {
      setting: 'pictures',
      set: (scope, on) => s.settings.setPictures(scope, on),
      said: (state) => s.t('settings.pictures_set', { pictures: state }),
      bare: 'this setting',
    })
  },
})
