import type { CommandContext } from '../commands/context.ts'
import { argsProblem, type CommandDef } from '../commands/define.ts'
import { userKey } from '../core/answers/run-answer.ts'
import type { ButtonPress, Herald, Invocation, Problem } from '../core/contracts/chat.ts'
import { HeraldError, InputError } from '../core/contracts/errors.ts'
import type { MessageKey, Translate } from '../core/i18n/i18n.ts'
import { policyRequest } from '../core/state/policy.ts'
import { isStoreAway } from '../core/store/store.ts'
import type { Services } from './services.ts'

/** Handled event ids are kept this long (Telegram retries a webhook for about a day at most). */
const EVENT_TTL_MS = 2 * 86_400_000

/**
 * The dispatcher adapters call: each platform event is handled once (even across processes), the
 * policy is checked, then the command runs with the words of the person who invoked it. Errors
 * become one line in the chat, in that person's language; nothing throws into the adapter.
 */
export function createHerald(s: Services, commands: readonly CommandDef<CommandContext>[]): Herald {
  const byName = new Map(commands.map((c) => [c.name, c]))
  const firstTime = (eventId: string) => s.store.claim(`event:${eventId}`, s.processId, EVENT_TTL_MS)

  const say = async (notify: Invocation['notify'], text: string) => {
    try {
      await notify(text, { ephemeral: true })
    } catch (err) {
      s.log.warn({ err }, 'could not tell the user')
    }
  }

  return {
    async handle(inv) {
      let t = s.i18n.fallback
      try {
        if (!(await firstTime(inv.eventId))) {
          s.log.debug({ event: inv.eventId }, 'event already handled')
          return
        }
        const command = byName.get(inv.command)
        if (!command) return
        t = await s.i18n.forPerson(inv.user, inv.chat)
        // Blocked at run time (the console), as BLOCK_USER_IDS blocks: admins never.
        if (!inv.user.isAdmin && (await s.blocks.isBlocked(userKey(inv)))) {
          await say(inv.notify, t('policy.blocked'))
          return
        }
        const decision = s.policy.decide(policyRequest(command, inv))
        // A requestable command (research) answers those its rule refuses itself; a block still stops it.
        if (!decision.allowed && !(command.requestable && decision.reason !== 'blocked')) {
          await say(inv.notify, t(`policy.${decision.reason}` as MessageKey))
          return
        }
        const problem = inv.problem ?? checkArgs(command, inv.args)
        if (problem !== undefined) {
          await say(inv.notify, problemLine(t, problem))
          return
        }
        await command.run({ ...s, t }, inv)
      } catch (err) {
        await say(inv.notify, describeError(s, t, err))
        if (isStoreAway(s.store, err))
          s.log.debug({ err, command: inv.command }, 'refused: the store is away')
        else if (!(err instanceof InputError)) s.log.error({ err, command: inv.command }, 'command failed')
      }
    },

    async press(press) {
      let t = s.i18n.fallback
      try {
        if (!(await firstTime(press.eventId))) return
        t = await s.i18n.forPerson(press.user, press.chat)
        if (!press.user.isAdmin && (await s.blocks.isBlocked(userKey(press)))) {
          return await press.answer(t('policy.blocked'))
        }
        if (press.data.startsWith('stop:')) return await stop(s, t, press)
        if (await s.research.press(press)) return
        await press.answer(t('button.stale'))
      } catch (err) {
        if (isStoreAway(s.store, err))
          s.log.debug({ err, data: press.data }, 'button refused: the store is away')
        else s.log.error({ err, data: press.data }, 'button failed')
        await press.answer(describeError(s, t, err)).catch(() => {})
      }
    },

    onMessageDeleted(chatKey, messageId) {
      for (const answer of s.answers.all()) {
        if (answer.chatKey !== chatKey || !answer.refs().some((ref) => ref.id === messageId)) continue
        s.log.info(
          { answer: answer.id, chat: chatKey, message: messageId },
          'answer message deleted: stopping',
        )
        answer.controller.abort(new HeraldError('gone', 'message deleted'))
      }
    },
  }
}

/**
 * Arguments as the command defines them: a platform (or a forged event) may bring options the command
 * does not have, values of the wrong type or outside its choices. Returns what is wrong. (Lengths are
 * the command's own business: the ask pipeline says "too long" with the configured limit.)
 */
export function checkArgs(
  command: Pick<CommandDef<unknown>, 'options'>,
  args: Invocation['args'],
): Problem | undefined {
  for (const [name, value] of Object.entries(args)) {
    const option = command.options.find((o) => o.name === name)
    if (!option) return argsProblem.unknown(name.slice(0, 32))
    if (option.type === 'boolean') {
      if (typeof value !== 'boolean') return argsProblem.onOff(name)
      continue
    }
    if (typeof value !== 'string') return argsProblem.text(name)
    if (option.choices && !option.choices.includes(value)) return argsProblem.oneOf(name, option.choices)
  }
  return undefined
}

/** Stop: the answer streams here, or (scale-out) in another process, which is asked to stop it. */
async function stop(s: Services, t: Translate, press: ButtonPress): Promise<void> {
  const id = press.data.slice('stop:'.length)
  const outcome = await stopAnswer(s, id, { key: userKey(press), isAdmin: press.user.isAdmin })
  if (outcome === 'not_yours') return press.answer(t('button.not_yours'))
  if (outcome === 'gone') return press.answer(t('button.stale'))
  await press.answer(t('ask.stopped'))
}

/**
 * Stops answer `id` for `by` (its asker, or an admin): aborted here when this process streams it,
 * otherwise the owner is asked through the store. The Stop button and the operator's console both
 * come through here.
 */
export async function stopAnswer(
  s: Services,
  id: string,
  by: { key: string; isAdmin: boolean },
): Promise<'stopped' | 'not_yours' | 'gone'> {
  const answer = s.answers.get(id)
  if (answer) {
    if (answer.userKey !== by.key && !by.isAdmin) return 'not_yours'
    answer.controller.abort(new HeraldError('aborted', 'stopped by a button'))
    return 'stopped'
  }
  const elsewhere = await s.answers.find(id)
  if (!elsewhere) return 'gone'
  if (elsewhere.userKey !== by.key && !by.isAdmin) return 'not_yours'
  await s.answers.requestStop(id, by.key)
  s.log.info({ answer: id, owner: elsewhere.owner, by: by.key }, 'asked another process to stop an answer')
  return 'stopped'
}

/** An adapter's or the argument check's problem; unreadable arguments say what the command expects. */
function problemLine(t: Translate, problem: Problem): string {
  const line = t(problem.key as MessageKey, problem.params)
  return problem.key.startsWith('args.') ? t('input.bad_args', { error: line }) : line
}

export function describeError(s: Pick<Services, 'store'>, t: Translate, err: unknown): string {
  if (err instanceof InputError) return t(err.key as MessageKey, err.params)
  if (isStoreAway(s.store, err)) return t('error.store')
  return t('error.generic')
}
