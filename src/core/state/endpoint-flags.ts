import type { Capability, EndpointProfile } from './endpoint-profile.ts'

/**
 * The names research uses for the endpoint profile (endpoint-profile.ts owns the store keys and
 * every capability). A research run depends on three of them:
 * - `background`: `background: true` is refused; research runs as one foreground stream.
 * - `retrieve`: `GET /responses/{id}` has no route; a background run is followed on its open
 *   stream only, and is not resumable after a restart.
 * - `cancel`: `POST /responses/{id}/cancel` has no route; cancelling closes the stream.
 */

/** What a research run may find the endpoint refuses. */
export type EndpointCapability = Extract<Capability, 'background' | 'retrieve' | 'cancel'>

export type EndpointFlags = EndpointProfile
