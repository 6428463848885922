import type { Telegram } from 'telegraf'
import type { BotCommand, BotCommandScope } from 'telegraf/types'
import { type CommandDef, isAdminOnly } from '../../commands/define.ts'
import type { Logger } from '../../core/contracts/log.ts'

/**
 * Telegram's command menu (`setMyCommands`), derived from the command definitions: English by
 * default, Chinese for `zh` clients, and admin-only commands only in each admin's private chat.
 *
 * @example
 *   await registerCommands({ telegram, commands, adminIds: ['42'], log })
 */
export interface CommandMenu {
  commands: BotCommand[]
  scope?: BotCommandScope
  language_code?: string
}

/** Telegram allows 1-256 characters per description. */
export const TELEGRAM_COMMAND_DESCRIPTION_MAX_CHARS = 256

function entries(commands: readonly CommandDef<unknown>[], language: 'en' | 'zh'): BotCommand[] {
  return commands.map((c) => ({
    command: c.name,
    description: [...c.description[language]].slice(0, TELEGRAM_COMMAND_DESCRIPTION_MAX_CHARS).join(''),
  }))
}

export function commandMenus(
  commands: readonly CommandDef<unknown>[],
  adminIds: readonly string[],
): CommandMenu[] {
  const everyone = commands.filter((c) => !isAdminOnly(c))
  const menus: CommandMenu[] = [
    { commands: entries(everyone, 'en') },
    { commands: entries(everyone, 'zh'), language_code: 'zh' },
  ]
  if (commands.length === everyone.length) return menus
  for (const id of adminIds) {
    const scope: BotCommandScope = { type: 'chat', chat_id: Number(id) }
    menus.push({ commands: entries(commands, 'en'), scope })
    menus.push({ commands: entries(commands, 'zh'), scope, language_code: 'zh' })
  }
  return menus
}

/** Sets every menu; a failure is logged, never fatal (an admin who never opened the bot has no chat yet). */
export async function registerCommands(options: {
  telegram: Telegram
  commands: readonly CommandDef<unknown>[]
  adminIds: readonly string[]
  log: Logger
}): Promise<void> {
  for (const menu of commandMenus(options.commands, options.adminIds)) {
    try {
      await options.telegram.callApi('setMyCommands', menu)
    } catch (err) {
      options.log.warn(
        { err, scope: menu.scope, language: menu.language_code },
        'telegram setMyCommands failed',
      )
    }
  }
}
