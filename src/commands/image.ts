import { IMAGE_QUALITIES, IMAGE_SIZES } from '../core/answers/drawing.ts'
import { admit } from './ask.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const image = defineCommand<CommandContext>({
  name: 'image',
  description: { en: 'Draw a picture (it takes shape as you watch)', zh: '画一张图（边画边显示）' },
  access: 'everyone',
  options: [
    {
      name: 'prompt',
      description: { en: 'What to draw', zh: '要画的内容' },
      type: 'string',
      required: true,
      maxLength: 4000,
    },
    {
      name: 'size',
      description: { en: 'Square, portrait or landscape', zh: '方形、竖版或横版' },
      type: 'string',
      choices: IMAGE_SIZES,
    },
    {
      name: 'quality',
      description: { en: 'Higher costs more', zh: '质量越高价格越高' },
      type: 'string',
      choices: IMAGE_QUALITIES,
    },
    {
      name: 'file',
      description: { en: 'Also send it as a file, full resolution', zh: '同时以原图文件发送' },
      type: 'boolean',
    },
  ],
  textOption: 'prompt',
  async run(s, inv) {
    const { prompt, size, quality, file } = inv.args
    await admit(s, inv, {
      prompt: typeof prompt === 'string' ? prompt : '',
      draw: {
        forced: true,
        size: typeof size === 'string' ? size : undefined,
        quality: typeof quality === 'string' ? quality : undefined,
        asFile: file === true,
      },
    })
  },
})
