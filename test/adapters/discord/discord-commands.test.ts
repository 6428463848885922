import { describe, expect, test } from 'vitest'
import { toSlashCommand } from '../../../src/adapters/discord/discord-commands.ts'
import { defineCommand } from '../../../src/commands/define.ts'

describe('toSlashCommand', () => {
  test('an image option is an attachment option (type 11), after the required ones', () => {
    const look = defineCommand({
      name: 'look',
      description: { en: 'Look at a picture', zh: '看图' },
      access: 'everyone',
      options: [
        { name: 'image', description: { en: 'The picture', zh: '图片' }, type: 'image' },
        { name: 'question', description: { en: 'What to ask', zh: '问题' }, type: 'string', required: true },
      ],
      async run() {},
    })
    expect(toSlashCommand(look).options).toEqual([
      {
        type: 3,
        name: 'question',
        description: 'What to ask',
        description_localizations: { 'zh-CN': '问题' },
        required: true,
      },
      {
        type: 11,
        name: 'image',
        description: 'The picture',
        description_localizations: { 'zh-CN': '图片' },
      },
    ])
  })

  test('a required image option is required on Discord too', () => {
    const look = defineCommand({
      name: 'look',
      description: { en: 'Look at a picture', zh: '看图' },
      access: 'everyone',
      options: [
        { name: 'image', description: { en: 'The picture', zh: '图片' }, type: 'image', required: true },
      ],
      async run() {},
    })
    expect(toSlashCommand(look).options).toMatchObject([{ type: 11, name: 'image', required: true }])
  })
})
