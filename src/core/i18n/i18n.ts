/**
 * Herald's own words, in English and Simplified Chinese: the one wording table (help, refusals,
 * status lines, cards, error lines by kind). `{name}` placeholders are filled from params; numbers,
 * money (`usd(…)`) and times (a `Date`, shown in UTC with the zone named) are formatted for the
 * language with `Intl`, and a list of strings is joined with the language's separator.
 *
 * Whose language: `languageOf` picks the first supported tag among the candidates (a person's
 * platform locale, a chat's `/language`, …), else the operator's fallback; `force` keeps one
 * language for everyone.
 *
 * @example
 *   const t = translator(languageOf({ fallback: 'en', force: false }, 'zh-hans'))
 *   t('budget.refused.user', { resetsAt: new Date(ms) })  // '你的今日预算已用完，将于 12月5日 UTC 00:00 重置。'
 */
/** The languages Herald speaks. */
export type Language = 'en' | 'zh'

export const LANGUAGES: readonly Language[] = ['en', 'zh']

const en = {
  'help.intro':
    '**Herald**: ask anything.\n' +
    '- In a private chat, just write. In a group, mention me, reply to me, or use /ask.\n' +
    '- Reply to one of my messages to continue that conversation; /reset starts fresh.\n' +
    'Commands you can use here:',
  'reset.done': 'New conversation started.',
  'settings.current':
    'Model: **{model}** · effort: **{effort}** · web search: **{search}** · reasoning shown: **{reasoning}**',
  'settings.model_set': 'Model set to **{model}**.',
  'settings.models': 'Models you can choose: {models}',
  'settings.effort_set': 'Reasoning effort set to **{effort}**.',
  'settings.search_set': 'Web search is now **{search}**.',
  'settings.reasoning_set': 'Reasoning summaries kept under answers: **{reasoning}**.',
  'settings.voice_set': 'Answers also sent as voice messages: **{voice}**.',
  'settings.pictures_set': 'Pictures drawn in answers when asked for: **{pictures}**.',
  'settings.on': 'on',
  'settings.off': 'off',
  'settings.none': 'n/a',
  'usage.line': '**{who}**: today {today} · this month {month}',
  'usage.top_day': 'Top spenders today:',
  'usage.top_month': 'Top spenders this month:',
  'usage.spender': '{rank}. {name} ({id}): {spent} · requests: {requests}',
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
  'budget.refused.user': 'Your daily budget is used up. It resets at {resetsAt}.',
  'budget.refused.chat': 'This chat’s daily budget is used up. It resets at {resetsAt}.',
  'budget.refused.global': 'Herald’s daily budget for everyone is used up. It resets at {resetsAt}.',
  'policy.blocked': 'You cannot use this bot here.',
  'policy.admin_only': 'Only admins can do that here.',
  'policy.not_allowed': 'That is not allowed here.',
  'input.bad_args': 'Could not read the command: {error}',
  'input.unknown_command': 'Unknown command /{command}. Try /help.',
  'args.on_off': '{option} must be on or off',
  'args.one_of': '{option} must be one of {choices}',
  'args.none': 'this command takes no arguments',
  'args.required': '{option} is missing',
  'args.too_long': '{option} takes at most {max} characters',
  'args.unknown': 'there is no option “{option}”',
  'args.text': '{option} must be text',
  'status.text':
    '**Status**: uptime {uptime} · active answers {active} · queued {queued} · research jobs running {research}\nstore: {store} · platforms: {platforms}',
  'status.up': '{name} up',
  'status.down': '{name} down',
  'status.none': 'none',
  'reason.max_output_tokens': 'Stopped: the answer reached its length limit.',
  'reason.content_filter': 'Stopped by the content filter.',
  'reason.stream_ended': 'The connection ended before the answer was complete.',
  'reason.timeout': 'The AI service stopped responding; the answer is incomplete.',
  'reason.aborted': 'Stopped.',
  'reason.max_tool_rounds': 'Stopped: the model kept calling tools without answering.',
  'reason.cancelled': 'Cancelled.',
  'reason.failed': 'The answer failed: {message}',
  'reason.incomplete': 'The answer is incomplete ({reason}).',
  'status.thinking': 'Thinking…',
  'status.searching': 'Searching “{query}”…',
  'status.searching_plain': 'Searching the web…',
  'status.calling': 'Using {name}…',
  'status.queued': 'Queued…',
  'status.waiting': 'Working…',
  'status.drawing': 'Drawing…',
  'image.empty': 'Please describe the picture after /image.',
  'voice.too_long': 'That voice note is {seconds} s long; I listen to at most {max} s.',
  'voice.too_large': 'That audio file is {size} MB; I listen to at most {max} MB.',
  'voice.type': 'I cannot listen to {mime} files: send a voice note or an audio file.',
  'voice.empty': 'I could not hear any words in that voice note.',
  'voice.rest_in_text': 'The rest of the answer is in the text.',
  'voice.failed': 'I could not speak this answer; the text is complete.',
  'voice.over_budget': 'No voice message: the spending limit is reached.',
  'file.too_large': 'That file is {size} MB; I read files of at most {max} MB.',
  'file.type': 'I cannot read {name}: send a PDF or a text file.',
  'file.model': '{model} cannot read PDFs: choose another model with /model.',
  'file.too_long': '{name} is longer than the {max} characters I read.',
  'image.no_preview':
    'This endpoint has no live image tool: drawing without a preview, the picture comes when it is done…',
  'image.refused': 'The image model’s safety system refused to draw this.',
  'sources.title': 'Sources',
  'reasoning.title': 'Reasoning',
  'discord.moved':
    'This answer continues in ordinary messages (Discord interactions expire after 15 minutes).',
  'research.refused_private': 'Deep research is for admins only.',
  'research.empty': 'Please write a research question after the command.',
  'research.model_unknown': '“{model}” is not a research model here. Choose one of: {models}',
  'research.card_title': '**Deep research**: confirm to start',
  'research.request_title': '**Research request** from {name}',
  'research.card_model': 'Model: **{model}** · searches: up to {searches}',
  'research.card_estimate': 'Estimated cost: **{low}–{high}**',
  'research.card_budget': 'Research today: {spent} spent · {left} left of {cap}',
  'research.card_budget_uncapped': 'Research today: {spent} spent (no daily cap)',
  'research.card_confirm_hint': 'Only {name} can confirm. This card expires in {minutes} min.',
  'research.card_request_hint': 'An admin can approve or decline it. It expires in {minutes} min.',
  'research.button_confirm': 'Confirm',
  'research.button_cancel': 'Cancel',
  'research.button_approve': 'Approve',
  'research.button_decline': 'Decline',
  'research.refused_budget':
    'Research refused: the daily research budget would be exceeded ({spent} spent of {cap}; this run may cost up to {high}). It resets at {resetsAt}.',
  'research.refused_count':
    'Research refused: {name} has reached the daily limit of research runs ({runs}). It resets at {resetsAt}.',
  'research.not_requester': 'Only {name} can confirm or cancel this.',
  'research.admins_only': 'Only admins can approve or decline research requests.',
  'research.cancel_not_allowed': 'Only the person who asked or an admin can cancel this research.',
  'research.expired': 'This research request expired.',
  'research.request_cancelled': 'Cancelled by {name}; nothing was sent.',
  'research.confirmed': 'Confirmed by {name}: the research is starting (progress below).',
  'research.approved_card': 'Approved by {admin}: the research is starting (progress below).',
  'research.declined_card': 'Declined by {admin}.',
  'research.approved': '{requester}: your research request was approved by {admin}.',
  'research.declined': '{requester}: your research request was declined by {admin}.',
  'research.already_decided': 'This request was already handled.',
  'research.progress_title': '**Deep research** · {model}',
  'research.status_waiting_slot': 'Waiting for a free research slot (position {position})',
  'research.status_starting': 'Starting…',
  'research.status_queued': 'Queued at the AI service…',
  'research.status_running': 'Researching…',
  'research.status_writing': 'Writing the report…',
  'research.status_cancelling': 'Cancelling…',
  'research.progress_line': '{status} · {elapsed}',
  'research.progress_searches': 'Searches: {count} · latest: {queries}',
  'research.progress_no_searches': 'No searches yet',
  'research.cancelling': 'Cancelling the research…',
  'research.finished': 'Research finished in {elapsed} · searches: {searches} · {cost}',
  'research.cancelled': 'Research cancelled after {elapsed} · searches: {searches} · {cost}',
  'research.incomplete': 'Research incomplete after {elapsed} ({reason}) · searches: {searches} · {cost}',
  'research.failed': 'Research failed after {elapsed}: {error}',
  'research.cancelled_before_start': 'Research cancelled before it started; nothing was sent.',
  'research.start_failed':
    'Research could not start: {error} It was not retried and does not count toward today’s runs.',
  'research.lost': 'Herald restarted while this research was being sent; it was not sent again.',
  'research.interrupted':
    'Research interrupted after {elapsed} ({why}) · searches: {searches} · {cost}. It was not sent again.',
  'research.why_restart': 'Herald restarted',
  'research.why_dropped': 'the connection to the AI service dropped',
  'research.why_silent': 'the AI service went silent',
  'research.why_not_resumable': 'Herald restarted, and this AI service cannot resume a run',
  'research.cancelled_closed':
    'Research cancelled after {elapsed} · searches: {searches} · {cost}. Its stream was closed; the AI service may still finish and bill the run.',
  'research.button_run_again': 'Run again',
  'research.run_again_not_allowed': 'Only the person who asked or an admin can run this research again.',
  'research.partial': 'Partial report',
  'research.report_file': 'The whole report as a Markdown file.',
  'report.title': 'Research: {question}',
  'report.question': 'Question: {question}',
  'report.model': 'Model: {model}',
  'report.date': 'Date: {date}',
  'report.requested_by': 'Requested by: {name}',
  'report.requested_approved': 'Requested by: {name} (approved by {admin})',
  'report.result': 'Result: {line}',
  'report.response_id': 'Response id: {id}',
  'report.no_text': '(no report text)',
  'research.cost_unknown': 'cost unknown',
  'duration.seconds': '{n} s',
  'duration.minutes': '{n} min',
  'duration.hours': '{h} h {m} min',
  'answer.empty': '(no text in this answer)',
  'input.too_long': 'Your message is too long ({length} characters; the limit is {max}).',
  'models.unknown': 'Unknown model “{model}”. See /model for the list.',
  'models.effort_unsupported': '{model} does not take reasoning effort “{effort}”; it takes: {allowed}.',
  'models.effort_not_reasoning': '{model} is not a reasoning model: it has no effort setting.',
  'models.search_unsupported':
    '{model} cannot search the web. Turn search off (/search off) or pick another model.',
  'models.search_needs_effort': '{model} cannot search the web at “{effort}” effort. Use low or higher.',
  'models.images_unsupported': '{model} cannot read images. Pick a model with vision (/model).',
  'endpoint.images_unsupported':
    'The AI service behind this bot does not accept images. Please ask in words.',
  'models.background_unsupported': '{model} cannot run in the background.',
  'models.research_needs_search': '{model} needs web search to run.',
  'settings.model_unknown': 'Unknown model “{model}”. Choose one of: {allowed}',
  'error.generic': 'Something went wrong on our side. Please try again.',
  'error.store': 'Storage is unavailable right now. Please try again shortly.',
  'queue.position': 'Queued… position {position}',
  'language.current':
    'Herald speaks to each person in their own language. This chat’s language (for messages to everyone, and for people whose language is unknown): **{language}**.',
  'language.forced': 'Herald speaks **{language}** to everyone here (set by the operator).',
  'language.set': 'This chat’s language is now **{language}**.',
  'language.auto':
    'This chat’s language now follows the platform and the operator’s default (**{language}**).',
  'language.name.en': 'English',
  'language.name.zh': 'Chinese (简体中文)',
  'errors.bad_request': 'The AI service could not accept this request.',
  'errors.auth':
    'The AI service rejected the bot’s credentials. Please tell the bot’s operator to check OPENAI_API_KEY.',
  'errors.permission':
    'The bot’s key may not use this model. Please tell the bot’s operator to allow it for the key or choose another model.',
  'errors.not_found': 'The AI service does not know this model or conversation.',
  'errors.not_found_base_url':
    'The bot is misconfigured (AI service address). Please tell the bot’s operator.',
  'errors.rate_limited': 'The AI service is busy right now. Please try again in a minute.',
  'errors.quota':
    'The AI service’s usage limit has been reached. Please tell the bot’s operator to top up the account or raise the key’s quota.',
  'errors.unavailable':
    'The AI service has no channel serving this model right now. Please tell the bot’s operator to enable one on the relay or choose another model.',
  'errors.gateway':
    'A proxy in front of the AI service gave up waiting. Please try again; if it keeps happening, tell the bot’s operator to raise the proxy’s timeout.',
  'errors.server': 'The AI service had an internal error. Please try again.',
  'errors.overloaded': 'The AI service is overloaded. Please try again in a minute.',
  'errors.timeout': 'The AI service took too long to answer. Please try again.',
  'errors.network': 'The AI service could not be reached. Please try again.',
  'errors.stream': 'The answer was cut off.',
  'errors.aborted': 'Stopped.',
  'errors.config': 'The bot is misconfigured. Please tell the bot’s operator.',
  'errors.surface': 'The message could not be sent.',
  'errors.surface_rate_limited': 'Too many messages right now. Please wait a moment.',
  'errors.gone': 'That message no longer exists.',
  'errors.input': 'That input could not be used.',
  'errors.policy': 'This is not allowed here.',
  'errors.store': 'Storage is unavailable right now. Please try again shortly.',
  'doctor.cost':
    'Estimated cost: at most {usd}: {requests} small requests to {model} (each at most {tokens} output tokens) and at most one web search call. The deep-research model is never called.',
  'doctor.confirm': 'Nothing was sent. To probe {base}, run: npm run doctor -- --yes',
  'doctor.probing': 'Probing {base} with {model}…',
  'doctor.col.check': 'check',
  'doctor.col.result': 'result',
  'doctor.col.action': 'what Herald will do',
  'doctor.row.key': 'API key',
  'doctor.row.v1': '/v1 in the base URL',
  'doctor.row.streaming': 'streaming',
  'doctor.row.dialect': 'event dialect',
  'doctor.row.previous': 'previous_response_id',
  'doctor.row.store': 'store',
  'doctor.row.background': 'background mode',
  'doctor.row.retrieve': 'retrieval by id',
  'doctor.row.cancel': 'cancel',
  'doctor.row.web_search': 'web search tool',
  'doctor.row.reasoning': 'reasoning summaries',
  'doctor.row.images': 'image input',
  'doctor.row.rate_limits': 'rate-limit headers',
  'doctor.yes': 'yes',
  'doctor.no': 'no ({status})',
  'doctor.failed': 'failed ({status})',
  'doctor.unreachable': 'unreachable ({detail})',
  'doctor.not_probed': 'not probed',
  'doctor.none': 'none',
  'doctor.dialect.event_lines': 'event: lines',
  'doctor.dialect.data_only': 'data: lines only',
  'doctor.dialect.done': '[DONE]',
  'doctor.dialect.comments': 'comments',
  'doctor.dialect.no_sequence': 'no sequence numbers',
  'doctor.do.answers': 'answers work',
  'doctor.do.fix': 'nothing else is probed: {line}',
  'doctor.do.base': 'calls {base}',
  'doctor.do.base_fix': 'nothing works: OPENAI_BASE_URL should end in /v1',
  'doctor.do.stream': 'answers stream live',
  'doctor.do.whole': 'answers arrive whole (no live updates)',
  'doctor.do.dialect': 'reads it as it comes',
  'doctor.do.server_state': 'conversations: the endpoint keeps them (previous_response_id)',
  'doctor.do.store': 'responses can be kept on the endpoint',
  'doctor.do.local_history': 'conversations: local history',
  'doctor.do.background': 'research: background run, resumable after a restart',
  'doctor.do.foreground': 'research: foreground (one stream)',
  'doctor.do.resume': 'research: polled and resumed by id',
  'doctor.do.follow': 'research: followed on its open stream; not resumable after a restart',
  'doctor.do.cancel': 'cancel: asks the endpoint to stop the run',
  'doctor.do.cancel_close': 'cancel: closes the stream (the relay may still bill the run)',
  'doctor.do.search_tool': '/search: sends {tool}',
  'doctor.do.search_off': '/search: no tool is sent',
  'doctor.do.summaries': 'reasoning summaries shown',
  'doctor.do.no_summaries': 'reasoning summaries not requested',
  'doctor.do.images': 'images go with the question',
  'doctor.do.no_images': 'questions with images are refused before any request',
  'doctor.do.rate_limits': 'concurrency adapts to the endpoint’s 429 answers',
  'doctor.do.unchanged': 'as before (nothing learnt)',
  'doctor.do.model_lacks': 'not used: {model} does not offer it',
  'doctor.saved': 'Saved for {base}: npm start uses these results.',
  'doctor.works': 'Ordinary answers work.',
  'doctor.broken': 'Ordinary answers do not work: fix the first row that failed, then run the doctor again.',
} as const

export type MessageKey = keyof typeof en

const zh: Record<MessageKey, string> = {
  'help.intro':
    '**Herald**：有问必答。\n' +
    '- 私聊中直接发消息；群组中请 @我、回复我的消息，或使用 /ask。\n' +
    '- 回复我的某条消息即可继续那段对话；/reset 开始新的对话。\n' +
    '可在此使用的命令：',
  'reset.done': '已开始新的对话。',
  'settings.current':
    '模型：**{model}** · 推理强度：**{effort}** · 联网搜索：**{search}** · 显示推理：**{reasoning}**',
  'settings.model_set': '模型已设为 **{model}**。',
  'settings.models': '可选模型：{models}',
  'settings.effort_set': '推理强度已设为 **{effort}**。',
  'settings.search_set': '联网搜索已**{search}**。',
  'settings.reasoning_set': '在回答中保留推理摘要：**{reasoning}**。',
  'settings.voice_set': '回答同时以语音消息发送：**{voice}**。',
  'settings.pictures_set': '在回答中按要求画图：**{pictures}**。',
  'settings.on': '开启',
  'settings.off': '关闭',
  'settings.none': '不适用',
  'usage.line': '**{who}**：今日 {today} · 本月 {month}',
  'usage.top_day': '今日花费最多的用户：',
  'usage.top_month': '本月花费最多的用户：',
  'usage.spender': '{rank}. {name}（{id}）：{spent} · 请求 {requests} 次',
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
  'budget.refused.user': '你的今日预算已用完，将于 {resetsAt} 重置。',
  'budget.refused.chat': '本聊天的今日预算已用完，将于 {resetsAt} 重置。',
  'budget.refused.global': 'Herald 今日对所有人的总预算已用完，将于 {resetsAt} 重置。',
  'policy.blocked': '你不能在这里使用本机器人。',
  'policy.admin_only': '这里只有管理员可以这样做。',
  'policy.not_allowed': '这里不允许这样做。',
  'input.bad_args': '无法解析命令：{error}',
  'input.unknown_command': '未知命令 /{command}。试试 /help。',
  'args.on_off': '{option} 只能是 on 或 off',
  'args.one_of': '{option} 只能是 {choices} 之一',
  'args.none': '这个命令不接受参数',
  'args.required': '缺少 {option}',
  'args.too_long': '{option} 最多 {max} 个字符',
  'args.unknown': '没有“{option}”这个选项',
  'args.text': '{option} 应为文本',
  'status.text':
    '**状态**：已运行 {uptime} · 进行中的回答 {active} · 排队 {queued} · 进行中的研究 {research}\n存储：{store} · 平台：{platforms}',
  'status.up': '{name} 正常',
  'status.down': '{name} 故障',
  'status.none': '无',
  'reason.max_output_tokens': '已停止：回答达到长度上限。',
  'reason.content_filter': '已被内容过滤器停止。',
  'reason.stream_ended': '连接在回答完成前中断。',
  'reason.timeout': 'AI 服务没有响应，回答不完整。',
  'reason.aborted': '已停止。',
  'reason.max_tool_rounds': '已停止：模型一直在调用工具，没有给出回答。',
  'reason.cancelled': '已取消。',
  'reason.failed': '回答失败：{message}',
  'reason.incomplete': '回答不完整（{reason}）。',
  'status.thinking': '思考中…',
  'status.searching': '正在搜索“{query}”…',
  'status.searching_plain': '正在联网搜索…',
  'status.calling': '正在使用 {name}…',
  'status.queued': '排队中…',
  'status.waiting': '处理中…',
  'status.drawing': '正在画图…',
  'image.empty': '请在 /image 后描述你想要的图片。',
  'voice.too_long': '这条语音长 {seconds} 秒；我最多听 {max} 秒。',
  'voice.too_large': '这个音频文件有 {size} MB；我最多听 {max} MB。',
  'voice.type': '我无法收听 {mime} 文件：请发送语音或音频文件。',
  'voice.empty': '我没能从这条语音中听出任何话。',
  'voice.rest_in_text': '回答的其余部分请看文字。',
  'voice.failed': '这条回答未能转成语音；文字回答是完整的。',
  'voice.over_budget': '未发送语音：已达到花费上限。',
  'file.too_large': '这个文件有 {size} MB；我最多读取 {max} MB 的文件。',
  'file.type': '我无法读取 {name}：请发送 PDF 或文本文件。',
  'file.model': '{model} 无法读取 PDF：请用 /model 换一个模型。',
  'file.too_long': '{name} 超过了我能读取的 {max} 个字符。',
  'image.no_preview': '此接口没有实时绘图工具：将不显示预览，画好后直接发送图片…',
  'image.refused': '图像模型的安全系统拒绝绘制此内容。',
  'sources.title': '来源',
  'reasoning.title': '推理',
  'discord.moved': '此回答改用普通消息继续（Discord 交互 15 分钟后失效）。',
  'research.refused_private': '深度研究仅限管理员使用。',
  'research.empty': '请在命令后写下研究问题。',
  'research.model_unknown': '“{model}”不是这里可用的研究模型。可选：{models}',
  'research.card_title': '**深度研究**：确认后开始',
  'research.request_title': '**研究申请**，来自 {name}',
  'research.card_model': '模型：**{model}** · 最多搜索 {searches} 次',
  'research.card_estimate': '预估费用：**{low}–{high}**',
  'research.card_budget': '今日研究：已花费 {spent} · 剩余 {left}（上限 {cap}）',
  'research.card_budget_uncapped': '今日研究：已花费 {spent}（无每日上限）',
  'research.card_confirm_hint': '只有 {name} 可以确认。此卡片 {minutes} 分钟后失效。',
  'research.card_request_hint': '管理员可以批准或拒绝。此申请 {minutes} 分钟后失效。',
  'research.button_confirm': '确认',
  'research.button_cancel': '取消',
  'research.button_approve': '批准',
  'research.button_decline': '拒绝',
  'research.refused_budget':
    '研究被拒绝：会超出每日研究预算（已花费 {spent}，上限 {cap}；本次最多可能花费 {high}）。将于 {resetsAt} 重置。',
  'research.refused_count':
    '研究被拒绝：{name} 今日发起的研究已达每日上限（{runs} 次）。将于 {resetsAt} 重置。',
  'research.not_requester': '只有 {name} 可以确认或取消。',
  'research.admins_only': '只有管理员可以批准或拒绝研究申请。',
  'research.cancel_not_allowed': '只有发起人或管理员可以取消这项研究。',
  'research.expired': '这个研究申请已失效。',
  'research.request_cancelled': '{name} 已取消，未发送任何请求。',
  'research.confirmed': '{name} 已确认：研究即将开始（进度见下方）。',
  'research.approved_card': '{admin} 已批准：研究即将开始（进度见下方）。',
  'research.declined_card': '{admin} 已拒绝。',
  'research.approved': '{requester}：你的研究申请已被 {admin} 批准。',
  'research.declined': '{requester}：你的研究申请已被 {admin} 拒绝。',
  'research.already_decided': '这个申请已经处理过了。',
  'research.progress_title': '**深度研究** · {model}',
  'research.status_waiting_slot': '等待空闲的研究名额（第 {position} 位）',
  'research.status_starting': '正在开始…',
  'research.status_queued': '在 AI 服务排队中…',
  'research.status_running': '研究中…',
  'research.status_writing': '正在撰写报告…',
  'research.status_cancelling': '正在取消…',
  'research.progress_line': '{status} · {elapsed}',
  'research.progress_searches': '已搜索 {count} 次 · 最近：{queries}',
  'research.progress_no_searches': '尚未搜索',
  'research.cancelling': '正在取消这项研究…',
  'research.finished': '研究完成，用时 {elapsed} · {searches} 次搜索 · {cost}',
  'research.cancelled': '研究已取消，用时 {elapsed} · {searches} 次搜索 · {cost}',
  'research.incomplete': '研究未完成，用时 {elapsed}（{reason}）· {searches} 次搜索 · {cost}',
  'research.failed': '研究失败，用时 {elapsed}：{error}',
  'research.cancelled_before_start': '研究在开始前已取消，未发送任何请求。',
  'research.start_failed': '研究未能开始：{error}不会自动重试，也不计入今日次数。',
  'research.lost': '发送这项研究时 Herald 重启了；不会再次发送。',
  'research.interrupted': '研究中断，用时 {elapsed}（{why}）· {searches} 次搜索 · {cost}。不会自动重新发送。',
  'research.why_restart': 'Herald 重启了',
  'research.why_dropped': '与 AI 服务的连接断开了',
  'research.why_silent': 'AI 服务长时间没有回应',
  'research.why_not_resumable': 'Herald 重启了，而这个 AI 服务无法接续运行中的研究',
  'research.cancelled_closed':
    '研究已取消，用时 {elapsed} · {searches} 次搜索 · {cost}。已关闭数据流；AI 服务可能仍会完成并计费。',
  'research.button_run_again': '重新运行',
  'research.run_again_not_allowed': '只有发起人或管理员可以重新运行这项研究。',
  'research.partial': '部分报告',
  'research.report_file': '完整报告（Markdown 文件）。',
  'report.title': '研究：{question}',
  'report.question': '问题：{question}',
  'report.model': '模型：{model}',
  'report.date': '日期：{date}',
  'report.requested_by': '发起人：{name}',
  'report.requested_approved': '发起人：{name}（由 {admin} 批准）',
  'report.result': '结果：{line}',
  'report.response_id': '响应 ID：{id}',
  'report.no_text': '（报告没有文字）',
  'research.cost_unknown': '费用未知',
  'duration.seconds': '{n} 秒',
  'duration.minutes': '{n} 分钟',
  'duration.hours': '{h} 小时 {m} 分钟',
  'answer.empty': '（此回答没有文字）',
  'input.too_long': '消息太长（{length} 个字符，上限 {max}）。',
  'models.unknown': '未知模型“{model}”。请用 /model 查看列表。',
  'models.effort_unsupported': '{model} 不支持推理强度“{effort}”，可选：{allowed}。',
  'models.effort_not_reasoning': '{model} 不是推理模型，没有推理强度设置。',
  'models.search_unsupported': '{model} 不能联网搜索。请关闭搜索（/search off）或换一个模型。',
  'models.search_needs_effort': '{model} 在“{effort}”强度下不能联网搜索，请用 low 或更高。',
  'models.images_unsupported': '{model} 不能读取图片。请选择支持视觉的模型（/model）。',
  'endpoint.images_unsupported': '本机器人使用的 AI 服务不接受图片，请用文字提问。',
  'models.background_unsupported': '{model} 不能在后台运行。',
  'models.research_needs_search': '{model} 需要联网搜索才能运行。',
  'settings.model_unknown': '未知模型“{model}”。可选：{allowed}',
  'error.generic': '我们这边出了点问题，请再试一次。',
  'error.store': '存储暂时不可用，请稍后再试。',
  'queue.position': '排队中……第 {position} 位',
  'language.current':
    'Herald 会用每个人自己的语言回复。本聊天的语言（用于面向所有人的消息，以及语言未知的人）：**{language}**。',
  'language.forced': 'Herald 在这里对所有人都使用**{language}**（由运营者设定）。',
  'language.set': '本聊天的语言已设为**{language}**。',
  'language.auto': '本聊天的语言改为跟随平台和运营者的默认设置（**{language}**）。',
  'language.name.en': '英语（English）',
  'language.name.zh': '简体中文',
  'errors.bad_request': 'AI 服务无法处理这个请求。',
  'errors.auth': 'AI 服务拒绝了机器人的凭据，请联系机器人管理员检查 OPENAI_API_KEY。',
  'errors.permission': '机器人的密钥无权使用这个模型，请联系机器人管理员为该密钥开通此模型或换用其他模型。',
  'errors.not_found': 'AI 服务找不到这个模型或对话。',
  'errors.not_found_base_url': '机器人配置有误（AI 服务地址），请联系机器人管理员。',
  'errors.rate_limited': 'AI 服务现在很忙，请一分钟后再试。',
  'errors.quota': 'AI 服务的用量已达上限，请联系机器人管理员充值或提高密钥额度。',
  'errors.unavailable':
    'AI 服务当前没有可用于这个模型的渠道，请联系机器人管理员在中转站启用渠道或换用其他模型。',
  'errors.gateway': 'AI 服务前面的代理等待超时，请重试；如果反复出现，请联系机器人管理员调高代理的超时时间。',
  'errors.server': 'AI 服务内部出错，请重试。',
  'errors.overloaded': 'AI 服务负载过高，请一分钟后再试。',
  'errors.timeout': 'AI 服务响应超时，请重试。',
  'errors.network': '无法连接 AI 服务，请重试。',
  'errors.stream': '回答被中断了。',
  'errors.aborted': '已停止。',
  'errors.config': '机器人配置有误，请联系机器人管理员。',
  'errors.surface': '消息发送失败。',
  'errors.surface_rate_limited': '消息太多了，请稍等。',
  'errors.gone': '那条消息已不存在。',
  'errors.input': '无法使用这个输入。',
  'errors.policy': '这里不允许这样做。',
  'errors.store': '存储暂时不可用，请稍后再试。',
  'doctor.cost':
    '预计费用：最多 {usd}：向 {model} 发送 {requests} 个小请求（每个最多 {tokens} 个输出 token），以及最多一次网页搜索。绝不调用深度研究模型。',
  'doctor.confirm': '尚未发送任何请求。要检测 {base}，请运行：npm run doctor -- --yes',
  'doctor.probing': '正在用 {model} 检测 {base}…',
  'doctor.col.check': '检查项',
  'doctor.col.result': '结果',
  'doctor.col.action': 'Herald 的做法',
  'doctor.row.key': 'API 密钥',
  'doctor.row.v1': '基础地址中的 /v1',
  'doctor.row.streaming': '流式输出',
  'doctor.row.dialect': '事件格式',
  'doctor.row.previous': 'previous_response_id',
  'doctor.row.store': 'store',
  'doctor.row.background': '后台模式',
  'doctor.row.retrieve': '按 id 获取',
  'doctor.row.cancel': '取消',
  'doctor.row.web_search': '网页搜索工具',
  'doctor.row.reasoning': '推理摘要',
  'doctor.row.images': '图片输入',
  'doctor.row.rate_limits': '限流响应头',
  'doctor.yes': '支持',
  'doctor.no': '不支持（{status}）',
  'doctor.failed': '失败（{status}）',
  'doctor.unreachable': '无法连接（{detail}）',
  'doctor.not_probed': '未检测',
  'doctor.none': '无',
  'doctor.dialect.event_lines': 'event: 行',
  'doctor.dialect.data_only': '只有 data: 行',
  'doctor.dialect.done': '[DONE]',
  'doctor.dialect.comments': '注释行',
  'doctor.dialect.no_sequence': '无序号',
  'doctor.do.answers': '可以正常回答',
  'doctor.do.fix': '其余项目未检测：{line}',
  'doctor.do.base': '调用 {base}',
  'doctor.do.base_fix': '无法工作：OPENAI_BASE_URL 应以 /v1 结尾',
  'doctor.do.stream': '回答实时流式显示',
  'doctor.do.whole': '回答一次性到达（无实时更新）',
  'doctor.do.dialect': '按原样读取',
  'doctor.do.server_state': '对话：由服务端保存（previous_response_id）',
  'doctor.do.store': '响应可以保存在服务端',
  'doctor.do.local_history': '对话：本地历史',
  'doctor.do.background': '研究：后台运行，重启后可恢复',
  'doctor.do.foreground': '研究：前台运行（单个流）',
  'doctor.do.resume': '研究：按 id 轮询和恢复',
  'doctor.do.follow': '研究：在打开的流上跟进；重启后无法恢复',
  'doctor.do.cancel': '取消：请求服务端停止运行',
  'doctor.do.cancel_close': '取消：关闭流（中转站可能仍会计费）',
  'doctor.do.search_tool': '/search：发送 {tool}',
  'doctor.do.search_off': '/search：不发送搜索工具',
  'doctor.do.summaries': '显示推理摘要',
  'doctor.do.no_summaries': '不请求推理摘要',
  'doctor.do.images': '图片随问题一起发送',
  'doctor.do.no_images': '带图片的问题在发送前即被拒绝',
  'doctor.do.rate_limits': '并发数根据服务端的 429 响应自动调整',
  'doctor.do.unchanged': '保持原样（未获得新信息）',
  'doctor.do.model_lacks': '不使用：{model} 不提供此功能',
  'doctor.saved': '已为 {base} 保存：npm start 会使用这些结果。',
  'doctor.works': '普通回答可以正常工作。',
  'doctor.broken': '普通回答无法工作：请修复第一个失败的项目，然后重新运行检测。',
}

const tables: Record<Language, Record<MessageKey, string>> = { en, zh }

/** The table itself, for tests that read every template (parity of keys and placeholders). */
export const wording: Readonly<Record<Language, Readonly<Record<MessageKey, string>>>> = tables

/** The BCP 47 locale each language is formatted with. */
const LOCALES: Record<Language, string> = { en: 'en-US', zh: 'zh-CN' }

/** Intl formatters are costly to build and cheap to reuse: one set per language. */
function formattersFor(locale: string) {
  const money = (digits: number) =>
    new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: 2,
      maximumFractionDigits: digits,
    })
  const time = {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: 'UTC',
    timeZoneName: 'short',
  } as const
  return {
    number: new Intl.NumberFormat(locale),
    cents: money(2),
    subCents: money(4),
    time: new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', ...time }),
    dateTime: new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', ...time }),
  }
}

const FORMATS: Record<Language, ReturnType<typeof formattersFor>> = {
  en: formattersFor(LOCALES.en),
  zh: formattersFor(LOCALES.zh),
}

/** An amount of US dollars, formatted as money for the reader's language. */
export interface Money {
  readonly usd: number
}

/** `usd(1.5)` → `$1.50` in English, `US$1.50` in Chinese; amounts under a cent keep four decimals. */
export function usd(amount: number): Money {
  return { usd: amount }
}

export type Param = string | number | Date | Money | readonly string[]
export type Params = Record<string, Param>

/** A translator bound to one language; `lang` is that language (for `Intl` formatting elsewhere). */
export interface Translate {
  (key: MessageKey, params?: Params): string
  readonly lang: Language
}

export function t(lang: Language, key: MessageKey, params: Params = {}): string {
  return tables[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name]
    return value === undefined ? whole : formatParam(lang, value)
  })
}

export function translator(lang: Language): Translate {
  return Object.assign((key: MessageKey, params?: Params) => t(lang, key, params), { lang })
}

/** How items of a list are separated (Intl's unit lists run Chinese items together). */
const LIST_SEPARATORS: Record<Language, string> = { en: ', ', zh: '、' }

/**
 * A value as the reader of `lang` writes it: grouped numbers, money, times in UTC with the zone
 * named, lists with the language's separator.
 */
export function formatParam(lang: Language, value: Param): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return FORMATS[lang].number.format(value)
  if (value instanceof Date) return formatTime(lang, value)
  if ('usd' in value) return formatMoney(lang, value.usd)
  return value.join(LIST_SEPARATORS[lang])
}

export function formatMoney(lang: Language, amount: number): string {
  const small = Math.abs(amount) < 0.01 && amount !== 0
  return (small ? FORMATS[lang].subCents : FORMATS[lang].cents).format(amount)
}

/** `Dec 5, 00:00 UTC` / `12月5日 UTC 00:00`: always UTC, and it says so. */
export function formatTime(lang: Language, at: Date): string {
  return FORMATS[lang].time.format(at)
}

/** With the year, for records that outlive the week: `Dec 5, 2026, 00:00 UTC` / `2026年12月5日 UTC 00:00`. */
export function formatDateTime(lang: Language, at: Date): string {
  return FORMATS[lang].dateTime.format(at)
}

/**
 * The language Herald speaks for a platform's locale tag: Telegram `language_code` (`zh-hans`),
 * Discord `locale` (`zh-CN`, `en-US`), a POSIX `LANG` (`zh_CN.UTF-8`). Every Chinese variant maps to
 * `zh` (the one Chinese table is Simplified); unknown or unsupported tags give undefined.
 */
export function parseLanguage(tag: string | undefined): Language | undefined {
  if (!tag) return undefined
  const primary = tag
    .trim()
    .toLowerCase()
    .split(/[-_.@]/)[0]
  return LANGUAGES.find((lang) => lang === primary)
}

/** How the operator wants languages chosen: `LANGUAGE` and `LANGUAGE_FORCE`. */
export interface LanguageRule {
  /** For people and chats whose language is unknown or unsupported. */
  fallback: Language
  /** One language (the fallback) for everyone. */
  force: boolean
}

/**
 * The language for a reader: the first candidate tag Herald speaks, in the order given (most
 * specific first), else the fallback; with `force`, always the fallback.
 *
 * @example
 *   languageOf(rule, person.locale, chatSetting)   // a reply to one person
 *   languageOf(rule, chatSetting, guildLocale)     // a message for everyone in the chat
 */
export function languageOf(rule: LanguageRule, ...candidates: (string | undefined)[]): Language {
  if (rule.force) return rule.fallback
  for (const tag of candidates) {
    const lang = parseLanguage(tag)
    if (lang) return lang
  }
  return rule.fallback
}
