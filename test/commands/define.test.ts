import { describe, expect, test } from 'vitest'
import { ask } from '../../src/commands/ask.ts'
import { defineCommand, type ParsedArgs, parseTextArgs } from '../../src/commands/define.ts'
import { model } from '../../src/commands/model.ts'
import { reset } from '../../src/commands/reset.ts'
import { search } from '../../src/commands/search.ts'
import { type MessageKey, translator } from '../../src/core/i18n/i18n.ts'

const t = translator('en')
/** What the person reads for a refusal (the problem in English), or the parsed arguments. */
const said = (parsed: ParsedArgs) =>
  parsed.ok ? parsed : { ok: false, error: t(parsed.problem.key as MessageKey, parsed.problem.params) }

describe('parseTextArgs', () => {
  test('leading name:value words set options and the rest, line breaks kept, is the text option', () => {
    expect(parseTextArgs(ask, 'effort:high search:off why is\nthe sky blue?')).toEqual({
      ok: true,
      args: { effort: 'high', search: false, prompt: 'why is\nthe sky blue?' },
    })
  })

  test('an unknown name: word is text, and words after the text are not options', () => {
    expect(parseTextArgs(ask, 'note: effort:high')).toEqual({
      ok: true,
      args: { prompt: 'note: effort:high' },
    })
  })

  test('values are checked against the choices and booleans', () => {
    expect(said(parseTextArgs(ask, 'effort:extreme hi'))).toEqual({
      ok: false,
      error: 'effort must be one of minimal, low, medium, high',
    })
    expect(said(parseTextArgs(ask, 'search:maybe hi'))).toEqual({
      ok: false,
      error: 'search must be on or off',
    })
  })

  test('a command without a text option takes its first option positionally', () => {
    expect(parseTextArgs(model, 'gpt-5')).toEqual({ ok: true, args: { name: 'gpt-5' } })
    expect(parseTextArgs(search, 'off')).toEqual({ ok: true, args: { enabled: false } })
    expect(said(parseTextArgs(search, 'sometimes'))).toEqual({
      ok: false,
      error: 'enabled must be on or off',
    })
  })

  test('an image option is never parsed from text: image: is part of the prompt', () => {
    expect(parseTextArgs(ask, 'image:cat.png what is this?')).toEqual({
      ok: true,
      args: { prompt: 'image:cat.png what is this?' },
    })
  })

  test('an image option is neither taken positionally nor asked for on text platforms', () => {
    const look = defineCommand({
      name: 'look',
      description: { en: 'Look', zh: '看' },
      access: 'everyone',
      options: [
        { name: 'image', description: { en: 'Picture', zh: '图片' }, type: 'image', required: true },
        { name: 'note', description: { en: 'Note', zh: '备注' }, type: 'string' },
      ],
      async run() {},
    })
    expect(parseTextArgs(look, 'a red one')).toEqual({ ok: true, args: { note: 'a red one' } })
    expect(parseTextArgs(look, '')).toEqual({ ok: true, args: {} })
  })

  test('a command with no options refuses arguments', () => {
    expect(parseTextArgs(reset, '')).toEqual({ ok: true, args: {} })
    expect(said(parseTextArgs(reset, 'now'))).toEqual({
      ok: false,
      error: 'this command takes no arguments',
    })
  })

  test('a missing text is left to the command; an over-long one is refused', () => {
    expect(parseTextArgs(ask, '')).toEqual({ ok: true, args: {} })
    expect(said(parseTextArgs(ask, 'x'.repeat(6001)))).toEqual({
      ok: false,
      error: 'prompt takes at most 6,000 characters',
    })
  })
})
