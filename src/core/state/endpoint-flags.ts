import type { Store } from '../store/store.ts'

/**
 * What the configured endpoint (OpenAI or a relay, named by its base URL) is known to refuse,
 * shared by every process through the store and kept for good, as conversations keep the
 * `previous_response_id` refusal: `flag:<capability>-unsupported:<endpointKey>` = true in the `conv`
 * namespace. A capability is assumed to work until a refusal is seen.
 * - `background`: `background: true` is refused; research runs as one foreground stream.
 * - `retrieve`: `GET /responses/{id}` has no route; a background run is followed on its open
 *   stream only, and is not resumable after a restart.
 * - `cancel`: `POST /responses/{id}/cancel` has no route; cancelling closes the stream.
 *
 * @example
 *   const flags = createEndpointFlags({ store, endpointKey: config.openai.baseUrl })
 *   if (await flags.isUnsupported('background')) runForeground()
 *   await flags.markUnsupported('retrieve')
 */

/** What an endpoint may be known to refuse. */
export type EndpointCapability = 'background' | 'retrieve' | 'cancel'

export interface EndpointFlags {
  isUnsupported(capability: EndpointCapability): Promise<boolean>
  markUnsupported(capability: EndpointCapability): Promise<void>
}

export interface EndpointFlagsOptions {
  store: Store
  /** The endpoint's name: its base URL. Default `default`. */
  endpointKey?: string
}

export function createEndpointFlags(options: EndpointFlagsOptions): EndpointFlags {
  const endpointKey = options.endpointKey ?? 'default'
  const kv = options.store.kv<unknown>('conv')
  const key = (capability: EndpointCapability) => `flag:${capability}-unsupported:${endpointKey}`
  // A refusal learnt by this process holds for its life: later runs skip the store read.
  const known = new Set<EndpointCapability>()
  return {
    async isUnsupported(capability) {
      if (known.has(capability)) return true
      if ((await kv.get(key(capability))) !== true) return false
      known.add(capability)
      return true
    },
    async markUnsupported(capability) {
      known.add(capability)
      await kv.set(key(capability), true)
    },
  }
}
