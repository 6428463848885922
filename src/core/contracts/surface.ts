/**
 * What an adapter gives the live-message engine: a chat it can send to and edit in.
 * The adapter contributes pace, limit, format and error mapping, never its own loop.
 *
 * Errors: `edit`/`send` throw only these (from ./errors.ts), translated by the adapter:
 * - `RateLimited(retryAfterMs)`: a platform 429; nothing may be sent to this chat until then.
 * - `Gone`: the message was deleted or can no longer be edited (expired interaction token).
 * - `FormatRejected`: the platform could not parse the formatted text (retry as plain).
 * - `SurfaceError` with `transient` true (5xx, network) or false (anything else).
 *
 * @example
 *   const ref = await surface.send({ text: '<b>Hi</b>', format: 'html' })
 *   await surface.edit(ref, { text: '<b>Hi there</b>', format: 'html', buttons: [] })
 */
export interface MessageRef {
  /** The platform's message id (as a string). */
  id: string
  /** The platform's chat or channel id. */
  chatId: string
}

/** An inline button; `data` is what comes back when pressed (Telegram: at most 64 bytes). */
export interface Button {
  label: string
  data: string
  style?: 'primary' | 'secondary' | 'danger' | 'success'
}

export type TextFormat = 'telegram-html' | 'discord-markdown' | 'plain'

export interface Rendered {
  text: string
  format: TextFormat
  /** Buttons under the message; an empty array removes them; undefined leaves them as they are. */
  buttons?: Button[]
}

export interface Pace {
  /** Minimum time between two edits of one message. */
  perMessageMs: number
  /** Minimum time between two calls (send or edit) in one chat, shared by every answer there. */
  perChatMs: number
}

/** A picture to show in a chat: its bytes and type, a file name, and a plain-text caption. */
export interface Picture {
  bytes: Uint8Array
  /** `image/png`, `image/jpeg` or `image/webp`. */
  mime: string
  name: string
  caption?: string
}

export interface Surface {
  /** Identifies the chat's lane: every Surface of one chat shares one budget. e.g. `telegram:12345`. */
  readonly chatKey: string
  /** Characters per message after formatting (Telegram 4096, Discord 2000). */
  readonly limit: number
  readonly pace: Pace
  readonly format: TextFormat
  send(content: Rendered): Promise<MessageRef>
  edit(ref: MessageRef, content: Rendered): Promise<void>
  /** An ephemeral preview (Telegram `sendMessageDraft`); throws to say it is not available. */
  draft?(draftId: number, content: Rendered): Promise<void>
  sendFile?(name: string, bytes: Uint8Array, caption?: string): Promise<MessageRef>
  /** Sends a picture as a photo (Telegram `sendPhoto`, a Discord attachment). */
  sendPicture?(picture: Picture): Promise<MessageRef>
  /**
   * Replaces the picture (and caption) of a message `sendPicture` sent, in place (Telegram
   * `editMessageMedia`, a Discord edit that swaps the attachment). Same errors as `edit`.
   */
  editPicture?(ref: MessageRef, picture: Picture): Promise<void>
  /**
   * Sends Ogg/Opus speech as a voice message (Telegram `sendVoice`, a Discord audio attachment);
   * the caption is plain text.
   */
  sendVoice?(bytes: Uint8Array, caption?: string): Promise<MessageRef>
  /** Shows "typing…"; the engine repeats it every few seconds while the answer streams. */
  typing?(): Promise<void>
}
