import type { ButtonInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js'
import type { ButtonPress, Herald, Invocation, NotifyOptions } from '../../core/contracts/chat.ts'
import type { Clock } from '../../core/contracts/clock.ts'
import type { Logger } from '../../core/contracts/log.ts'
import type { MessageRef } from '../../core/contracts/surface.ts'
import { toSurfaceError } from './discord-errors.ts'
import { argsOf, canOpenThread, chatRefOf, slashImagesOf, userRefOf } from './discord-events.ts'
import {
  DiscordInteractionSurface,
  InteractionReplies,
  type RepliableInteraction,
} from './discord-interaction-surface.ts'
import type { MessageIntakeOptions } from './discord-message-intake.ts'

/**
 * Slash commands and button presses, as Invocations and ButtonPresses. Each is acknowledged at once
 * (Discord allows 3 s): a command shows "thinking…" until its answer fills that reply, a press
 * acknowledges silently and answers, when it has words, only to the presser. Their answers go
 * through the interaction's replies (discord-interaction-surface.ts), which move to channel messages
 * when the 15-minute token runs out.
 *
 * @example
 *   const intake = new InteractionIntake({ herald, commands, client: () => connection.client, admins,
 *     notices, threads, clock, log, handoverAfterMs, handoverNotice: () => '…', onMoved })
 *   client.on(Events.InteractionCreate, (interaction) => void intake.take(interaction))
 */

/** A message intake's needs, plus the clock, the log and the handover of the 15-minute token. */
export interface InteractionIntakeOptions extends MessageIntakeOptions {
  herald: Pick<Herald, 'handle' | 'press'>
  clock: Clock
  log: Logger
  /** When interaction answers move to channel messages. */
  handoverAfterMs: number
  /** The line left in an interaction message whose answer moved, for the invoker's locale. */
  handoverNotice(locale: string): string
  /** Told when an interaction message's content moves to a new channel message. */
  onMoved(from: string, to: MessageRef): void
}

export class InteractionIntake {
  private readonly o: InteractionIntakeOptions

  constructor(options: InteractionIntakeOptions) {
    this.o = options
  }

  /** Acknowledges a command or a press and hands it to the Herald; other interactions are ignored. */
  async take(interaction: Interaction): Promise<void> {
    if (!interaction.isChatInputCommand() && !interaction.isButton()) return
    const replies = this.repliesTo(interaction)
    try {
      await replies.acknowledge()
    } catch (err) {
      this.o.log.warn(
        { interaction: interaction.id, err: toSurfaceError(err).message },
        'discord interaction not acknowledged',
      )
      return
    }
    if (interaction.isChatInputCommand()) await this.command(interaction, replies)
    else await this.press(interaction as ButtonInteraction, replies)
  }

  private repliesTo(interaction: RepliableInteraction): InteractionReplies {
    return new InteractionReplies({
      client: this.o.client(),
      interaction,
      clock: this.o.clock,
      log: this.o.log,
      handoverAfterMs: this.o.handoverAfterMs,
      handoverNotice: this.o.handoverNotice(interaction.locale),
      onMoved: this.o.onMoved,
    })
  }

  /** A command's deferred reply that nothing was written into is removed once the Herald is done. */
  private async command(
    interaction: ChatInputCommandInteraction,
    replies: InteractionReplies,
  ): Promise<void> {
    const options = this.o.commands.find((c) => c.name === interaction.commandName)?.options ?? []
    const invocation: Invocation = {
      eventId: `discord:interaction:${interaction.id}`,
      command: interaction.commandName,
      args: argsOf(interaction),
      images: slashImagesOf(interaction, options),
      ...this.parts(interaction, replies),
    }
    try {
      await this.o.herald.handle(invocation)
    } finally {
      await replies.closePlaceholder()
    }
  }

  private async press(interaction: ButtonInteraction, replies: InteractionReplies): Promise<void> {
    const press: ButtonPress = {
      eventId: `discord:interaction:${interaction.id}`,
      data: interaction.customId,
      message: { id: interaction.message.id, chatId: interaction.channelId },
      // The press is already acknowledged (deferUpdate); a text answer is an ephemeral follow-up.
      answer: async (text) => {
        if (text === undefined || text === '') return
        await this.o.notices.whisper(replies, text)
      },
      ...this.parts(interaction, replies),
    }
    await this.o.herald.press(press)
  }

  /** What commands and presses share: who, where, the answer's surface, notices and a thread. */
  private parts(interaction: RepliableInteraction, replies: InteractionReplies) {
    const channelId = interaction.channelId as string
    const { admins, notices, threads } = this.o
    const parts = {
      user: userRefOf(interaction.user, interaction.member, interaction.guildId, admins, interaction.locale),
      chat: chatRefOf(interaction.channel, channelId, interaction.guildId, interaction.guildLocale),
      surface: new DiscordInteractionSurface(replies),
      notify: (text: string, notify: NotifyOptions = {}): Promise<MessageRef | undefined> =>
        notify.ephemeral === true
          ? notices.whisper(replies, text, notify)
          : notices.post(new DiscordInteractionSurface(replies), text, notify),
    }
    return canOpenThread(interaction.channel) ? { ...parts, openThread: threads.opener(channelId) } : parts
  }
}
