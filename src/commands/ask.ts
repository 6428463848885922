import { checkImage } from '../core/answers/answer-request.ts'
import { checkDocument } from '../core/answers/documents.ts'
import { type DrawRequest, drawingEstimateUsd } from '../core/answers/drawing.ts'
import { checkAudio, transcriptionEstimateUsd } from '../core/answers/listening.ts'
import { runAnswer, userKey } from '../core/answers/run-answer.ts'
import type { Invocation } from '../core/contracts/chat.ts'
import { InputError } from '../core/contracts/errors.ts'
import { REASONING_EFFORTS } from '../core/responses/request.ts'
import { scopeOf } from '../core/state/settings.ts'
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
    await admit(s, inv, {
      prompt: typeof prompt === 'string' ? prompt : '',
      model: typeof model === 'string' ? model : undefined,
      effort: typeof effort === 'string' ? effort : undefined,
      search: typeof search === 'boolean' ? search : undefined,
    })
  },
})

/** What the person asked for; unset options come from the chat's settings. */
export interface AskRequest {
  prompt: string
  model?: string | undefined
  effort?: string | undefined
  search?: boolean | undefined
  /** Draw a picture (`/image`): the image tool is forced, with these options. */
  draw?: DrawRequest | undefined
}

/**
 * Admits an ask, checked in the order that costs least first: the input, the model's capabilities,
 * the budgets, the person's rate, then their one running answer. A refusal is one line in the chat
 * and nothing is sent upstream; an admitted ask runs (core/answers/run-answer.ts).
 */
export async function admit(s: CommandContext, inv: Invocation, req: AskRequest): Promise<void> {
  const { t } = s
  const prompt = req.prompt.trim()
  const refuse = async (line: string) => void (await inv.notify(line))
  const attached = inv.images.length > 0 || (inv.documents ?? []).length > 0
  if (prompt === '' && !inv.audio && (!attached || req.draw))
    return refuse(t(req.draw ? 'image.empty' : 'ask.empty'))
  s.limits.checkPromptLength(prompt)
  for (const image of inv.images) checkImage(s.config.limits.maxImageBytes, image.size, image.mime)
  if (inv.audio) checkAudio(s, inv.audio)

  const settings = await s.settings.get(scopeOf(inv))
  const model = req.model ?? settings.model
  const effort = req.effort ?? (req.model ? s.models.get(model)?.defaultEffort : settings.effort)
  const search = req.search ?? settings.webSearch
  const info = s.models.checkRequest(model, { effort, webSearch: search, images: inv.images.length })
  for (const doc of inv.documents ?? []) checkDocument(s.config.limits.maxFileBytes, info, doc)
  // A reply to one of Herald's pictures may change it ("make it blue"): the image tool is offered.
  const draw = req.draw ?? (info.imageTool ? await drawsAgain(s, inv) : undefined)
  if (inv.images.length > 0 && (await s.endpoint.isUnsupported('image-input')))
    throw new InputError('endpoint.images_unsupported')
  // `/pictures on`: the image tool is offered to an ordinary ask; the model draws only when asked to.
  const pictures = draw === undefined && settings.pictures && info.imageTool

  const who = userKey(inv)
  const budget = await s.budgets.check({
    user: who,
    chat: inv.chat.key,
    isAdmin: inv.user.isAdmin,
    // What is priced up front: a picture, and the minutes of a voice note.
    estimateUsd:
      (draw ? drawingEstimateUsd(s, draw) : 0) +
      (pictures ? drawingEstimateUsd(s, { forced: false }) : 0) +
      (inv.audio ? transcriptionEstimateUsd(s, inv.audio) : 0),
  })
  if (!budget.ok) {
    return refuse(t(`budget.refused.${budget.scope}`, { resetsAt: new Date(budget.resetsAt) }))
  }
  const rate = await s.limits.checkRate(who)
  if (!rate.ok) return refuse(t('limits.rate', { seconds: Math.ceil(rate.retryAfterMs / 1000) }))
  const started = await s.answers.start({ userKey: who, chat: inv.chat, lang: t.lang })
  if (!started.ok) return refuse(t('limits.busy_user'))

  await runAnswer(s, inv, {
    prompt,
    model,
    effort,
    search,
    showReasoning: settings.showReasoning,
    running: started.answer,
    draw,
    voice: settings.voice,
    pictures,
  })
}

/** Whether this ask replies to one of Herald's pictures, so the model may draw it again, changed. */
async function drawsAgain(s: CommandContext, inv: Invocation): Promise<DrawRequest | undefined> {
  if (inv.replyTo === undefined) return undefined
  const turn = await s.conversations.turnForMessage(inv.chat.key, inv.replyTo)
  return turn?.pictures ? { forced: false } : undefined
}
