/**
 * How a platform client tells its supervisor (src/app/platform-supervisor.ts) what happened to its
 * connection. Adapters keep no state machine of their own: they report, the supervisor decides
 * (retry with backoff, rebuild the client, or stop the platform) and keeps the one state /healthz shows.
 *
 * @example
 *   client.on(Events.ShardResume, () => reporter.up())
 *   client.on(Events.ShardReconnecting, () => reporter.trouble('gateway reconnecting'))
 *   client.on(Events.ShardDisconnect, (event) => reporter.failed(gatewayCloseError(event.code)))
 */

/** What an adapter tells its platform's supervisor about its connection. */
export interface PlatformReporter {
  /** The connection serves events again (after trouble the library healed by itself). */
  up(): void
  /** Transient trouble the library is already retrying on its own (a failed poll, a dropped gateway it resumes). */
  trouble(reason: string): void
  /**
   * The client no longer serves and will not heal by itself: the supervisor rebuilds it after a
   * backoff, or stops the platform when `err` is a ConfigError (a refused token, an intent not
   * enabled: only a person can fix it, and its message says how).
   */
  failed(err: unknown): void
}

/** A reporter that ignores everything (adapters started without a supervisor, in tests). */
export const unsupervised: PlatformReporter = { up() {}, trouble() {}, failed() {} }

/**
 * What a supervisor runs: a platform client that can be started, rebuilt and stopped. An adapter is
 * one; a Discord shard can be one too.
 */
export interface SupervisedClient {
  /** Connects for the first time; resolves once events flow. */
  start(): Promise<void>
  /** Throws the current library client away and connects a new one; resolves once events flow. */
  restart(): Promise<void>
  /** Stops taking events for good (running answers keep their surfaces). */
  stop(): Promise<void>
}
