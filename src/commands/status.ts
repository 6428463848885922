import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000)
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
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
    const platforms = [...s.adapters.values()]
      .map((a) => `${a.platform} ${a.healthy() ? 'up' : 'down'}`)
      .join(', ')
    await inv.notify(
      s.t('status.text', {
        uptime: duration(s.clock.now() - s.startedAt),
        active: s.answers.all().length,
        queued: s.limits.streams.waiting,
        research: s.research.running(),
        store: `${s.store.backend} ${store ? 'ok' : 'down'}`,
        platforms: platforms || '-',
      }),
      { ephemeral: true },
    )
  },
})
