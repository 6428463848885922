import { type Client, DiscordjsErrorCodes, GatewayCloseCodes } from 'discord.js'
import { ConfigError, SurfaceError } from '../../core/contracts/errors.ts'
import type { Logger } from '../../core/contracts/log.ts'

/**
 * The Discord gateway's failures, as the platform's supervisor acts on them: a refused login and
 * close codes that need a person become ConfigErrors naming the fix, and an exception discord.js
 * throws while handling one dispatch is caught at the packet handler instead of ending the process.
 *
 * @example
 *   await client.login(token).catch((err) => { throw loginError(err) })
 *   client.on(Events.ShardDisconnect, (event) => reporter.failed(gatewayCloseError(event.code)))
 *   guardPackets(client, { log, onBroken: (event, err) => reporter.failed(err) })
 */

/** The gateway closed for good (discord.js does not reconnect after these): what to do, or a rebuild. */
export function gatewayCloseError(code: number): Error {
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return new ConfigError(
        'DISCORD_TOKEN',
        'rejected by the gateway (4004 Authentication failed): the token was reset; set the current one from the Developer Portal (Bot → Reset Token)',
      )
    case GatewayCloseCodes.DisallowedIntents:
      return new ConfigError(
        'DISCORD_TOKEN',
        'the gateway refused a privileged intent (4014 Disallowed intents): enable Message Content Intent in the Developer Portal (Bot → Privileged Gateway Intents)',
      )
    case GatewayCloseCodes.InvalidIntents:
      return new ConfigError(
        'DISCORD_TOKEN',
        'the gateway refused the intents (4013 Invalid intents): Herald asks for Guilds, Guild Messages, Direct Messages and Message Content; enable Message Content Intent in the Developer Portal (Bot → Privileged Gateway Intents)',
      )
    case GatewayCloseCodes.ShardingRequired:
      return new ConfigError(
        'DISCORD_SHARDS',
        'the gateway requires sharding (4011 Sharding required): set DISCORD_SHARDS=auto',
      )
    default:
      return new SurfaceError(`discord: the gateway closed the connection for good (${code})`, true)
  }
}

/** Operator errors at login, in words that say what to do. */
export function loginError(err: unknown): unknown {
  const code = (err as { code?: unknown } | undefined)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (code === DiscordjsErrorCodes.TokenInvalid) {
    return new ConfigError(
      'DISCORD_TOKEN',
      'rejected by Discord (401): reset it in the Developer Portal (Bot → Reset Token)',
    )
  }
  if (code === DiscordjsErrorCodes.DisallowedIntents || /disallowed intent/i.test(message)) {
    return new ConfigError(
      'DISCORD_TOKEN',
      'the bot may not use the Message Content intent: enable it in the Developer Portal (Bot → Privileged Gateway Intents)',
    )
  }
  return err
}

/** Dispatches whose loss leaves discord.js's cache incomplete: the client is rebuilt rather than trusted. */
const CACHE_EVENTS = new Set([
  'READY',
  'RESUMED',
  'GUILD_CREATE',
  'GUILD_DELETE',
  'CHANNEL_CREATE',
  'GUILD_UPDATE',
])

/**
 * The library boundary for gateway events: discord.js builds its objects from each dispatch inside
 * the WebSocket message handler, where an exception (a frame shaped as discord.js did not expect,
 * such as an interaction without `entitlements`) becomes a rejected promise nobody awaits and ends
 * the process. Every dispatch goes through `WebSocketManager#handlePacket`, queued ones included,
 * so that is where an exception is caught: logged once with the event type, the event dropped, and
 * the client reported broken when the event was one its cache depends on.
 */
export function guardPackets(
  client: Client,
  options: { log: Logger; onBroken(event: string, err: unknown): void },
): void {
  const ws = client.ws as unknown as { handlePacket(packet?: { t?: unknown }, shard?: unknown): boolean }
  const handlePacket = ws.handlePacket.bind(ws)
  ws.handlePacket = (packet, shard) => {
    try {
      return handlePacket(packet, shard)
    } catch (err) {
      const event = typeof packet?.t === 'string' ? packet.t : 'unknown'
      options.log.error(
        { err, event },
        `discord: gateway event ${event} dropped: discord.js could not handle it`,
      )
      if (CACHE_EVENTS.has(event)) options.onBroken(event, err)
      return true
    }
  }
}
