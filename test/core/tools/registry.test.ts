import { describe, expect, test } from 'vitest'
import { calculateTool } from '../../../src/core/tools/calculate.ts'
import { createToolRegistry, type FunctionTool, MAX_OUTPUT_CHARS } from '../../../src/core/tools/registry.ts'

const signal = new AbortController().signal
const echo: FunctionTool = {
  name: 'echo',
  description: 'Echoes its text',
  parameters: { type: 'object', properties: { text: { type: 'string' } } },
  handler: async (args, s) => `${String(args.text)} (aborted: ${s.aborted})`,
}

describe('tool registry', () => {
  test('lists function tool definitions for the request', () => {
    const registry = createToolRegistry([calculateTool, echo])
    expect(registry.definitions).toEqual([
      {
        type: 'function',
        name: 'calculate',
        description: calculateTool.description,
        parameters: calculateTool.parameters,
        strict: true,
      },
      { type: 'function', name: 'echo', description: 'Echoes its text', parameters: echo.parameters },
    ])
    expect([registry.has('echo'), registry.has('eval')]).toEqual([true, false])
  })

  test('refuses two tools with one name', () => {
    expect(() => createToolRegistry([echo, echo])).toThrow('two tools are named "echo"')
  })

  test('calls a tool with parsed arguments and the signal', async () => {
    expect(await createToolRegistry([echo]).call('echo', '{"text":"hi"}', signal)).toBe('hi (aborted: false)')
  })

  test('turns every failure into an error output', async () => {
    const failing: FunctionTool = {
      ...echo,
      name: 'fail',
      handler: () => Promise.reject(new Error('disk on fire')),
    }
    const registry = createToolRegistry([echo, failing])
    expect(await registry.call('nope', '{}', signal)).toBe('error: there is no tool named "nope"')
    expect(await registry.call('echo', '{"text":', signal)).toBe('error: the arguments are not valid JSON')
    expect(await registry.call('echo', '[1]', signal)).toBe('error: the arguments must be a JSON object')
    expect(await registry.call('fail', '{}', signal)).toBe('error: disk on fire')
  })

  test('empty arguments are an empty object', async () => {
    expect(await createToolRegistry([echo]).call('echo', '', signal)).toBe('undefined (aborted: false)')
  })

  test('cuts outputs that are too long', async () => {
    const big: FunctionTool = { ...echo, name: 'big', handler: () => 'x'.repeat(MAX_OUTPUT_CHARS + 5) }
    expect(await createToolRegistry([big]).call('big', '{}', signal)).toBe(`${'x'.repeat(MAX_OUTPUT_CHARS)}…`)
  })
})
