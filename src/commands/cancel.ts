import { userKey } from '../core/answers/run-answer.ts'
import { HeraldError } from '../core/contracts/errors.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const cancel = defineCommand<CommandContext>({
  name: 'cancel',
  description: { en: 'Stop your running answer', zh: '停止你正在进行的回答' },
  access: 'everyone',
  options: [],
  async run(s, inv) {
    const who = userKey(inv)
    const here = s.answers.byUser(who)
    for (const answer of here) answer.controller.abort(new HeraldError('aborted', 'cancelled by the user'))
    // Scale-out: answers streaming in other processes are asked to stop there.
    let elsewhere = 0
    try {
      for (const running of await s.answers.ofUser(who)) {
        if (here.some((answer) => answer.id === running.id)) continue
        await s.answers.requestStop(running.id, who)
        elsewhere++
      }
    } catch (err) {
      s.log.warn({ err, user: who }, 'looking for answers in other processes failed')
    }
    const total = here.length + elsewhere
    await inv.notify(s.t(total === 0 ? 'cancel.none' : 'cancel.done'), { ephemeral: true })
  },
})
