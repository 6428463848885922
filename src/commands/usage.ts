import { USER_NAMES, userKey } from '../core/answers/run-answer.ts'
import { usd } from '../core/i18n/i18n.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const usage = defineCommand<CommandContext>({
  name: 'usage',
  description: { en: 'What you have spent today and this month', zh: '查看你今日和本月的花费' },
  access: 'everyone',
  options: [],
  async run(s, inv) {
    const who = { kind: 'user' as const, id: userKey(inv) }
    const today = await s.usage.totals(who, 'day')
    const month = await s.usage.totals(who, 'month')
    const lines = [
      s.t('usage.line', {
        who: inv.user.name,
        today: usd(today.usd),
        month: usd(month.usd),
      }),
    ]
    if (inv.user.isAdmin) {
      const names = s.store.kv<string>(USER_NAMES)
      for (const period of ['day', 'month'] as const) {
        const top = await s.usage.topSpenders(period, 5)
        lines.push('', s.t(period === 'day' ? 'usage.top_day' : 'usage.top_month'))
        if (top.length === 0) lines.push(s.t('usage.nobody'))
        for (const [i, spender] of top.entries()) {
          const name = (await names.get(spender.user)) ?? spender.user
          lines.push(
            s.t('usage.spender', {
              rank: i + 1,
              name,
              id: spender.user,
              spent: usd(spender.usd),
              requests: spender.requests,
            }),
          )
        }
      }
    }
    await inv.notify(lines.join('\n'), { ephemeral: true })
  },
})
