import { answer } from '../core/answers/run-answer.ts'
import { REASONING_EFFORTS } from '../core/responses/request.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

export const ask = defineCommand<CommandContext>({
  name: 'ask',
  description: { en: 'Ask the AI a question', zh: '向 AI 提问' },
  access: 'everyone',
  options: [
    {
      name: 'prompt',
      description: { en: 'Your question', zh: '你的问题' },
      type: 'string',
      required: true,
      maxLength: 6000,
    },
    { name: 'model', description: { en: 'Model for this answer', zh: '本次回答使用的模型' }, type: 'string' },
    {
      name: 'effort',
      description: { en: 'Reasoning effort', zh: '推理强度' },
      type: 'string',
      choices: REASONING_EFFORTS,
    },
    { name: 'search', description: { en: 'Search the web', zh: '联网搜索' }, type: 'boolean' },
    {
      name: 'image',
      description: { en: 'An image to ask about', zh: '要提问的图片' },
      type: 'image',
    },
  ],
  textOption: 'prompt',
  async run(s, inv) {
    const { prompt, model, effort, search } = inv.args
    await answer(s, inv, {
      prompt: typeof prompt === 'string' ? prompt : '',
      model: typeof model === 'string' ? model : undefined,
      effort: typeof effort === 'string' ? effort : undefined,
      search: typeof search === 'boolean' ? search : undefined,
    })
  },
})
