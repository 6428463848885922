import type { AnswerDeps } from '../core/answers/answer-deps.ts'
import type { Adapter, Platform } from '../core/contracts/chat.ts'
import type { Translate } from '../core/i18n/i18n.ts'
import type { Research } from '../core/research/research-service.ts'
import type { Blocks } from '../core/state/blocks.ts'
import type { Policy } from '../core/state/policy.ts'
import type { CommandDef } from './define.ts'

/**
 * Everything a command may use: the services built once by the app (src/app/services.ts, or a test)
 * and shared by every invocation, plus `t`, the words of the person who invoked it. Commands
 * receive it with the invocation: `run(ctx, invocation)`.
 */
export interface CommandContext extends AnswerDeps {
  /** Herald's words in the invoking person's language (bound per invocation by the dispatcher). */
  t: Translate
  policy: Policy
  /** People blocked at run time (from the console), refused like BLOCK_USER_IDS. */
  blocks: Blocks
  /** The running adapters, for surfaces without an incoming event (resumed jobs). */
  adapters: Map<Platform, Adapter>
  /** When this process started (for /status). */
  startedAt: number
  /** The whole command surface (src/commands/index.ts), for /help. */
  commands: readonly CommandDef<CommandContext>[]
  /** Deep research: the /research command, its buttons, resumption at start-up (research-service.ts). */
  research: Research
}
