import type { ChatRef, UserRef } from '../contracts/chat.ts'
import {
  LANGUAGES,
  type Language,
  type LanguageRule,
  languageOf,
  type Translate,
  translator,
} from '../i18n/i18n.ts'
import type { Store } from '../store/store.ts'
import { type Settings, settingsScope } from './settings.ts'

/**
 * Whose words in which language. A reply to one person follows that person: in a private chat
 * their own `/language`, else their platform locale; in a group their platform locale, else the
 * group's `/language`. A message for everyone in a chat follows the chat: its `/language`, else
 * the platform's chat locale (Discord `guild_locale`). Both end at `LANGUAGE`; `LANGUAGE_FORCE`
 * keeps one language for everyone.
 *
 * Events that carry no locale (a Discord message, unlike an interaction) use the one the person's
 * platform reported last, kept in the store (`locales`).
 *
 * @example
 *   const t = await s.i18n.forPerson(inv.user, inv.chat)
 *   await inv.notify(t('reset.done'))
 */
export interface I18n {
  readonly rule: LanguageRule
  /** The fallback's words, where no chat is known (operator notices, a chat-less start-up line). */
  readonly fallback: Translate
  /** Words for one person in a chat. */
  forPerson(user: Person, chat: ChatRef): Promise<Translate>
  /** Words for everyone in a chat; `owner` is the person of a private chat, when known. */
  forChat(chat: ChatRef, owner?: Person): Promise<Translate>
}

type Person = Pick<UserRef, 'platform' | 'id' | 'locale'>

/** A person's last reported locale is kept this long after they were last seen. */
const LOCALE_TTL_MS = 90 * 86_400_000
/** Locales this process knows are stored already (a bound, not a cache to trust: the store is). */
const KNOWN_MAX = 10_000

export function createI18n(opts: { rule: LanguageRule; settings: Settings; store: Store }): I18n {
  const { rule, settings, store } = opts
  const translators = new Map(LANGUAGES.map((lang) => [lang, translator(lang)]))
  const words = (lang: Language) => translators.get(lang) ?? translator(lang)
  const locales = store.kv<string>('locales')
  const known = new Map<string, string>()

  const chosen = async (chat: ChatRef, userId: string) => {
    const scope = settingsScope({ platform: chat.platform, kind: chat.kind, chatId: chat.id, userId })
    return (await settings.get(scope)).language
  }

  /** The person's locale: the event's (remembered when new), else the last one remembered. */
  const localeOf = async (user: Person): Promise<string | undefined> => {
    const key = `${user.platform}:${user.id}`
    if (user.locale === undefined) return known.get(key) ?? (await locales.get(key))
    if (known.get(key) !== user.locale) {
      if (known.size >= KNOWN_MAX) known.clear()
      known.set(key, user.locale)
      await locales.set(key, user.locale, LOCALE_TTL_MS)
    }
    return user.locale
  }

  const forPerson = async (user: Person, chat: ChatRef) => {
    if (rule.force) return words(rule.fallback)
    const [setting, locale] = await Promise.all([chosen(chat, user.id), localeOf(user)])
    const order = chat.kind === 'private' ? [setting, locale] : [locale, setting]
    return words(languageOf(rule, ...order))
  }

  return {
    rule,
    fallback: words(rule.fallback),
    forPerson,

    async forChat(chat, owner) {
      if (rule.force) return words(rule.fallback)
      if (chat.kind === 'private' && owner) return forPerson(owner, chat)
      const setting = chat.kind === 'group' ? await chosen(chat, '') : undefined
      return words(languageOf(rule, setting, chat.locale))
    },
  }
}
