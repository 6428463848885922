import type { ChatSettings } from '../core/state/settings.ts'
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
