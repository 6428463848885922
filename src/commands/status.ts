import type { Translate } from '../core/i18n/i18n.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

function duration(t: Translate, ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return t('duration.minutes', { n: minutes })
  return t('duration.hours', { h: Math.floor(minutes / 60), m: minutes % 60 })
}

export const status = defineCommand<CommandContext>({
  name: 'status',
  description: { en: 'Bot status (admins)', zh: '机器人状态（管理员）' },
  access: 'admins',
  options: [],
  async run(s, inv) {
    const store = await s.store.ping().then(
      () => true,
      () => false,
    )
    const platforms = [...s.adapters.values()].map((a) =>
      s.t(a.healthy() ? 'status.up' : 'status.down', { name: a.platform }),
    )
    await inv.notify(
      s.t('status.text', {
        uptime: duration(s.t, s.clock.now() - s.startedAt),
        active: s.answers.all().length,
        queued: s.limits.streams.waiting,
        research: s.research.running(),
        store: s.t(store ? 'status.up' : 'status.down', { name: s.store.backend }),
        platforms: platforms.length > 0 ? platforms : s.t('status.none'),
      }),
      { ephemeral: true },
    )
  },
})
