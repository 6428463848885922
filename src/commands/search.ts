import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'
import { describeSettings } from './settings-scope.ts'

export const search = defineCommand<CommandContext>({
  name: 'search',
  description: { en: 'Turn web search on or off', zh: '开启或关闭联网搜索' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    const enabled = inv.args.enabled
    if (typeof enabled !== 'boolean') {
      await inv.notify(describeSettings(s, await s.settings.get(scopeOf(inv))))
      return
    }
    const updated = await s.settings.setWebSearch(scopeOf(inv), enabled)
    await inv.notify(
      s.t('settings.search_set', { search: s.t(updated.webSearch ? 'settings.on' : 'settings.off') }),
    )
  },
})
