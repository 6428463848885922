import { RESEARCH_MODEL_CHOICES } from '../core/research/research-service.ts'
import type { CommandContext } from './context.ts'
import { defineCommand } from './define.ts'

/**
 * Deep research. Admins get a confirmation card with the estimated cost; a member's request in a
 * group becomes an approval card for admins; anyone else is refused. `requestable`: the dispatcher
 * runs it for members too (never for blocked users and chats), and the research service decides.
 */
export const research = defineCommand<CommandContext>({
  name: 'research',
  description: { en: 'Deep research with web search (admins)', zh: '联网深度研究（管理员）' },
  access: 'admins',
  requestable: true,
  options: [
    {
      name: 'question',
      description: { en: 'What to research', zh: '研究的问题' },
      type: 'string',
      required: true,
      maxLength: 4000,
    },
    {
      name: 'model',
      description: { en: 'Research model', zh: '研究模型' },
      type: 'string',
      choices: RESEARCH_MODEL_CHOICES,
    },
  ],
  textOption: 'question',
  run: (s, inv) => s.research.command(inv, s.t),
})
