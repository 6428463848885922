import { userKey } from '../core/answer.ts'
import { HeraldError } from '../core/errors.ts'
import type { Services } from './context.ts'
import { defineCommand } from './define.ts'

export const cancel = defineCommand<Services>({
  name: 'cancel',
  description: { en: 'Stop your running answer', zh: '停止你正在进行的回答' },
  options: [],
  async run(s, inv) {
    const running = s.answers.byUser(userKey(inv))
    if (running.length === 0) {
      await inv.notify(s.t('cancel.none'), { ephemeral: true })
      return
    }
    for (const answer of running) answer.controller.abort(new HeraldError('aborted', 'cancelled by the user'))
    await inv.notify(s.t('cancel.done'), { ephemeral: true })
  },
})
