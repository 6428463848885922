import type { RESTOptions, ResponseLike } from 'discord.js'

/**
 * How discord.js reaches Discord's REST API: through Node's fetch, with a multipart body rebuilt as
 * Node's own FormData.
 *
 * Why: @discordjs/rest sends with its own copy of undici (6) through the process-wide dispatcher,
 * and Herald's undici 8 installs that dispatcher when it loads; undici 8 refuses a FormData made by
 * undici 6 ("body must be a FormData created by this undici package instance"), so every upload
 * (a picture, a report file) would fail. JSON and text bodies pass as they are.
 *
 * @example
 *   new Client({ intents, rest: { api, makeRequest: discordRequest } })
 */
export const discordRequest: RESTOptions['makeRequest'] = async (url, init) => {
  const request: FetchInit = {
    method: init.method ?? 'GET',
    body: nodeBody(init.body),
    signal: (init.signal as AbortSignal | null | undefined) ?? null,
  }
  if (init.headers) request.headers = init.headers as NonNullable<FetchInit['headers']>
  const response = await fetch(url, request)
  return response as unknown as ResponseLike
}

type FetchInit = NonNullable<Parameters<typeof fetch>[1]>

interface FormLike {
  entries(): IterableIterator<[string, string | Blob]>
}

function isFormLike(body: unknown): body is FormLike {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'FormData'
  )
}

function nodeBody(body: unknown): NonNullable<FetchInit['body']> | null {
  if (body === undefined || body === null) return null
  if (body instanceof FormData || !isFormLike(body)) return body as NonNullable<FetchInit['body']>
  const form = new FormData()
  for (const [name, value] of body.entries()) {
    if (typeof value === 'string') form.append(name, value)
    else form.append(name, value, (value as File).name)
  }
  return form
}
