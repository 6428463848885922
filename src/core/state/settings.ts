import type { Invocation } from '../contracts/chat.ts'
import { InputError } from '../contracts/errors.ts'
import type { Language } from '../i18n/i18n.ts'
import type { Store } from '../store/store.ts'
import type { ModelInfo, ModelRegistry } from './models.ts'

/**
 * Per-chat settings (per user in private chats): model, reasoning effort, web search, showing the
 * reasoning summary, the chat's language, answers also spoken (voice). Stored values are only what someone chose; `get` merges them over the defaults
 * and adapts them to the model: an effort the model does not take falls back to its default effort,
 * web search is off for a model without it, and `minimal` effort with web search on is served as
 * `low` (the API refuses web search with minimal reasoning). A stored model no longer offered falls
 * back to the default model.
 *
 * Errors are InputErrors: `settings.model_unknown` {model, allowed}; what a model can do is checked by
 * the registry's `checkRequest` (models.ts), the same check every ask passes.
 *
 * @example
 *   const scope = settingsScope({ platform: 'tg', kind: 'group', chatId: '-100', userId: '7' })
 *   await settings.setModel(scope, 'gpt-5')
 *   const { model, effort, webSearch, showReasoning } = await settings.get(scope)
 */

export interface ChatSettings {
  model: string
  /** undefined for a non-reasoning model. */
  effort: string | undefined
  webSearch: boolean
  showReasoning: boolean
  /** Chosen with /language; undefined follows the people's own languages and `LANGUAGE`. */
  language: Language | undefined
  /** `/voice on`: every answer is also sent as a voice message. Default off. */
  voice: boolean
  /**
   * `/pictures on`: ordinary answers are offered the image tool (the model may draw), for models
   * with `imageTool`. Default off: a picture costs far more than a text answer, so it is opted into.
   */
  pictures: boolean
}

/** What someone chose; anything unset follows the defaults. */
interface StoredSettings {
  model?: string
  effort?: string
  webSearch?: boolean
  showReasoning?: boolean
  language?: Language
  voice?: boolean
  pictures?: boolean
}

export interface SettingsDefaults {
  model: string
  /** Default true. */
  webSearch?: boolean
  /** Default true. */
  showReasoning?: boolean
}

export interface SettingsOptions {
  store: Store
  models: ModelRegistry
  defaults: SettingsDefaults
}

export interface Settings {
  get(scope: string): Promise<ChatSettings>
  setModel(scope: string, model: string): Promise<ChatSettings>
  setEffort(scope: string, effort: string): Promise<ChatSettings>
  setWebSearch(scope: string, on: boolean): Promise<ChatSettings>
  setShowReasoning(scope: string, on: boolean): Promise<ChatSettings>
  setVoice(scope: string, on: boolean): Promise<ChatSettings>
  setPictures(scope: string, on: boolean): Promise<ChatSettings>
  /** undefined: back to following the people's own languages. */
  setLanguage(scope: string, language: Language | undefined): Promise<ChatSettings>
  /** Back to the defaults. */
  reset(scope: string): Promise<void>
  /** Models a chat may choose, in registry order. */
  choices(): ModelInfo[]
}

/** The settings key: the user in a private chat (their settings follow them), the chat in a group. */
export function settingsScope(where: {
  platform: string
  kind: 'private' | 'group'
  chatId: string
  userId: string
}): string {
  return where.kind === 'private'
    ? `${where.platform}:user:${where.userId}`
    : `${where.platform}:chat:${where.chatId}`
}

/** The settings scope of an invocation's place: the person in a private chat, the chat in a group. */
export function scopeOf(inv: Pick<Invocation, 'chat' | 'user'>): string {
  return settingsScope({
    platform: inv.chat.platform,
    kind: inv.chat.kind,
    chatId: inv.chat.id,
    userId: inv.user.id,
  })
}

export function createSettings(opts: SettingsOptions): Settings {
  const { store, models, defaults } = opts
  const kv = store.kv<StoredSettings>('settings')
  const choices = () => models.chatModels()
  const offered = (id: string | undefined) =>
    id === undefined ? undefined : choices().find((m) => m.id === id)
  const defaultModel = () => offered(defaults.model) ?? models.get(defaults.model) ?? choices()[0]

  const effective = (stored: StoredSettings): ChatSettings => {
    const model = offered(stored.model) ?? defaultModel()
    if (!model) {
      return {
        model: defaults.model,
        effort: undefined,
        webSearch: false,
        showReasoning: false,
        language: stored.language,
        voice: stored.voice ?? false,
        pictures: false,
      }
    }
    const webSearch = model.webSearch && (stored.webSearch ?? defaults.webSearch ?? true)
    let effort =
      stored.effort !== undefined && model.reasoningEfforts.includes(stored.effort)
        ? stored.effort
        : model.defaultEffort
    if (effort === 'minimal' && webSearch && model.reasoningEfforts.includes('low')) effort = 'low'
    return {
      model: model.id,
      effort,
      webSearch,
      showReasoning: stored.showReasoning ?? defaults.showReasoning ?? true,
      language: stored.language,
      voice: stored.voice ?? false,
      pictures: model.imageTool && (stored.pictures ?? false),
    }
  }

  const read = async (scope: string) => (await kv.get(scope)) ?? {}
  const update = async (scope: string, change: (stored: StoredSettings) => StoredSettings) => {
    const next = change(await read(scope))
    await kv.set(scope, next)
    return effective(next)
  }
  const currentModel = async (scope: string) => {
    const id = effective(await read(scope)).model
    return offered(id) ?? models.get(id)
  }

  return {
    choices,

    async get(scope) {
      return effective(await read(scope))
    },

    async setModel(scope, id) {
      const model = offered(id)
      if (!model) {
        throw new InputError('settings.model_unknown', {
          model: id,
          allowed: choices()
            .map((m) => m.id)
            .join(', '),
        })
      }
      return update(scope, (s) => ({ ...s, model: model.id }))
    },

    async setEffort(scope, effort) {
      const model = await currentModel(scope)
      models.checkRequest(model?.id ?? defaults.model, { effort })
      return update(scope, (s) => ({ ...s, effort }))
    },

    async setWebSearch(scope, on) {
      const model = await currentModel(scope)
      if (on) models.checkRequest(model?.id ?? defaults.model, { webSearch: true })
      return update(scope, (s) => ({ ...s, webSearch: on }))
    },

    async setShowReasoning(scope, on) {
      return update(scope, (s) => ({ ...s, showReasoning: on }))
    },

    async setVoice(scope, on) {
      return update(scope, (s) => ({ ...s, voice: on }))
    },

    async setPictures(scope, on) {
      return update(scope, (s) => ({ ...s, pictures: on }))
    },

    async setLanguage(scope, language) {
      return update(scope, ({ language: _, ...rest }) => (language ? { ...rest, language } : rest))
    },

    async reset(scope) {
      await kv.delete(scope)
    },
  }
}
