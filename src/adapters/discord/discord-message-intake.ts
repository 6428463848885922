import type { Client, Message } from 'discord.js'
import type { CommandDef } from '../../commands/define.ts'
import type { Herald, Invocation } from '../../core/contracts/chat.ts'
import {
  type AdminPolicy,
  audioOf,
  canOpenThread,
  chatRefOf,
  documentsOf,
  imagesOf,
  type Prompt,
  promptOf,
  userRefOf,
} from './discord-events.ts'
import type { Notices } from './discord-notices.ts'
import { DiscordChannelSurface } from './discord-surface.ts'
import type { Threads } from './discord-threads.ts'

/**
 * Channel messages that ask Herald something (a mention, a DM, a reply to the bot, a message in a
 * thread it opened: `promptOf`), as Invocations of the ask command with the message's text, images,
 * audio and documents. The answer replies to the message, and so do notices: Discord has no
 * ephemeral messages outside interactions.
 *
 * @example
 *   const intake = new MessageIntake({ herald, commands, client: () => connection.client, admins, notices, threads })
 *   client.on(Events.MessageCreate, (message) => void intake.take(message))
 */

/** What an intake needs: whom to hand events to, and how their handlers reach back to the chat. */
export interface MessageIntakeOptions {
  herald: Pick<Herald, 'handle'>
  commands: readonly CommandDef<unknown>[]
  /** The current client (a restart replaces it). */
  client: () => Client
  admins: AdminPolicy
  notices: Notices
  threads: Threads
}

export class MessageIntake {
  private readonly o: MessageIntakeOptions
  /** The ask command's text option, which the message's text fills. */
  private readonly askOption: string

  constructor(options: MessageIntakeOptions) {
    this.o = options
    this.askOption = options.commands.find((c) => c.name === 'ask')?.textOption ?? 'prompt'
  }

  /** Hands the message to the Herald when it asks something; resolves when the Herald is done. */
  async take(message: Message): Promise<void> {
    const client = this.o.client()
    if (!client.user) return
    const prompt = promptOf(message, client.user.id)
    if (!prompt) return
    await this.o.herald.handle(this.invocation(message, prompt, client))
  }

  private invocation(message: Message, prompt: Prompt, client: Client): Invocation {
    const invocation: Invocation = {
      eventId: `discord:message:${message.id}`,
      command: 'ask',
      args: { [this.askOption]: prompt.text },
      user: userRefOf(message.author, message.member, message.guildId, this.o.admins),
      chat: chatRefOf(message.channel, message.channelId, message.guildId, message.guild?.preferredLocale),
      images: imagesOf(message),
      surface: new DiscordChannelSurface(client, message.channelId, message.id),
      notify: (text, notify = {}) =>
        this.o.notices.post(
          new DiscordChannelSurface(this.o.client(), message.channelId, message.id),
          text,
          notify,
        ),
    }
    if (prompt.replyTo !== undefined) invocation.replyTo = prompt.replyTo
    const audio = audioOf(message)
    if (audio) invocation.audio = audio
    const documents = documentsOf(message)
    if (documents.length > 0) invocation.documents = documents
    if (canOpenThread(message.channel))
      invocation.openThread = this.o.threads.opener(message.channelId, message)
    return invocation
  }
}
