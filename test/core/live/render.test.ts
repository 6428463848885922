import { describe, expect, test } from 'vitest'
import {
  neutraliseMentions,
  toDiscordMarkdown,
  toDiscordSubtext,
} from '../../../src/core/live/render-discord.ts'
import { toPlainText } from '../../../src/core/live/render-plain.ts'
import { toTelegramCollapsed, toTelegramHtml } from '../../../src/core/live/render-telegram-html.ts'

describe('toTelegramHtml', () => {
  test('writes the Markdown subset as Telegram HTML', () => {
    const md = [
      '# Title',
      'Some **bold**, *italic*, ~~gone~~ and `code` with [a link](https://a.dev/?q=1&r=2).',
      '- one',
      '  2. two',
      '> quoted **words**',
      '> more',
      '---',
      '```py',
      'if a < b and c > d: print("&")',
      '```',
    ].join('\n')
    expect(toTelegramHtml(md)).toBe(
      [
        '<b>Title</b>',
        'Some <b>bold</b>, <i>italic</i>, <s>gone</s> and <code>code</code> with <a href="https://a.dev/?q=1&amp;r=2">a link</a>.',
        '• one',
        '  2. two',
        '<blockquote>quoted <b>words</b>\nmore</blockquote>',
        '———',
        '<pre><code class="language-py">if a &lt; b and c &gt; d: print("&amp;")</code></pre>',
      ].join('\n'),
    )
  })

  test('escapes whatever the model writes that looks like HTML', () => {
    expect(toTelegramHtml('<b>not bold</b> &amp; 1 < 2')).toBe(
      '&lt;b&gt;not bold&lt;/b&gt; &amp;amp; 1 &lt; 2',
    )
  })

  test('shows code inside formatting or a link as plain text (Telegram nests no code there)', () => {
    expect(toTelegramHtml('**see `x`** [`y`](https://a.dev)')).toBe(
      '<b>see x</b> <a href="https://a.dev">y</a>',
    )
  })

  test('links only web, mailto and tg addresses; a bare URL stays text for Telegram to link', () => {
    expect(toTelegramHtml('[x](javascript:alert(1)) https://a.dev')).toBe('x https://a.dev')
  })

  test('closes a code block the stream has not closed yet', () => {
    expect(toTelegramHtml('Look:\n```ts\nconst a = 1')).toBe(
      'Look:\n<pre><code class="language-ts">const a = 1</code></pre>',
    )
  })

  test('collapses the reasoning into an expandable blockquote', () => {
    expect(toTelegramCollapsed('**Plan**\nCheck <x>')).toBe(
      '<blockquote expandable><b>Plan</b>\nCheck &lt;x&gt;</blockquote>',
    )
  })
})

describe('toDiscordMarkdown', () => {
  test('keeps the Markdown and wraps links so they do not unfurl', () => {
    expect(toDiscordMarkdown('**Hi** see [docs](https://a.dev) and https://b.dev, or <https://c.dev>')).toBe(
      '**Hi** see [docs](<https://a.dev>) and <https://b.dev>, or <https://c.dev>',
    )
  })

  test('neutralises every mention form, in code too', () => {
    expect(toDiscordMarkdown('@everyone @here <@123> <@!4> <@&56> `@here`')).toBe(
      '@\u200beveryone @\u200bhere <@\u200b123> <@\u200b!4> <@\u200b&56> `@\u200bhere`',
    )
  })

  test('writes tilde fences with backticks and closes an open fence', () => {
    expect(toDiscordMarkdown('~~~py\nx = "```"\n~~~\n```js\nlet a')).toBe(
      '```py\nx = "```"\n```\n```js\nlet a\n```',
    )
  })

  test('uses a longer backtick fence when the code holds a backtick fence line', () => {
    expect(toDiscordMarkdown('~~~md\n```\n~~~')).toBe('````md\n```\n````')
  })

  test('shows the reasoning as subtext lines', () => {
    expect(toDiscordSubtext('**Plan**\n\nask @here')).toBe('-# **Plan**\n-# ask @\u200bhere')
  })

  test('neutralising twice changes nothing more', () => {
    expect(neutraliseMentions(neutraliseMentions('<@1> @here'))).toBe('<@\u200b1> @\u200bhere')
  })
})

describe('toPlainText', () => {
  test('drops the markup, keeps fences and shows link addresses', () => {
    expect(toPlainText('# T\n**b** [d](https://a.dev) https://b.dev\n> q\n- i\n```\ncode\n```')).toBe(
      'T\nb d (https://a.dev) https://b.dev\n│ q\n• i\n```\ncode\n```',
    )
  })
})
