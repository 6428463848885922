import { LANGUAGES, type Language, translator } from '../core/i18n/i18n.ts'
import { scopeOf } from '../core/state/settings.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

const AUTO = 'auto'

/**
 * The chat's language: what messages for everyone use (research cards and notices) and what people
 * whose own language is unknown read. Each person still reads replies in their own language; in a
 * private chat the choice is that person's. `auto` goes back to the platform and `LANGUAGE`.
 */
export const language = defineCommand<CommandContext>({
  name: 'language',
  description: { en: 'Herald’s language in this chat', zh: '设置 Herald 在本聊天中使用的语言' },
  access: 'settings',
  options: [
    {
      name: 'language',
      description: { en: 'en, zh, or auto (the platform’s)', zh: 'en、zh 或 auto（跟随平台）' },
      type: 'string',
      choices: [...LANGUAGES, AUTO],
    },
  ],
  async run(s, inv) {
    const choice = inv.args.language
    const name = (t: typeof s.t, lang: Language) => t(`language.name.${lang}`)
    if (s.i18n.rule.force) {
      await inv.notify(s.t('language.forced', { language: name(s.t, s.i18n.rule.fallback) }))
      return
    }
    if (typeof choice !== 'string') {
      const everyone = await s.i18n.forChat(inv.chat, inv.user)
      await inv.notify(s.t('language.current', { language: name(s.t, everyone.lang) }))
      return
    }
    if (choice === AUTO) {
      await s.settings.setLanguage(scopeOf(inv), undefined)
      const everyone = await s.i18n.forChat(inv.chat, inv.user)
      await inv.notify(everyone('language.auto', { language: name(everyone, everyone.lang) }))
      return
    }
    const lang = choice as Language
    await s.settings.setLanguage(scopeOf(inv), lang)
    // Said in the language just chosen: the chat sees what it will read from now on.
    const t = translator(lang)
    await inv.notify(t('language.set', { language: name(t, lang) }))
  },
})
