import { ChannelType, type Client, type Message, ThreadAutoArchiveDuration } from 'discord.js'
import type { Clock } from '../../core/contracts/clock.ts'
import type { Surface } from '../../core/contracts/surface.ts'
import { toSurfaceError, withRateLimitRetry } from './discord-errors.ts'
import { DiscordChannelSurface, discordLimits } from './discord-surface.ts'

/**
 * Threads Herald opens to hold a long answer (a research report): on the person's message when the
 * question was one, in the channel otherwise (a slash command), archived after a day of quiet.
 *
 * @example
 *   const threads = new Threads(() => connection.client, clock)
 *   invocation.openThread = threads.opener(message.channelId, message)
 *   const surface = await invocation.openThread('Research: tides')   // the thread's channel surface
 */

/** Opens threads through the current client, waiting out a rate limit like the adapter's other own calls. */
export class Threads {
  /** The current client (a restart replaces it): the thread is opened when asked, maybe much later. */
  private readonly client: () => Client
  private readonly clock: Clock

  constructor(client: () => Client, clock: Clock) {
    this.client = client
    this.clock = clock
  }

  /** An Invocation's `openThread` for an event in `channelId`, started on `startMessage` when given. */
  opener(channelId: string, startMessage?: Message): (name: string) => Promise<Surface> {
    return async (name) => {
      const options = {
        name: name.trim().slice(0, discordLimits.threadNameChars) || 'Herald',
        autoArchiveDuration: ThreadAutoArchiveDuration.OneDay,
      }
      try {
        const thread = await withRateLimitRetry(async () => {
          if (startMessage) return startMessage.startThread(options)
          const channel = await this.client().channels.fetch(channelId)
          if (channel?.type !== ChannelType.GuildText)
            throw new Error(`channel ${channelId} cannot hold threads`)
          return channel.threads.create(options)
        }, this.clock)
        return new DiscordChannelSurface(this.client(), thread.id)
      } catch (err) {
        throw toSurfaceError(err)
      }
    }
  }
}
