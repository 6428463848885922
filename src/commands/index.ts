import { ask } from './ask.ts'
import { cancel } from './cancel.ts'
import type { CommandContext } from './context.ts'
import type { CommandDef } from './define.ts'
import { effort } from './effort.ts'
import { help } from './help.ts'
import { image } from './image.ts'
import { language } from './language.ts'
import { model } from './model.ts'
import { pictures } from './pictures.ts'
import { reasoning } from './reasoning.ts'
import { research } from './research.ts'
import { reset } from './reset.ts'
import { search } from './search.ts'
import { status } from './status.ts'
import { usage } from './usage.ts'
import { voice } from './voice.ts'

/** The whole command surface; adapters derive their registration from it. */
export const commands: readonly CommandDef<CommandContext>[] = [
  ask,
  image,
  research,
  reset,
  model,
  effort,
  search,
  reasoning,
  voice,
  pictures,
  language,
  usage,
  cancel,
  help,
  status,
]
