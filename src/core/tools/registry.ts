import type { FunctionToolDefinition, JsonSchema } from '../responses/request.ts'

/**
 * Function tools the model may call. A handler gets the parsed arguments and returns the text sent
 * back as `function_call_output`. `call` never throws for a tool's failure: bad arguments, an
 * unknown tool or a handler error become an `error: …` output the model can read and recover from.
 *
 * @example
 *   const tools = createToolRegistry([calculateTool, currentTimeTool()])
 *   const req = { ...request, tools: [...(request.tools ?? []), ...tools.definitions] }
 *   const output = await tools.call('calculate', '{"expression":"2+3"}', signal) // '5'
 */
export interface FunctionTool {
  name: string
  description: string
  /** JSON schema of the arguments object. */
  parameters: JsonSchema
  strict?: boolean
  handler(args: Record<string, unknown>, signal: AbortSignal): Promise<string> | string
}

export interface ToolRegistry {
  readonly definitions: FunctionToolDefinition[]
  has(name: string): boolean
  /** Runs a tool by name with its JSON arguments; failures come back as `error: …` text. */
  call(name: string, argumentsJson: string, signal: AbortSignal): Promise<string>
}

/** Output texts longer than this are cut (a tool must not flood the context). */
export const MAX_OUTPUT_CHARS = 20_000

export function createToolRegistry(tools: readonly FunctionTool[]): ToolRegistry {
  const byName = new Map<string, FunctionTool>()
  for (const tool of tools) {
    if (byName.has(tool.name)) throw new Error(`two tools are named "${tool.name}"`)
    byName.set(tool.name, tool)
  }
  const definitions: FunctionToolDefinition[] = tools.map((tool) => ({
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    ...(tool.strict === undefined ? {} : { strict: tool.strict }),
  }))
  return {
    definitions,
    has: (name) => byName.has(name),
    async call(name, argumentsJson, signal) {
      const tool = byName.get(name)
      if (!tool) return `error: there is no tool named "${name}"`
      let args: unknown
      try {
        args = argumentsJson.trim() === '' ? {} : JSON.parse(argumentsJson)
      } catch {
        return 'error: the arguments are not valid JSON'
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        return 'error: the arguments must be a JSON object'
      }
      try {
        const output = await tool.handler(args as Record<string, unknown>, signal)
        return output.length > MAX_OUTPUT_CHARS ? `${output.slice(0, MAX_OUTPUT_CHARS)}…` : output
      } catch (error) {
        return `error: ${error instanceof Error ? error.message : String(error)}`
      }
    },
  }
}
