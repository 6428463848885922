import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const pictures = defineCommand<CommandContext>({
  name: 'pictures',
  description: { en: 'Let answers draw pictures when asked', zh: '允许回答按要求画图' },
  access: 'settings',
  options: [{ name: 'enabled', description: { en: 'on or off', zh: '开启或关闭' }, type: 'boolean' }],
  async run(s, inv) {
    const enabled = inv.args.enabled
    const scope = scopeOf(inv)
    const updated =
      typeof enabled === 'boolean'
        ? await s.settings.setPictures(scope, enabled)
        : await s.settings.get(scope)
    await inv.notify(
      s.t('settings.pictures_set', { pictures: s.t(updated.pictures ? 'settings.on' : 'settings.off') }),
    )
  },
})
