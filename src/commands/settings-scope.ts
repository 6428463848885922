import type { Invocation } from '../core/contracts/chat.ts'
import type { ChatSettings } from '../core/state/settings.ts'
import { settingsScope } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'

/** The settings key of the invocation's place: the user in a private chat, the chat in a group. */
export function scopeOf(inv: Invocation): string {
  return settingsScope({
    platform: inv.chat.platform,
    kind: inv.chat.kind,
    chatId: inv.chat.id,
    userId: inv.user.id,
  })
}

export function describeSettings(s: CommandContext, settings: ChatSettings): string {
  const onOff = (on: boolean) => s.t(on ? 'settings.on' : 'settings.off')
  return s.t('settings.current', {
    model: settings.model,
    effort: settings.effort ?? s.t('settings.none'),
    search: onOff(settings.webSearch),
    reasoning: onOff(settings.showReasoning),
  })
}
