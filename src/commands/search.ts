import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { switchSetting } from './settings-scope.ts'

export const search = defineCommand<CommandContext>({
  name: 'search',
  description: { en: 'Turn web search on or off', zh: '开启或关闭联网搜索' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    await switchSetting(s, inv, inv.args.enabled, {
      setting: 'webSearch',
      set: (scope, on) => s.settings.setWebSearch(scope, on),
      said: (state) => s.t('settings.search_set', { search: state }),
      bare: 'all settings',
    })
  },
})
