// Herald console: keeps the Live page current from the server's event stream (one per tab).
// Pages work without this file; it only redraws the running answers and the recent list, and ticks
// elapsed times. Everything is built with textContent: no answer text is ever parsed as markup.
;(() => {
  const data = document.getElementById('console-data')
  const list = document.getElementById('live-list')
  if (!data || !list) return
  const { words, csrf } = JSON.parse(data.textContent)
  const lang = document.documentElement.lang === 'zh-CN' ? 'zh' : 'en'
  const empty = document.getElementById('live-empty')
  const count = document.getElementById('live-count')
  const recentRows = document.getElementById('recent-rows')
  let offsetMs = 0

  const el = (tag, props = {}, children = []) => {
    const node = document.createElement(tag)
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value
      else if (key === 'class') node.className = value
      else node.setAttribute(key, value)
    }
    for (const child of children) node.append(child)
    return node
  }
  const duration = (ms) => {
    const seconds = Math.max(0, Math.round(ms / 1000))
    if (seconds < 60) return `${seconds} s`
    const minutes = Math.floor(seconds / 60)
    return minutes < 60
      ? `${minutes} min ${seconds % 60} s`
      : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
  }
  const usd = (n) => (n === undefined || n === null ? '—' : `$${n.toFixed(n > 0 && n < 1 ? 4 : 2)}`)
  const when = (ms) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ')
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole)

  const field = (label, value, cls) =>
    el('div', {}, [el('dt', { text: label }), el('dd', cls ? { text: value, class: cls } : { text: value })])

  const stopForm = (answer) =>
    el('form', { method: 'post', action: '/console/answers/stop' }, [
      el('input', { type: 'hidden', name: 'csrf', value: csrf }),
      el('input', { type: 'hidden', name: 'lang', value: lang }),
      el('input', { type: 'hidden', name: 'id', value: answer.id }),
      el('button', {
        type: 'submit',
        class: 'danger',
        'aria-label': fill(words.stopLabel, { person: answer.userName }),
        text: words.stop,
      }),
    ])

  const card = (answer, now) => {
    const elapsed = el('dd', { class: 'elapsed', text: duration(now - answer.startedAt) })
    elapsed.dataset.started = String(answer.startedAt)
    const state =
      answer.queuePosition > 0 ? fill(words.queued, { position: answer.queuePosition }) : words.streaming
    const item = el('li', { class: 'answer' }, [
      el('dl', { class: 'meta' }, [
        field(words.platform, answer.platform),
        field(words.chat, answer.chatKey),
        field(words.person, answer.userName),
        field(words.model, answer.model),
        el('div', {}, [el('dt', { text: words.elapsed }), elapsed]),
        field(words.tokens, `≈ ${answer.outputTokens}`, 'tokens'),
        field(words.state, state, 'state'),
      ]),
      el('pre', { class: 'text', text: answer.text }),
      stopForm(answer),
    ])
    item.dataset.id = answer.id
    return item
  }

  /** Updates cards in place (a focused Stop button keeps its focus), adds new ones, drops ended ones. */
  const drawLive = (live, now) => {
    const existing = new Map([...list.children].map((node) => [node.dataset.id, node]))
    for (const answer of live) {
      const node = existing.get(answer.id)
      if (!node) {
        list.append(card(answer, now))
        continue
      }
      existing.delete(answer.id)
      node.querySelector('.text').textContent = answer.text
      node.querySelector('.tokens').textContent = `≈ ${answer.outputTokens}`
      node.querySelector('.state').textContent =
        answer.queuePosition > 0 ? fill(words.queued, { position: answer.queuePosition }) : words.streaming
    }
    for (const node of existing.values()) node.remove()
    empty.hidden = live.length > 0
    count.textContent = String(live.length)
  }

  const drawRecent = (recent) => {
    if (!recentRows) return
    const rows = recent.map((a) =>
      el(
        'tr',
        {},
        [
          when(a.finishedAt),
          a.platform,
          a.chatKey,
          a.userName,
          a.model,
          words[`status.${a.status}`] ?? a.status,
          duration(a.finishedAt - a.startedAt),
          `${a.inputTokens} / ${a.outputTokens}`,
          usd(a.usd),
        ].map((text) => el('td', { text })),
      ),
    )
    if (rows.length === 0) rows.push(el('tr', {}, [el('td', { colspan: '9', text: words.noneRecent })]))
    recentRows.replaceChildren(...rows)
  }

  const tick = () => {
    const now = Date.now() + offsetMs
    for (const node of list.querySelectorAll('.elapsed')) {
      node.textContent = duration(now - Number(node.dataset.started))
    }
  }

  const events = new EventSource('/console/events')
  events.addEventListener('answers', (message) => {
    const event = JSON.parse(message.data)
    offsetMs = event.now - Date.now()
    drawLive(event.live, event.now)
    drawRecent(event.recent)
  })
  setInterval(tick, 1000)
})()
