import { randomUUID } from 'node:crypto'
import { type Clock, systemClock } from '../contracts/clock.ts'
import type { Store } from '../store/store.ts'
import { createEndpointProfile, type EndpointProfile } from './endpoint-profile.ts'

/**
 * Conversations are a tree of turns. Every bot message is linked to the turn (and so the response)
 * that produced it, so a reply to any bot message continues that branch; a message that replies to
 * nothing continues the chat's head (the last answer in that chat or thread); `reset` clears the
 * head, so the next message starts fresh while old branches stay reachable by replying to them.
 *
 * Modes:
 * - `server`: `previous_response_id` of the parent turn (the endpoint keeps the state; `store: true`).
 * - `local`: the input is rebuilt from the stored turns along the branch (answer text only, never
 *   reasoning), trimmed to `historyTokenBudget`, oldest turns dropped first, whole turns at a time.
 * - `auto`: server state until the endpoint rejects `previous_response_id`; the caller then calls
 *   `markServerStateUnsupported()` and resolves again, and local history is used FOR GOOD (the
 *   endpoint profile's `server-state` flag, shared by every process, per `endpointKey`; `npm run
 *   doctor` sets or clears it too).
 * A parent turn without a response id (made in local mode) is always continued with local history.
 *
 * Token estimate (no tokenizer): one token per CJK character (Han, kana, Hangul, full-width forms)
 * plus one per 4 other characters, rounded up, plus 4 per message for the role framing.
 *
 * Turns, message links and heads live `turnTtlMs` (30 days); a reply to a bot message whose turn
 * has expired continues the head instead. Local history walks at most `maxDepth` turns back.
 *
 * @example
 *   const { previousResponseId, history, parentTurnId } = await conversations.resolve(chat, replyTo)
 *   // …stream the answer…
 *   await conversations.linkMessages(chat, sentMessageIds, { responseId, parentTurnId, userText, assistantText, model })
 */

export type ConversationMode = 'auto' | 'server' | 'local'

/**
 * A message of local history, in the Responses API's shape (assignable to `InputItem` of
 * responses/request.ts): `input: [...history, newMessage]`.
 */
export interface HistoryMessage {
  role: 'user' | 'assistant'
  content: string
}

export interface Turn {
  id: string
  chatKey: string
  responseId?: string
  parentTurnId?: string
  userText: string
  /** What stood for attached images in the history, e.g. `image: photo.jpg` (the bytes are not kept). */
  imageNote?: string
  /** The answer's text only: never the reasoning summary. */
  assistantText: string
  model: string
  /** Pictures the answer drew: a reply to it may ask for them changed. */
  pictures?: number
  at: number
}

export interface NewTurn {
  responseId?: string | undefined
  parentTurnId?: string | undefined
  userText: string
  imageNote?: string | undefined
  assistantText: string
  model: string
  pictures?: number | undefined
  at?: number | undefined
}

export interface Resolved {
  /** How this request continues: `server` sends `previousResponseId`, `local` sends `history`. */
  mode: 'server' | 'local'
  previousResponseId?: string
  /** Earlier messages of the branch, oldest first; empty in server mode and for a fresh start. */
  history: HistoryMessage[]
  /** The turn this request continues: pass it back to `linkMessages`. */
  parentTurnId?: string
}

export interface ConversationsOptions {
  store: Store
  clock?: Clock
  /** Default `auto`. */
  mode?: ConversationMode
  /** Estimated tokens of local history. Default 8000. */
  historyTokenBudget?: number
  /** Default 30 days. */
  turnTtlMs?: number
  /** Turns walked back for local history. Default 50. */
  maxDepth?: number
  /** Names the endpoint the `auto` fallback flag belongs to (e.g. the base URL). Default `default`. */
  endpointKey?: string
  /** Where that flag lives; made from `store` and `endpointKey` when not given. */
  profile?: EndpointProfile
}

export interface Conversations {
  /** Saves a finished turn, links every message that shows it, and makes it the chat's head. */
  linkMessages(chatKey: string, messageIds: readonly string[], turn: NewTurn): Promise<Turn>
  /** Links one more message to a saved turn (a voice message sent after the text), leaving the head as it is. */
  linkMessage(chatKey: string, messageId: string, turnId: string): Promise<void>
  /** How to continue: after the replied-to bot message, else after the chat's head. */
  resolve(chatKey: string, replyToMessageId?: string): Promise<Resolved>
  turnForMessage(chatKey: string, messageId: string): Promise<Turn | undefined>
  setHead(chatKey: string, turnId: string): Promise<void>
  reset(chatKey: string): Promise<void>
  /** The endpoint rejected `previous_response_id`: in `auto` mode, use local history from now on. */
  markServerStateUnsupported(): Promise<void>
  /** The mode requests use now (`auto` resolved). */
  effectiveMode(): Promise<'server' | 'local'>
}

const MESSAGE_OVERHEAD_TOKENS = 4
const WIDE =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u

/** Tokens of `text`, estimated: 1 per CJK character, 1 per 4 other characters (rounded up). */
export function estimateTokens(text: string): number {
  let wide = 0
  let other = 0
  for (const ch of text) {
    if (WIDE.test(ch)) wide++
    else other++
  }
  return wide + Math.ceil(other / 4)
}

function userContent(turn: Turn): string {
  return turn.imageNote ? `${turn.userText}\n[${turn.imageNote}]` : turn.userText
}

/** Estimated tokens of one turn as history: its user and assistant messages. */
export function turnTokens(turn: Turn): number {
  return estimateTokens(userContent(turn)) + estimateTokens(turn.assistantText) + 2 * MESSAGE_OVERHEAD_TOKENS
}

export function createConversations(opts: ConversationsOptions): Conversations {
  const { store } = opts
  const clock = opts.clock ?? systemClock
  const mode = opts.mode ?? 'auto'
  const budget = opts.historyTokenBudget ?? 8000
  const ttl = opts.turnTtlMs ?? 30 * 86_400_000
  const maxDepth = opts.maxDepth ?? 50
  const kv = store.kv<unknown>('conv')
  const profile =
    opts.profile ??
    createEndpointProfile({
      store,
      ...(opts.endpointKey === undefined ? {} : { endpointKey: opts.endpointKey }),
    })
  const turnKey = (id: string) => `turn:${id}`
  const messageKey = (chatKey: string, messageId: string) => `msg:${chatKey}:${messageId}`
  const headKey = (chatKey: string) => `head:${chatKey}`

  const getTurn = async (id: string) => (await kv.get(turnKey(id))) as Turn | undefined
  const getString = async (key: string) => {
    const value = await kv.get(key)
    return typeof value === 'string' ? value : undefined
  }

  const effectiveMode = async (): Promise<'server' | 'local'> => {
    if (mode !== 'auto') return mode
    return (await profile.isUnsupported('server-state')) ? 'local' : 'server'
  }

  /** The branch ending at `parent`, oldest first, trimmed to the budget from the oldest end. */
  const history = async (parent: Turn): Promise<HistoryMessage[]> => {
    const kept: Turn[] = []
    let tokens = 0
    let turn: Turn | undefined = parent
    while (turn && kept.length < maxDepth) {
      tokens += turnTokens(turn)
      if (tokens > budget) break
      kept.push(turn)
      turn = turn.parentTurnId ? await getTurn(turn.parentTurnId) : undefined
    }
    return kept.reverse().flatMap((t): HistoryMessage[] => [
      { role: 'user', content: userContent(t) },
      { role: 'assistant', content: t.assistantText },
    ])
  }

  return {
    async linkMessages(chatKey, messageIds, input) {
      const turn: Turn = {
        id: randomUUID(),
        chatKey,
        userText: input.userText,
        assistantText: input.assistantText,
        model: input.model,
        at: input.at ?? clock.now(),
      }
      if (input.responseId) turn.responseId = input.responseId
      if (input.parentTurnId) turn.parentTurnId = input.parentTurnId
      if (input.imageNote) turn.imageNote = input.imageNote
      if (input.pictures) turn.pictures = input.pictures
      await kv.set(turnKey(turn.id), turn, ttl)
      await Promise.all(messageIds.map((id) => kv.set(messageKey(chatKey, id), turn.id, ttl)))
      await kv.set(headKey(chatKey), turn.id, ttl)
      return turn
    },

    async linkMessage(chatKey, messageId, turnId) {
      await kv.set(messageKey(chatKey, messageId), turnId, ttl)
    },

    async resolve(chatKey, replyToMessageId) {
      const current = await effectiveMode()
      const linked = replyToMessageId ? await getString(messageKey(chatKey, replyToMessageId)) : undefined
      const parentId = linked ?? (await getString(headKey(chatKey)))
      const parent = parentId ? await getTurn(parentId) : undefined
      if (!parent) return { mode: current, history: [] }
      if (current === 'server' && parent.responseId) {
        return { mode: 'server', previousResponseId: parent.responseId, history: [], parentTurnId: parent.id }
      }
      return { mode: 'local', history: await history(parent), parentTurnId: parent.id }
    },

    async turnForMessage(chatKey, messageId) {
      const id = await getString(messageKey(chatKey, messageId))
      return id ? getTurn(id) : undefined
    },

    async setHead(chatKey, turnId) {
      await kv.set(headKey(chatKey), turnId, ttl)
    },

    async reset(chatKey) {
      await kv.delete(headKey(chatKey))
    },

    async markServerStateUnsupported() {
      await profile.markUnsupported('server-state')
    },

    effectiveMode,
  }
}
