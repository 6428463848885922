import { USER_NAMES, userKey } from '../core/answers/run-answer.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

const dollars = (usd: number) => usd.toFixed(usd < 1 ? 4 : 2)

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
        today: `$${dollars(today.usd)}`,
        month: `$${dollars(month.usd)}`,
      }),
    ]
    if (inv.user.isAdmin) {
      const names = s.store.kv<string>(USER_NAMES)
      for (const period of ['day', 'month'] as const) {
        const top = await s.usage.topSpenders(period, 5)
        lines.push('', s.t('usage.top', { period: s.t(period === 'day' ? 'usage.today' : 'usage.month') }))
        if (top.length === 0) lines.push(s.t('usage.nobody'))
        for (const [i, spender] of top.entries()) {
          const name = (await names.get(spender.user)) ?? spender.user
          lines.push(`${i + 1}. ${name} (${spender.user}): $${dollars(spender.usd)} · ${spender.requests}`)
        }
      }
    }
    await inv.notify(lines.join('\n'), { ephemeral: true })
  },
})
