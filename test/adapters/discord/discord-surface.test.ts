import { afterEach, describe, expect, test } from 'vitest'
import { discordDefaults } from '../../../src/adapters/discord/discord-adapter.ts'
import { discordPace, toMessageOptions } from '../../../src/adapters/discord/discord-surface.ts'
import type { Invocation } from '../../../src/core/contracts/chat.ts'
import { Gone, RateLimited, SurfaceError } from '../../../src/core/contracts/errors.ts'
import type { Rendered } from '../../../src/core/contracts/surface.ts'
import type { RecordedRequest } from '../../fakes/fake-discord.ts'
import { sketchPng } from '../../fakes/png.ts'
import { manualClock } from '../../helpers/fake-clock.ts'
import {
  type Harness,
  type HarnessOptions,
  nextInvocation,
  nextPress,
  startHarness,
} from './discord-harness.ts'

/** A manual clock's start: Discord ids carry the time since 2015, so it must read later than that. */
const NEW_YEAR_2026 = Date.UTC(2026, 0, 1)

const md = (text: string, buttons?: Rendered['buttons']): Rendered =>
  buttons ? { text, format: 'discord-markdown', buttons } : { text, format: 'discord-markdown' }

let h: Harness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

/** Starts a harness whose Herald runs `answer` for the first invocation; resolves when it is done. */
async function answering<T>(
  trigger: (h: Harness) => void,
  answer: (invocation: Invocation, h: Harness) => Promise<T>,
  options: HarnessOptions = {},
): Promise<T> {
  h = await startHarness(options)
  const harness = h
  let result!: Promise<T>
  harness.herald.onHandle = (invocation) => {
    result = answer(invocation, harness)
    return result.then(
      () => {},
      () => {},
    )
  }
  trigger(harness)
  await nextInvocation(harness)
  return result
}

const slashAsk = (h: Harness) => h.fake.slash({ name: 'ask', options: { prompt: 'go' } })
const mentionAsk = (h: Harness) => h.fake.userMessage({ content: `<@${h.fake.bot.id}> go` })
const messageCalls = (h: Harness): RecordedRequest[] =>
  h.fake.requests.filter(
    (r) =>
      (r.method === 'POST' || r.method === 'PATCH') &&
      (r.route.startsWith('/channels/:channel/messages') || r.route.startsWith('/webhooks/')) &&
      !r.route.endsWith('/threads'),
  )

describe('the surface contract', () => {
  test('limit, pace and format follow Discord: 2000 characters, about 5 edits per 5 s per channel', async () => {
    await answering(slashAsk, async (invocation) => {
      expect(invocation.surface.limit).toBe(2000)
      expect(invocation.surface.format).toBe('discord-markdown')
      expect(invocation.surface.pace).toEqual({ perMessageMs: 1100, perChatMs: 1100 })
    })
    // Five calls at this pace span more than Discord's 5 s window.
    expect(discordPace.perChatMs * 5).toBeGreaterThan(5000)
  })

  test('buttons become action rows of five, and an empty list removes them', () => {
    const buttons = Array.from({ length: 7 }, (_, i) => ({ label: `B${i}`, data: `b:${i}` }))
    const rows = toMessageOptions(md('x', buttons)).components!.map((row) => row.toJSON())
    expect(rows.map((row) => row.components.map((c) => ('custom_id' in c ? c.custom_id : '')))).toEqual([
      ['b:0', 'b:1', 'b:2', 'b:3', 'b:4'],
      ['b:5', 'b:6'],
    ])
    expect(toMessageOptions(md('x', [])).components).toEqual([])
    expect('components' in toMessageOptions(md('x'))).toBe(false)
  })
})

describe('interaction answers', () => {
  test('the first send fills the deferred reply, edits go to it, further sends are follow-ups', async () => {
    const [first, second] = await answering(slashAsk, async ({ surface }) => {
      const ref = await surface.send(md('Hel'))
      await surface.edit(ref, md('Hello'))
      const next = await surface.send(md('Part two'))
      return [ref, next] as const
    })
    const harness = h!
    const original = harness.fake.message(first.id)!
    expect(original.history).toEqual(['', 'Hel', 'Hello'])
    expect(original.interaction?.id).toBeDefined()
    expect(harness.fake.message(second.id)?.content).toBe('Part two')
    expect(first.chatId).toBe(harness.fake.general.id)
    expect(messageCalls(harness).map((r) => `${r.method} ${r.route}`)).toEqual([
      'PATCH /webhooks/:app/:token/messages/:message',
      'PATCH /webhooks/:app/:token/messages/:message',
      'POST /webhooks/:app/:token',
    ])
    expect(messageCalls(harness)[0]!.path).toMatch(/\/messages\/@original$/)
  })

  test('notify fills the deferred reply; an ephemeral notice is private and the empty reply is removed', async () => {
    await answering(slashAsk, async ({ notify }) => {
      await notify('Only admins may start research.', { ephemeral: true })
    })
    const harness = h!
    await harness.fake.waitFor(() => harness.fake.requests.find((r) => r.method === 'DELETE'))
    const visible = harness.fake.messages(harness.fake.general)
    const all = harness.fake.messages(harness.fake.general, { ephemeral: true })
    expect(visible).toEqual([])
    expect(all.map((m) => [m.content, m.flags])).toEqual([['Only admins may start research.', 64]])
  })

  test('from 14 minutes on, the answer continues in a channel message and the old one says so in one line', async () => {
    const [ref, later] = await answering(slashAsk, async ({ surface }, harness) => {
      const ref = await surface.send(md('The first part'))
      harness.clock.advance(discordDefaults.handoverAfterMs)
      await surface.edit(ref, md('The first part, and more'))
      await surface.edit(ref, md('The first part, and more, and the end'))
      const later = await surface.send(md('Part two'))
      return [ref, later] as const
    })
    const harness = h!
    const messages = harness.fake.messages(harness.fake.general)
    expect(messages.map((m) => [m.content, m.webhookId !== undefined])).toEqual([
      [discordDefaults.handoverNotice, true],
      ['The first part, and more, and the end', false],
      ['Part two', false],
    ])
    expect(messages[0]!.id).toBe(ref.id)
    expect(later.id).toBe(messages[2]!.id)
    expect(messageCalls(harness).map((r) => `${r.method} ${r.route}`)).toEqual([
      'PATCH /webhooks/:app/:token/messages/:message',
      'POST /channels/:channel/messages',
      'PATCH /webhooks/:app/:token/messages/:message',
      'PATCH /channels/:channel/messages/:message',
      'POST /channels/:channel/messages',
    ])
  })

  test('the token edits until it is exactly 15 minutes old; when Discord refuses it after, the answer continues in a channel message', async () => {
    const ref = await answering(
      slashAsk,
      async ({ surface }, harness) => {
        const ref = await surface.send(md('Before expiry'))
        harness.clock.advance(15 * 60_000)
        await surface.edit(ref, md('Before expiry, at 15 minutes'))
        harness.clock.advance(1)
        await surface.edit(ref, md('Before expiry, at 15 minutes, after expiry'))
        return ref
      },
      // Time moves only when the test moves it, and the answer has not moved on by itself at 14 minutes.
      { clock: manualClock(NEW_YEAR_2026), handoverAfterMs: 20 * 60_000 },
    )
    const harness = h!
    const messages = harness.fake.messages(harness.fake.general)
    expect(messages.map((m) => m.content)).toEqual([
      'Before expiry, at 15 minutes',
      'Before expiry, at 15 minutes, after expiry',
    ])
    expect(messages[0]!.id).toBe(ref.id)
    expect(messages[1]!.webhookId).toBeUndefined()
    const refused = harness.fake.requests
      .filter((r) => r.status === 401)
      .map((r) => [r.at - NEW_YEAR_2026, (r.response as { code: number }).code])
    // The refused token is not tried again for the "continued below" line.
    expect(refused).toEqual([[15 * 60_000 + 1, 50027]])
  })

  test('a deleted answer is Gone', async () => {
    const error = await answering(slashAsk, async ({ surface }, harness) => {
      const ref = await surface.send(md('Soon deleted'))
      harness.fake.deleteMessage(harness.fake.message(ref.id)!)
      return surface.edit(ref, md('Too late')).catch((err: unknown) => err)
    })
    expect(error).toBeInstanceOf(Gone)
  })

  test('a file goes out as an attachment of a follow-up', async () => {
    const ref = await answering(slashAsk, async ({ surface }) => {
      await surface.send(md('Report below'))
      return surface.sendFile!('report.md', new TextEncoder().encode('# Report\n'), 'The full report')
    })
    const message = h!.fake.message(ref.id)!
    expect(message.content).toBe('The full report')
    expect(message.attachments.map((a) => [a.filename, a.size])).toEqual([['report.md', 9]])
    expect(message.webhookId).toBeDefined()
  })

  test('a button press edits the pressed message through its own interaction', async () => {
    h = await startHarness()
    const harness = h
    harness.herald.onHandle = async (invocation) => {
      await invocation.notify('Confirm?', { buttons: [{ label: 'Yes', data: 'yes' }] })
    }
    harness.herald.onPress = async (press) => {
      await press.surface.edit(press.message, md('Confirmed.', []))
    }
    slashAsk(harness)
    await nextInvocation(harness)
    // 0 (the deferred reply before its buttons) is a number too: wait for the buttons themselves.
    const card = await harness.fake.waitFor(
      () => harness.fake.messages(harness.fake.general)[0]?.components.length || undefined,
    )
    expect(card).toBe(1)
    const message = harness.fake.messages(harness.fake.general)[0]!
    harness.fake.pressButton({ message, customId: 'yes' })
    await nextPress(harness)
    await harness.fake.waitFor(() => message.content === 'Confirmed.')
    expect(message.components).toEqual([])
    const edit = harness.fake.requests.at(-1)!
    expect([edit.method, edit.route, edit.path.endsWith('/@original')]).toEqual([
      'PATCH',
      '/webhooks/:app/:token/messages/:message',
      true,
    ])
  })
})

describe('channel answers', () => {
  test('the first message replies to the question without pinging; later ones stand alone', async () => {
    const [first, second] = await answering(mentionAsk, async ({ surface }) => {
      const first = await surface.send(md('One'))
      const second = await surface.send(md('Two'))
      return [first, second] as const
    })
    const harness = h!
    const question = harness.fake.messages(harness.fake.general)[0]!
    expect(harness.fake.message(first.id)?.reference?.message_id).toBe(question.id)
    expect(harness.fake.message(first.id)?.pings.repliedUser).toBe(false)
    expect(harness.fake.message(second.id)?.reference).toBeUndefined()
  })

  test('text past 2000 characters is refused, not retried, as a non-transient SurfaceError', async () => {
    const [ok, error] = await answering(mentionAsk, async ({ surface }) => {
      const ok = await surface.send(md('x'.repeat(2000)))
      const error = await surface.send(md('x'.repeat(2001))).catch((err: unknown) => err)
      return [ok, error] as const
    })
    expect(h!.fake.message(ok.id)?.content).toHaveLength(2000)
    expect(error).toBeInstanceOf(SurfaceError)
    expect((error as SurfaceError).transient).toBe(false)
    expect(messageCalls(h!).map((r) => r.status)).toEqual([200, 400])
  })

  test('a 429 surfaces as RateLimited with its retry-after in ms, not retried inside the client', async () => {
    const [error, calls] = await answering(mentionAsk, async ({ surface }, harness) => {
      const ref = await surface.send(md('Hello'))
      harness.fake.rateLimitNext({ retryAfterMs: 2000, channelId: harness.fake.general.id })
      const error = await surface.edit(ref, md('Hello wor')).catch((err: unknown) => err)
      return [error, messageCalls(harness).map((r) => [r.method, r.status])] as const
    })
    expect(error).toBeInstanceOf(RateLimited)
    expect((error as RateLimited).retryAfterMs).toBe(2000 + discordDefaults.rateLimitMarginMs)
    expect((error as RateLimited).global).toBe(false)
    expect(calls).toEqual([
      ['POST', 200],
      ['PATCH', 429],
    ])
    const reply = h!.fake.requests.find((r) => r.status === 429)!
    expect(reply.response).toEqual({ message: 'You are being rate limited.', retry_after: 2, global: false })
  })

  test('the sixth call in a channel within 5 s is refused as RateLimited before it reaches Discord', async () => {
    const outcomes = await answering(mentionAsk, async ({ surface }) => {
      const ref = await surface.send(md('0'))
      const outcomes: string[] = []
      for (let i = 1; i <= 5; i++) {
        outcomes.push(
          await surface.edit(ref, md(String(i))).then(
            () => 'ok',
            (err: unknown) => (err as Error).name,
          ),
        )
      }
      return outcomes
    })
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'RateLimited'])
    expect(messageCalls(h!).every((r) => r.status === 200)).toBe(true)
  })

  test('a global 429 surfaces as a global RateLimited', async () => {
    const error = await answering(mentionAsk, async ({ surface }, harness) => {
      harness.fake.rateLimitNext({ retryAfterMs: 1000, channelId: harness.fake.general.id, global: true })
      return surface.send(md('Hi')).catch((err: unknown) => err)
    })
    expect(error).toBeInstanceOf(RateLimited)
    expect((error as RateLimited).global).toBe(true)
  })

  test('a deleted message is Gone', async () => {
    const error = await answering(mentionAsk, async ({ surface }, harness) => {
      const ref = await surface.send(md('Soon deleted'))
      harness.fake.deleteMessage(harness.fake.message(ref.id)!)
      return surface.edit(ref, md('Too late')).catch((err: unknown) => err)
    })
    expect(error).toBeInstanceOf(Gone)
  })

  test('typing shows in the channel; a file is an attachment', async () => {
    const ref = await answering(mentionAsk, async ({ surface }) => {
      await surface.typing!()
      return surface.sendFile!('notes.txt', new Uint8Array([104, 105]))
    })
    const harness = h!
    expect(
      harness.fake.requests.filter((r) => r.route === '/channels/:channel/typing').map((r) => r.status),
    ).toEqual([204])
    expect(harness.fake.message(ref.id)?.attachments.map((a) => [a.filename, a.size])).toEqual([
      ['notes.txt', 2],
    ])
    expect(harness.fake.requests.find((r) => r.files.length > 0)?.files.map((f) => [f.name, f.size])).toEqual(
      [['notes.txt', 2]],
    )
  })

  test('surfaceFor sends ordinary messages to a known chat', async () => {
    h = await startHarness()
    const chat = {
      platform: 'discord' as const,
      id: h.fake.general.id,
      kind: 'group' as const,
      key: `discord:${h.fake.general.id}`,
    }
    const surface = h.adapter.surfaceFor(chat)
    const ref = await surface.send(md('Research finished.'))
    expect(surface.chatKey).toBe(chat.key)
    expect(h.fake.message(ref.id)?.content).toBe('Research finished.')
  })
})

describe('no pings', () => {
  test('every send and edit carries allowed_mentions with parse [] and pings nobody', async () => {
    const loud = `@everyone @here <@${'1'.repeat(18)}> <@&${'2'.repeat(18)}>`
    await answering(slashAsk, async ({ surface, notify }) => {
      const ref = await surface.send(md(loud))
      await surface.edit(ref, md(`${loud}!`))
      await surface.send(md(loud))
      await notify(loud)
    })
    const harness = h!
    harness.herald.onHandle = async ({ surface, notify }) => {
      const ref = await surface.send(md(loud))
      await surface.edit(ref, md(`${loud}?`))
      await notify(loud)
    }
    mentionAsk(harness)
    await nextInvocation(harness)
    await harness.fake.waitFor(() => messageCalls(harness).length === 7)
    expect(
      messageCalls(harness).map((r) => (r.body as { allowed_mentions?: unknown }).allowed_mentions),
    ).toEqual(Array.from({ length: 7 }, () => ({ parse: [], replied_user: false })))
    const bots = [...harness.fake.world.messages.values()].filter((m) => m.author.id === harness.fake.bot.id)
    expect(bots).toHaveLength(5)
    expect(bots.map((m) => m.pings)).toEqual(
      Array.from({ length: 5 }, () => ({ users: [], roles: [], everyone: false, repliedUser: false })),
    )
  })
})

describe('pictures', () => {
  const picture = (step: number, caption?: string) => ({
    bytes: sketchPng(step, 3),
    mime: 'image/png',
    name: 'image.png',
    ...(caption ? { caption } : {}),
  })
  /** The bytes of a message's attachments, as the fake stored them. */
  const shown = (harness: Harness, id: string) =>
    harness.fake.message(id)!.attachments.map((a) => {
      const stored = harness.fake.world.files.get(new URL(a.url).pathname)!
      return [
        a.filename,
        [1, 2, 3].find((n) => Buffer.from(sketchPng(n, 3)).equals(Buffer.from(stored.bytes))),
      ]
    })

  test('an interaction picture fills the deferred reply and each edit replaces its attachment', async () => {
    const ref = await answering(slashAsk, async ({ surface }) => {
      const ref = await surface.sendPicture!(picture(1))
      await surface.editPicture!(ref, picture(2))
      await surface.editPicture!(ref, picture(3, 'A blue fox'))
      return ref
    })
    const harness = h!
    expect(shown(harness, ref.id)).toEqual([['image.png', 3]])
    expect(harness.fake.message(ref.id)!.content).toBe('A blue fox')
    expect(messageCalls(harness).map((r) => [r.method, r.files.length])).toEqual([
      ['PATCH', 1],
      ['PATCH', 1],
      ['PATCH', 1],
    ])
  })

  test('a channel picture replies to the mention, and is replaced in place', async () => {
    const ref = await answering(mentionAsk, async ({ surface }) => {
      const ref = await surface.sendPicture!(picture(1))
      await surface.editPicture!(ref, picture(3, 'Done'))
      return ref
    })
    const harness = h!
    const message = harness.fake.message(ref.id)!
    expect([shown(harness, ref.id), message.content, message.reference !== undefined]).toEqual([
      [['image.png', 3]],
      'Done',
      true,
    ])
  })
})
