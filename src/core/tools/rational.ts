/**
 * Exact rational arithmetic on BigInt, for the `calculate` tool: 0.1 + 0.2 is exactly 0.3.
 * Values are normalised (denominator > 0, no common factor). Sizes are bounded so that a short
 * expression cannot make a huge number.
 *
 * @example
 *   format(add(parseDecimal('0.1'), parseDecimal('0.2'))) // '0.3'
 */

/** An exact fraction, numerator over denominator, in lowest terms. */
export interface Rational {
  readonly n: bigint
  readonly d: bigint
}

export class ArithmeticError extends Error {}

/** Numerators and denominators above this many bits are refused (about 3,000 decimal digits). */
export const MAX_BITS = 10_000
export const MAX_EXPONENT = 10_000n

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a
  let y = b < 0n ? -b : b
  while (y !== 0n) [x, y] = [y, x % y]
  return x
}

function bits(value: bigint): number {
  return (value < 0n ? -value : value).toString(2).length
}

export function rational(n: bigint, d = 1n): Rational {
  if (d === 0n) throw new ArithmeticError('division by zero')
  const sign = d < 0n ? -1n : 1n
  const g = gcd(n, d) || 1n
  const result = { n: (sign * n) / g, d: (sign * d) / g }
  if (bits(result.n) > MAX_BITS || bits(result.d) > MAX_BITS)
    throw new ArithmeticError('the result is too large')
  return result
}

/** `12`, `12.5`, `.5`, `12.` */
export function parseDecimal(text: string): Rational {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(text)
  if (!match || text === '.' || text === '') throw new ArithmeticError(`not a number: "${text}"`)
  const whole = match[1] ?? ''
  const fraction = match[2] ?? ''
  return rational(BigInt(whole + fraction || '0'), 10n ** BigInt(fraction.length))
}

export const add = (a: Rational, b: Rational) => rational(a.n * b.d + b.n * a.d, a.d * b.d)
export const sub = (a: Rational, b: Rational) => rational(a.n * b.d - b.n * a.d, a.d * b.d)
export const mul = (a: Rational, b: Rational) => rational(a.n * b.n, a.d * b.d)
export const neg = (a: Rational): Rational => ({ n: -a.n, d: a.d })

export function div(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new ArithmeticError('division by zero')
  return rational(a.n * b.d, a.d * b.n)
}

/** The remainder with the sign of the dividend, as in most languages: 7 % -3 = 1, -7 % 3 = -1. */
export function mod(a: Rational, b: Rational): Rational {
  if (b.n === 0n) throw new ArithmeticError('modulo by zero')
  const quotient = (a.n * b.d) / (a.d * b.n)
  return sub(a, mul(b, rational(quotient)))
}

export function pow(base: Rational, exponent: Rational): Rational {
  if (exponent.d !== 1n) throw new ArithmeticError('the exponent must be a whole number')
  const k = exponent.n < 0n ? -exponent.n : exponent.n
  if (k > MAX_EXPONENT) throw new ArithmeticError(`the exponent is larger than ${MAX_EXPONENT}`)
  if (base.n === 0n && exponent.n < 0n) throw new ArithmeticError('division by zero')
  const size = Math.max(bits(base.n), bits(base.d)) - 1
  if (size * Number(k) > MAX_BITS) throw new ArithmeticError('the result is too large')
  const raised = rational(base.n ** k, base.d ** k)
  return exponent.n < 0n ? div(rational(1n), raised) : raised
}

/** Exact decimal when there is one (`0.3`, `-12.5`), else `1/3 ≈ 0.333333333333`. */
export function format(value: Rational): string {
  const exact = exactDecimal(value)
  if (exact !== undefined) return exact
  return `${value.n}/${value.d} ≈ ${approximate(value, 12)}`
}

function exactDecimal(value: Rational): string | undefined {
  let d = value.d
  let twos = 0
  let fives = 0
  while (d % 2n === 0n) {
    d /= 2n
    twos++
  }
  while (d % 5n === 0n) {
    d /= 5n
    fives++
  }
  if (d !== 1n) return undefined
  const places = Math.max(twos, fives)
  return decimalText((value.n * 10n ** BigInt(places)) / value.d, places)
}

/** `significant` significant digits, rounded half away from zero, trailing zeros dropped. */
function approximate(value: Rational, significant: number): string {
  const magnitude = value.n < 0n ? -value.n : value.n
  const leading = magnitude.toString().length - value.d.toString().length
  const places = Math.max(0, significant - leading)
  const scaled = (magnitude * 10n ** BigInt(places) * 2n + value.d) / (2n * value.d)
  const text = decimalText(scaled, places)
  return value.n < 0n && text !== '0' ? `-${text}` : text
}

function decimalText(scaled: bigint, places: number): string {
  const negative = scaled < 0n
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0')
  const whole = digits.slice(0, digits.length - places)
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}
