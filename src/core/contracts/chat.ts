import type { Button, MessageRef, Surface } from './surface.ts'

/**
 * The platform-neutral shape of "someone asked something somewhere". Adapters build these from
 * platform events; commands and the core never see a discord.js or telegraf object.
 */

/** The places Herald answers in. */
export type Platform = 'telegram' | 'discord' | 'console'

export interface ChatRef {
  platform: Platform
  /** Platform chat / channel id (a Discord thread is its own channel id). */
  id: string
  kind: 'private' | 'group'
  /** `${platform}:${id}`: the key of the chat's lane, settings and conversation head. */
  key: string
  /** Discord guild id, when in a guild. */
  guildId?: string
  /** Discord: the parent channel when `id` is a thread. */
  parentId?: string
  /** The platform's language for the whole chat (Discord `guild_locale`), for messages to everyone. */
  locale?: string
}

export interface UserRef {
  platform: Platform
  id: string
  /** Display name, for cards and logs. */
  name: string
  isAdmin: boolean
  /** Discord role ids in this guild. */
  roleIds?: string[]
  /** The person's language as the platform reports it (Telegram `language_code`, Discord `locale`, `LANG`). */
  locale?: string
}

/** An image attached to a prompt; fetched only when the request is allowed. */
export interface ImageRef {
  /** Size in bytes when the platform tells it up front. */
  size?: number
  mime?: string
  fetch(signal?: AbortSignal): Promise<{ mime: string; bytes: Uint8Array }>
}

/** A voice note or an audio file said instead of a prompt; transcribed only when the request is allowed. */
export interface AudioRef {
  /** Seconds, when the platform tells it up front (Telegram, Discord voice messages). */
  duration?: number
  /** Bytes, when the platform tells it up front. */
  size?: number
  mime: string
  /** The file name the transcription endpoint sees (its extension names the format). */
  name: string
  fetch(signal?: AbortSignal): Promise<{ mime: string; bytes: Uint8Array }>
}

/** A document sent with a prompt (a PDF, a text file); fetched only when the request is allowed. */
export interface DocumentRef {
  name: string
  mime: string
  /** Bytes, when the platform tells it up front. */
  size?: number
  fetch(signal?: AbortSignal): Promise<{ mime: string; bytes: Uint8Array }>
}

export interface NotifyOptions {
  /** Only the invoking user sees it (Discord ephemeral); elsewhere an ordinary reply. */
  ephemeral?: boolean
  buttons?: Button[]
}

/**
 * Words for the person by i18n key, for input Herald could not use: an adapter that cannot read a
 * command's arguments says so on the invocation, and the dispatcher answers in the person's language.
 */
export interface Problem {
  key: string
  params: Record<string, string | number | readonly string[]>
}

/** One command invocation (a slash command, a `/cmd` message, a mention, a private message). */
export interface Invocation {
  /** Unique platform event id, for handling each event once: `telegram:update:123`, `discord:interaction:…`. */
  eventId: string
  /** Command name from the definitions; plain prompts are `ask`. */
  command: string
  /** Parsed options by name (Discord options; Telegram text after the command → the command's text option). */
  args: Record<string, string | boolean>
  user: UserRef
  chat: ChatRef
  images: ImageRef[]
  /** A voice note or audio file: its transcript is the prompt (with any text given beside it). */
  audio?: AudioRef
  /** Documents to read with the prompt (Telegram documents, Discord attachments). */
  documents?: DocumentRef[]
  /** The bot message this one replies to, if any (continues that branch of the conversation). */
  replyTo?: string
  /** Where answers to this invocation go (Discord: the interaction's response, then channel messages). */
  surface: Surface
  /** A short line (Markdown allowed) outside the live engine: refusals, confirmations, cards. */
  notify(text: string, options?: NotifyOptions): Promise<MessageRef | undefined>
  /** Discord: opens a thread for a long report when started in a guild channel. */
  openThread?(name: string): Promise<Surface>
  /** The adapter could not read the arguments (`args` is empty): answered with it, and nothing runs. */
  problem?: Problem
}

/** A press of one of Herald's inline buttons. */
export interface ButtonPress {
  eventId: string
  /** The button's `data` (at most 64 bytes). */
  data: string
  user: UserRef
  chat: ChatRef
  message: MessageRef
  surface: Surface
  /** Acknowledges the press; with text, shows it to the presser only (Telegram alert/toast, Discord ephemeral). */
  answer(text?: string): Promise<void>
  notify(text: string, options?: NotifyOptions): Promise<MessageRef | undefined>
  openThread?(name: string): Promise<Surface>
}

/** What adapters call. Implemented by src/app/dispatcher.ts; never throws into the adapter. */
export interface Herald {
  /** Handles an invocation to the end (streaming included). Adapters must not block their event loop on it. */
  handle(invocation: Invocation): Promise<void>
  press(press: ButtonPress): Promise<void>
  /**
   * A message was deleted in a chat (Discord's MESSAGE_DELETE): an answer streaming into it stops at
   * once instead of at its next edit. Platforms without such an event (Telegram) leave it to the edit.
   */
  onMessageDeleted?(chatKey: string, messageId: string): void
}

/** What main.ts starts and stops. */
export interface Adapter {
  readonly platform: Platform
  /** Connects and registers commands; resolves when the adapter serves requests. */
  start(): Promise<void>
  /** Stops taking new events (running answers are the caller's to finish: sends and edits still work). */
  stop(): Promise<void>
  /** For /healthz: is the platform connection up? */
  healthy(): boolean
  /** A surface for a known chat, without an incoming event (resuming research jobs, finalising after a crash). */
  surfaceFor(chat: ChatRef): Surface
}
