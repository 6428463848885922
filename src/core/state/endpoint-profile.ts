import type { Store } from '../store/store.ts'

/**
 * What one Responses endpoint (OpenAI or a relay, named by its base URL) is known not to support,
 * shared by every process through the store. A capability is assumed to work until someone learns
 * otherwise: an answer that hit a refusal (conversations' `previous_response_id` fallback) or
 * `npm run doctor`, which probes every row and saves all of them (clearing flags that work again).
 *
 * Keys, in the `conv` namespace (where the first of them has always lived, so existing stores keep it):
 * - `flag:<capability>-unsupported:<endpointKey>` = true, one per capability:
 *   - `server-state`: `previous_response_id` is refused; conversations use local history.
 *   - `background`: `background: true` is refused; research runs as one foreground stream.
 *   - `retrieve`: `GET /responses/{id}` answers 404; a background run is followed on its open
 *     stream and cannot be resumed after a restart.
 *   - `cancel`: `POST /responses/{id}/cancel` answers 404; cancelling closes the stream.
 *   - `reasoning-summary`: `reasoning.summary` is refused; requests leave it out.
 *   - `image-input`: `input_image` content is refused.
 *   - `image-generation`: the hosted `image_generation` tool is refused.
 *   - `web-search`: neither web search tool is accepted.
 * - `web-search-tool:<endpointKey>` = `web_search` | `web_search_preview`: the tool name that worked.
 * - `checked-at:<endpointKey>` = epoch ms of the last probe.
 *
 * @example
 *   const profile = createEndpointProfile({ store, endpointKey: config.openai.baseUrl })
 *   if (await profile.isUnsupported('background')) runForeground()
 *   await profile.markUnsupported('retrieve')
 */
export const CAPABILITIES = [
  'server-state',
  'background',
  'retrieve',
  'cancel',
  'reasoning-summary',
  'image-input',
  'image-generation',
  'web-search',
] as const

export type Capability = (typeof CAPABILITIES)[number]

export type WebSearchToolName = 'web_search' | 'web_search_preview'

export interface EndpointProfile {
  readonly endpointKey: string
  isUnsupported(capability: Capability): Promise<boolean>
  markUnsupported(capability: Capability): Promise<void>
  /** Clears the flag: the capability worked when probed. */
  markSupported(capability: Capability): Promise<void>
  /** The web search tool to send: the one that worked when probed, `web_search` by default. */
  webSearchTool(): Promise<WebSearchToolName>
  setWebSearchTool(name: WebSearchToolName): Promise<void>
  /** Epoch ms of the last `markChecked`, when the endpoint was ever probed. */
  checkedAt(): Promise<number | undefined>
  markChecked(at: number): Promise<void>
}

export interface EndpointProfileOptions {
  store: Store
  /** The endpoint's name: its base URL. Default `default`. */
  endpointKey?: string
}

export const profileNamespace = 'conv'

export function unsupportedFlagKey(capability: Capability, endpointKey: string): string {
  return `flag:${capability}-unsupported:${endpointKey}`
}

export function createEndpointProfile(options: EndpointProfileOptions): EndpointProfile {
  const endpointKey = options.endpointKey ?? 'default'
  const kv = options.store.kv<unknown>(profileNamespace)
  const toolKey = `web-search-tool:${endpointKey}`
  const checkedKey = `checked-at:${endpointKey}`
  // A refusal learnt by this process holds for its life: later requests skip the store read.
  const known = new Set<Capability>()

  return {
    endpointKey,
    async isUnsupported(capability) {
      if (known.has(capability)) return true
      const flagged = (await kv.get(unsupportedFlagKey(capability, endpointKey))) === true
      if (flagged) known.add(capability)
      return flagged
    },
    async markUnsupported(capability) {
      known.add(capability)
      await kv.set(unsupportedFlagKey(capability, endpointKey), true)
    },
    async markSupported(capability) {
      known.delete(capability)
      await kv.delete(unsupportedFlagKey(capability, endpointKey))
    },
    async webSearchTool() {
      return (await kv.get(toolKey)) === 'web_search_preview' ? 'web_search_preview' : 'web_search'
    },
    async setWebSearchTool(name) {
      await kv.set(toolKey, name)
    },
    async checkedAt() {
      const value = await kv.get(checkedKey)
      return typeof value === 'number' ? value : undefined
    },
    async markChecked(at) {
      await kv.set(checkedKey, at)
    },
  }
}
