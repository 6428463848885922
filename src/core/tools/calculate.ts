import {
  ArithmeticError,
  add,
  div,
  format,
  mod,
  mul,
  neg,
  parseDecimal,
  pow,
  type Rational,
  sub,
} from './rational.ts'
import type { FunctionTool } from './registry.ts'

/**
 * Exact arithmetic on a short expression, parsed by hand (no eval): `+ - * / % ^`, parentheses,
 * decimals, unary minus. `^` binds tighter than unary minus and is right-associative, as in
 * mathematics: `-2^2` is -4, `2^3^2` is 512. `×`, `÷` and `**` are accepted as `*`, `/` and `^`.
 *
 * @example
 *   calculate('0.1 + 0.2')   // '0.3'
 *   calculate('1/3')         // '1/3 ≈ 0.333333333333'
 */
export const MAX_EXPRESSION_CHARS = 200
const MAX_DEPTH = 50

export function calculate(expression: string): string {
  return format(evaluate(expression))
}

export function evaluate(expression: string): Rational {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    throw new ArithmeticError(`the expression is longer than ${MAX_EXPRESSION_CHARS} characters`)
  }
  const parser = new Parser(tokenize(expression))
  const value = parser.expression(0)
  parser.expectEnd()
  return value
}

interface Token {
  kind: 'number' | 'op' | 'end'
  text: string
  at: number
}

const SYNONYMS: Record<string, string> = { '×': '*', '÷': '/', '**': '^' }

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const rest = source.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const number = /^(\d+\.?\d*|\.\d+)/.exec(rest)
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i })
      i += number[0].length
      continue
    }
    const op = /^(\*\*|[-+*/%^()×÷])/.exec(rest)
    if (!op) throw new ArithmeticError(`unexpected character "${rest[0]}" at position ${i + 1}`)
    tokens.push({ kind: 'op', text: SYNONYMS[op[0]] ?? op[0], at: i })
    i += op[0].length
  }
  tokens.push({ kind: 'end', text: '', at: source.length })
  return tokens
}

class Parser {
  readonly tokens: Token[]
  position = 0

  constructor(tokens: Token[]) {
    this.tokens = tokens
  }

  peek(): Token {
    return this.tokens[this.position] as Token
  }

  accept(op: string): boolean {
    const token = this.peek()
    if (token.kind !== 'op' || token.text !== op) return false
    this.position++
    return true
  }

  /** expression := term (('+' | '-') term)* */
  expression(depth: number): Rational {
    if (depth > MAX_DEPTH) throw new ArithmeticError('the expression is nested too deeply')
    let value = this.term(depth)
    for (;;) {
      if (this.accept('+')) value = add(value, this.term(depth))
      else if (this.accept('-')) value = sub(value, this.term(depth))
      else return value
    }
  }

  /** term := unary (('*' | '/' | '%') unary)* */
  term(depth: number): Rational {
    let value = this.unary(depth)
    for (;;) {
      if (this.accept('*')) value = mul(value, this.unary(depth))
      else if (this.accept('/')) value = div(value, this.unary(depth))
      else if (this.accept('%')) value = mod(value, this.unary(depth))
      else return value
    }
  }

  /** unary := ('-' | '+') unary | power */
  unary(depth: number): Rational {
    if (depth > MAX_DEPTH) throw new ArithmeticError('the expression is nested too deeply')
    if (this.accept('-')) return neg(this.unary(depth + 1))
    if (this.accept('+')) return this.unary(depth + 1)
    return this.power(depth)
  }

  /** power := primary ('^' unary)?  (right-associative through unary) */
  power(depth: number): Rational {
    const base = this.primary(depth)
    return this.accept('^') ? pow(base, this.unary(depth + 1)) : base
  }

  /** primary := number | '(' expression ')' */
  primary(depth: number): Rational {
    const token = this.peek()
    if (token.kind === 'number') {
      this.position++
      return parseDecimal(token.text)
    }
    if (!this.accept('(')) throw this.unexpected('a number or "("')
    const value = this.expression(depth + 1)
    if (!this.accept(')')) throw this.unexpected('")"')
    return value
  }

  expectEnd(): void {
    if (this.peek().kind !== 'end') throw this.unexpected('an operator or the end')
  }

  unexpected(expected: string): ArithmeticError {
    const token = this.peek()
    const found =
      token.kind === 'end' ? 'the end of the expression' : `"${token.text}" at position ${token.at + 1}`
    return new ArithmeticError(`expected ${expected} but found ${found}`)
  }
}

/** The `calculate` function tool: `{ expression }` → the exact result. */
export const calculateTool: FunctionTool = {
  name: 'calculate',
  description:
    'Exact arithmetic on one expression: + - * / % ^ and parentheses, decimals allowed. ' +
    'Use it for any calculation instead of computing in your head.',
  parameters: {
    type: 'object',
    properties: {
      expression: { type: 'string', description: 'For example "(1.5 + 2) * 3 ^ 2 / 7"' },
    },
    required: ['expression'],
    additionalProperties: false,
  },
  strict: true,
  handler(args) {
    const expression = args.expression
    if (typeof expression !== 'string') throw new ArithmeticError('"expression" must be a string')
    return calculate(expression)
  },
}
