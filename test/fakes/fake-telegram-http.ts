import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Params } from './fake-telegram-types.ts'

/** How the Bot API reads a call (query string, JSON, form or multipart with a file) and answers it. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A file in a multipart call; `field` is its form field (what `attach://<field>` names). */
export type Upload = { field: string; name: string; bytes: Uint8Array }

export async function parseParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Params; upload?: Upload }> {
  const params: Params = Object.fromEntries(url.searchParams)
  const body = await readBody(req)
  const type = req.headers['content-type'] ?? ''
  if (body.length === 0) return { params }
  if (type.startsWith('application/json'))
    return { params: { ...params, ...(JSON.parse(body.toString('utf8')) as Params) } }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return { params: { ...params, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) } }
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData()
    let upload: Upload | undefined
    for (const [key, value] of form) {
      if (typeof value === 'string') params[key] = value
      else {
        upload = { field: key, name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) }
        params[key] = { file: value.name, size: upload.bytes.length }
      }
    }
    return upload ? { params, upload } : { params }
  }
  return { params }
}

export function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
