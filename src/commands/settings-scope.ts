import type { Invocation } from '../core/contracts/chat.ts'
import { type ChatSettings, scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'

export function describeSettings(s: CommandContext, settings: ChatSettings): string {
  const onOff = (on: boolean) => s.t(on ? 'settings.on' : 'settings.off')
  return s.t('settings.current', {
    model: settings.model,
    effort: settings.effort ?? s.t('settings.none'),
    search: onOff(settings.webSearch),
    reasoning: onOff(settings.showReasoning),
  })
}

/** A setting a command turns on or off (`/search`, `/reasoning`, `/voice`, `/pictures`). */
export interface OnOff {
  setting: 'webSearch' | 'showReasoning' | 'voice' | 'pictures'
  /** Saves the new state; a setter may refuse it (search on a model without it). */
  set(scope: string, on: boolean): Promise<ChatSettings>
  /** The reply, given the state as the words for on or off. */
  said(state: string): string
  /** Without a value: every setting of the chat, or this one's state alone. */
  bare: 'all settings' | 'this setting'
}

/** Sets the switch when `value` is on or off and says its state; without a value, says what `bare` asks. */
export async function switchSetting(
  s: CommandContext,
  inv: Invocation,
  value: unknown,
  onOff: OnOff,
): Promise<void> {
  const scope = scopeOf(inv)
  if (typeof value !== 'boolean' && onOff.bare === 'all settings') {
    await inv.notify(describeSettings(s, await s.settings.get(scope)))
    return
  }
  const updated = typeof value === 'boolean' ? await onOff.set(scope, value) : await s.settings.get(scope)
  await inv.notify(onOff.said(s.t(updated[onOff.setting] ? 'settings.on' : 'settings.off')))
}
