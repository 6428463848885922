import { describe, expect, test } from 'vitest'
import type { ChatRef } from '../../../src/core/contracts/chat.ts'
import type { LanguageRule } from '../../../src/core/i18n/i18n.ts'
import { createI18n } from '../../../src/core/state/languages.ts'
import { loadModels } from '../../../src/core/state/models.ts'
import { createSettings, settingsScope } from '../../../src/core/state/settings.ts'
import { storeFixture } from '../store/store-backends.ts'

const group: ChatRef = { platform: 'discord', id: 'c1', kind: 'group', key: 'discord:c1', guildId: 'g1' }
const dm: ChatRef = { platform: 'telegram', id: '7', kind: 'private', key: 'telegram:7' }
const ann = { platform: 'discord' as const, id: 'ann', locale: 'zh-CN' }
const ben = { platform: 'discord' as const, id: 'ben', locale: 'en-US' }

describe('whose language a message is in', () => {
  const fixture = storeFixture('sqlite')
  const open = async (rule: LanguageRule = { fallback: 'en', force: false }) => {
    const store = await fixture.open()
    const settings = createSettings({ store, models: loadModels(), defaults: { model: 'gpt-5-mini' } })
    return { i18n: createI18n({ rule, settings, store }), settings }
  }
  const scopeOf = (chat: ChatRef, userId = '') =>
    settingsScope({ platform: chat.platform, kind: chat.kind, chatId: chat.id, userId })

  test('in a group each person reads their own language; the group reads its /language', async () => {
    const { i18n, settings } = await open()
    expect((await i18n.forPerson(ann, group)).lang).toBe('zh')
    expect((await i18n.forPerson(ben, group)).lang).toBe('en')
    expect((await i18n.forChat(group)).lang).toBe('en')
    await settings.setLanguage(scopeOf(group), 'zh')
    expect((await i18n.forChat(group)).lang).toBe('zh')
    expect((await i18n.forPerson(ben, group)).lang).toBe('en')
    // Someone whose language Herald does not speak reads the group's.
    expect((await i18n.forPerson({ platform: 'discord', id: 'fr', locale: 'fr' }, group)).lang).toBe('zh')
  })

  test('a group without /language follows the platform’s chat locale, then LANGUAGE', async () => {
    const { i18n } = await open({ fallback: 'zh', force: false })
    expect((await i18n.forChat({ ...group, locale: 'en-GB' })).lang).toBe('en')
    expect((await i18n.forChat(group)).lang).toBe('zh')
  })

  test('in a private chat the person’s own /language beats their platform’s', async () => {
    const { i18n, settings } = await open()
    const tg = { platform: 'telegram' as const, id: '7', locale: 'en' }
    expect((await i18n.forPerson(tg, dm)).lang).toBe('en')
    await settings.setLanguage(scopeOf(dm, '7'), 'zh')
    expect((await i18n.forPerson(tg, dm)).lang).toBe('zh')
    expect((await i18n.forChat(dm, tg)).lang).toBe('zh')
  })

  test('an event without a locale uses the last one the person’s platform reported', async () => {
    const { i18n } = await open()
    expect((await i18n.forPerson({ platform: 'discord', id: 'ann' }, group)).lang).toBe('en')
    await i18n.forPerson(ann, group)
    expect((await i18n.forPerson({ platform: 'discord', id: 'ann' }, group)).lang).toBe('zh')
  })

  test('LANGUAGE_FORCE keeps the fallback for everyone and every chat', async () => {
    const { i18n, settings } = await open({ fallback: 'zh', force: true })
    await settings.setLanguage(scopeOf(group), 'en')
    expect((await i18n.forPerson(ben, group)).lang).toBe('zh')
    expect((await i18n.forChat({ ...group, locale: 'en-US' })).lang).toBe('zh')
  })
})
