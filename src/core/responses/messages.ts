import type { ErrorKind } from '../contracts/errors.ts'

/**
 * Short lines a person reads when an answer fails, by error kind, in English and Simplified Chinese.
 * Never the upstream body: that goes to the operator's log.
 *
 * @example
 *   await ctx.reply(userMessage(err instanceof HeraldError ? err.kind : 'server', 'zh'))
 */
export type Lang = 'en' | 'zh'

const MESSAGES: Record<ErrorKind, Record<Lang, string>> = {
  bad_request: {
    en: 'The AI service could not accept this request.',
    zh: 'AI 服务无法处理这个请求。',
  },
  auth: {
    en: 'The AI service rejected the bot’s credentials. Please tell the bot’s operator.',
    zh: 'AI 服务拒绝了机器人的凭据，请联系机器人管理员。',
  },
  permission: {
    en: 'The bot is not allowed to use this model.',
    zh: '机器人无权使用这个模型。',
  },
  not_found: {
    en: 'The AI service does not know this model or conversation.',
    zh: 'AI 服务找不到这个模型或对话。',
  },
  not_found_base_url: {
    en: 'The bot is misconfigured (AI service address). Please tell the bot’s operator.',
    zh: '机器人配置有误（AI 服务地址），请联系机器人管理员。',
  },
  rate_limited: {
    en: 'The AI service is busy right now. Please try again in a minute.',
    zh: 'AI 服务现在很忙，请一分钟后再试。',
  },
  quota: {
    en: 'The AI service’s usage limit has been reached. Please tell the bot’s operator.',
    zh: 'AI 服务的用量已达上限，请联系机器人管理员。',
  },
  server: {
    en: 'The AI service had an internal error. Please try again.',
    zh: 'AI 服务内部出错，请重试。',
  },
  overloaded: {
    en: 'The AI service is overloaded. Please try again in a minute.',
    zh: 'AI 服务负载过高，请一分钟后再试。',
  },
  timeout: {
    en: 'The AI service took too long to answer. Please try again.',
    zh: 'AI 服务响应超时，请重试。',
  },
  network: {
    en: 'The AI service could not be reached. Please try again.',
    zh: '无法连接 AI 服务，请重试。',
  },
  stream: {
    en: 'The answer was cut off.',
    zh: '回答被中断了。',
  },
  aborted: {
    en: 'Stopped.',
    zh: '已停止。',
  },
  config: {
    en: 'The bot is misconfigured. Please tell the bot’s operator.',
    zh: '机器人配置有误，请联系机器人管理员。',
  },
  surface: {
    en: 'The message could not be sent.',
    zh: '消息发送失败。',
  },
  surface_rate_limited: {
    en: 'Too many messages right now. Please wait a moment.',
    zh: '消息太多了，请稍等。',
  },
  gone: {
    en: 'That message no longer exists.',
    zh: '那条消息已不存在。',
  },
  input: {
    en: 'That input could not be used.',
    zh: '无法使用这个输入。',
  },
  policy: {
    en: 'This is not allowed here.',
    zh: '这里不允许这样做。',
  },
  store: {
    en: 'Storage is unavailable right now. Please try again shortly.',
    zh: '存储暂时不可用，请稍后再试。',
  },
}

export function userMessage(kind: ErrorKind, lang: Lang): string {
  return MESSAGES[kind][lang]
}
