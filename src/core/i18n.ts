import type { Language } from './config.ts'

/**
 * Herald's own words, in English and Simplified Chinese. `{name}` placeholders are filled from params.
 * Upstream error lines live in responses/messages.ts; everything else a person reads is here.
 *
 * @example
 *   t('en', 'limits.busy_user')
 */
const en = {
  'help.text':
    '**Herald**: ask anything.\n' +
    '- In a private chat, just write. In a group, mention me, reply to me, or use /ask.\n' +
    '- Reply to one of my messages to continue that conversation; /reset starts fresh.\n' +
    '- /model, /effort, /search set this chat’s model, reasoning effort and web search.\n' +
    '- /usage shows what you have spent; /cancel stops your running answer.\n' +
    '- /research starts a deep research run (admins).',
  'reset.done': 'New conversation started.',
  'settings.current':
    'Model: **{model}** · effort: **{effort}** · web search: **{search}** · reasoning shown: **{reasoning}**',
  'settings.model_set': 'Model set to **{model}**.',
  'settings.models': 'Models you can choose: {models}',
  'settings.effort_set': 'Reasoning effort set to **{effort}**.',
  'settings.search_set': 'Web search is now **{search}**.',
  'settings.on': 'on',
  'settings.off': 'off',
  'settings.none': 'n/a',
  'usage.line': '**{who}**: today {today} · this month {month}',
  'usage.top': 'Top spenders {period}:',
  'usage.today': 'today',
  'usage.month': 'this month',
  'usage.nobody': 'No spending recorded yet.',
  'cancel.done': 'Stopped your running answer.',
  'cancel.none': 'You have no running answer.',
  'ask.empty': 'Please write a question after the command.',
  'ask.stopped': 'Stopped.',
  'ask.interrupted': 'Interrupted: Herald restarted before this answer finished.',
  'ask.queued': 'Waiting for a free slot… (position {position})',
  'button.stop': 'Stop',
  'button.not_yours': 'Only the person who asked (or an admin) can press this.',
  'button.stale': 'This button has expired.',
  'limits.busy_user': 'You already have an answer running. Press Stop on it (or use /cancel) first.',
  'limits.rate': 'Too many requests. Try again in {seconds} s.',
  'limits.prompt_too_long': 'Your message is too long ({length} characters; the limit is {max}).',
  'limits.image_too_large': 'That image is too large ({size} MB; the limit is {max} MB).',
  'limits.image_type': 'That file type is not supported as an image ({mime}). Send a JPEG, PNG, GIF or WebP.',
  'budget.refused': 'The {scope} daily budget is used up. It resets at {resetsAt} UTC.',
  'budget.scope.user': 'your',
  'budget.scope.chat': 'this chat’s',
  'budget.scope.global': 'bot’s',
  'policy.blocked': 'You cannot use this bot here.',
  'policy.admin_only': 'Only admins can do that here.',
  'policy.not_allowed': 'That is not allowed here.',
  'input.bad_args': 'Could not read the command: {error}',
  'status.text':
    '**Status**: uptime {uptime} · active answers {active} · queued {queued} · research jobs running {research}\nstore: {store} · platforms: {platforms}',
  'reason.max_output_tokens': 'Stopped: the answer reached its length limit.',
  'reason.content_filter': 'Stopped by the content filter.',
  'reason.stream_ended': 'The connection ended before the answer was complete.',
  'reason.timeout': 'The AI service stopped responding; the answer is incomplete.',
  'reason.aborted': 'Stopped.',
  'reason.cancelled': 'Cancelled.',
  'reason.failed': 'The answer failed: {message}',
  'reason.incomplete': 'The answer is incomplete ({reason}).',
  'status.thinking': 'Thinking…',
  'status.searching': 'Searching “{query}”…',
  'status.searching_plain': 'Searching the web…',
  'status.calling': 'Using {name}…',
  'status.queued': 'Queued…',
  'status.waiting': 'Working…',
  'sources.title': 'Sources',
  'reasoning.title': 'Reasoning',
  'discord.moved':
    'This answer continues in ordinary messages (Discord interactions expire after 15 minutes).',
  'research.refused_private': 'Deep research is for admins only.',
  'answer.empty': '(no text in this answer)',
  'input.too_long': 'Your message is too long ({length} characters; the limit is {max}).',
  'models.unknown': 'Unknown model “{model}”. See /model for the list.',
  'models.effort_unsupported': '{model} does not take reasoning effort “{effort}”.',
  'models.search_unsupported':
    '{model} cannot search the web. Turn search off (/search off) or pick another model.',
  'models.search_needs_effort': '{model} cannot search the web at “{effort}” effort. Use low or higher.',
  'models.images_unsupported': '{model} cannot read images. Pick a model with vision (/model).',
  'models.background_unsupported': '{model} cannot run in the background.',
  'models.research_needs_search': '{model} needs web search to run.',
  'settings.model_unknown': 'Unknown model “{model}”. Choose one of: {allowed}',
  'settings.effort_unsupported': '{model} takes these efforts: {allowed}.',
  'settings.effort_not_reasoning': '{model} is not a reasoning model: it has no effort setting.',
  'settings.search_unsupported': '{model} cannot search the web.',
  'error.generic': 'Something went wrong on our side. Please try again.',
  'queue.position': 'Queued… position {position}',
} as const

export type MessageKey = keyof typeof en

const zh: Record<MessageKey, string> = {
  'help.text':
    '**Herald**：有问必答。\n' +
    '- 私聊中直接发消息；群组中请 @我、回复我的消息，或使用 /ask。\n' +
    '- 回复我的某条消息即可继续那段对话；/reset 开始新的对话。\n' +
    '- /model、/effort、/search 设置本聊天的模型、推理强度和联网搜索。\n' +
    '- /usage 查看你的花费；/cancel 停止你正在进行的回答。\n' +
    '- /research 发起深度研究（仅管理员）。',
  'reset.done': '已开始新的对话。',
  'settings.current':
    '模型：**{model}** · 推理强度：**{effort}** · 联网搜索：**{search}** · 显示推理：**{reasoning}**',
  'settings.model_set': '模型已设为 **{model}**。',
  'settings.models': '可选模型：{models}',
  'settings.effort_set': '推理强度已设为 **{effort}**。',
  'settings.search_set': '联网搜索已**{search}**。',
  'settings.on': '开启',
  'settings.off': '关闭',
  'settings.none': '不适用',
  'usage.line': '**{who}**：今日 {today} · 本月 {month}',
  'usage.top': '{period}花费最多的用户：',
  'usage.today': '今日',
  'usage.month': '本月',
  'usage.nobody': '暂无花费记录。',
  'cancel.done': '已停止你正在进行的回答。',
  'cancel.none': '你没有正在进行的回答。',
  'ask.empty': '请在命令后写下你的问题。',
  'ask.stopped': '已停止。',
  'ask.interrupted': '已中断：回答完成前 Herald 重启了。',
  'ask.queued': '正在排队……（第 {position} 位）',
  'button.stop': '停止',
  'button.not_yours': '只有提问者（或管理员）可以按这个按钮。',
  'button.stale': '这个按钮已失效。',
  'limits.busy_user': '你已有一个正在进行的回答。请先按“停止”（或使用 /cancel）。',
  'limits.rate': '请求过于频繁，请 {seconds} 秒后再试。',
  'limits.prompt_too_long': '消息太长（{length} 个字符，上限 {max}）。',
  'limits.image_too_large': '图片太大（{size} MB，上限 {max} MB）。',
  'limits.image_type': '不支持这种图片格式（{mime}）。请发送 JPEG、PNG、GIF 或 WebP。',
  'budget.refused': '{scope}今日预算已用完，将于 UTC {resetsAt} 重置。',
  'budget.scope.user': '你的',
  'budget.scope.chat': '本聊天的',
  'budget.scope.global': '机器人的',
  'policy.blocked': '你不能在这里使用本机器人。',
  'policy.admin_only': '这里只有管理员可以这样做。',
  'policy.not_allowed': '这里不允许这样做。',
  'input.bad_args': '无法解析命令：{error}',
  'status.text':
    '**状态**：运行 {uptime} · 进行中的回答 {active} · 排队 {queued} · 进行中的研究 {research}\n存储：{store} · 平台：{platforms}',
  'reason.max_output_tokens': '已停止：回答达到长度上限。',
  'reason.content_filter': '已被内容过滤器停止。',
  'reason.stream_ended': '连接在回答完成前中断。',
  'reason.timeout': 'AI 服务没有响应，回答不完整。',
  'reason.aborted': '已停止。',
  'reason.cancelled': '已取消。',
  'reason.failed': '回答失败：{message}',
  'reason.incomplete': '回答不完整（{reason}）。',
  'status.thinking': '思考中…',
  'status.searching': '正在搜索“{query}”…',
  'status.searching_plain': '正在联网搜索…',
  'status.calling': '正在使用 {name}…',
  'status.queued': '排队中…',
  'status.waiting': '处理中…',
  'sources.title': '来源',
  'reasoning.title': '推理',
  'discord.moved': '此回答改用普通消息继续（Discord 交互 15 分钟后失效）。',
  'research.refused_private': '深度研究仅限管理员使用。',
  'answer.empty': '（此回答没有文字）',
  'input.too_long': '消息太长（{length} 个字符，上限 {max}）。',
  'models.unknown': '未知模型“{model}”。请用 /model 查看列表。',
  'models.effort_unsupported': '{model} 不支持推理强度“{effort}”。',
  'models.search_unsupported': '{model} 不能联网搜索。请关闭搜索（/search off）或换一个模型。',
  'models.search_needs_effort': '{model} 在“{effort}”强度下不能联网搜索，请用 low 或更高。',
  'models.images_unsupported': '{model} 不能读取图片。请选择支持视觉的模型（/model）。',
  'models.background_unsupported': '{model} 不能在后台运行。',
  'models.research_needs_search': '{model} 需要联网搜索才能运行。',
  'settings.model_unknown': '未知模型“{model}”。可选：{allowed}',
  'settings.effort_unsupported': '{model} 支持的推理强度：{allowed}。',
  'settings.effort_not_reasoning': '{model} 不是推理模型，没有推理强度设置。',
  'settings.search_unsupported': '{model} 不能联网搜索。',
  'error.generic': '我们这边出了点问题，请再试一次。',
  'queue.position': '排队中……第 {position} 位',
}

const tables: Record<Language, Record<MessageKey, string>> = { en, zh }

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

export function t(lang: Language, key: MessageKey, params: Record<string, string | number> = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  )
}

export function translator(lang: Language): Translate {
  return (key, params) => t(lang, key, params)
}
