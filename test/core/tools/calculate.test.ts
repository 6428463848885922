import { describe, expect, test } from 'vitest'
import { calculate, calculateTool } from '../../../src/core/tools/calculate.ts'

describe('calculate', () => {
  test.each([
    ['0.1 + 0.2', '0.3'],
    ['1 + 2 * 3', '7'],
    ['(1 + 2) * 3', '9'],
    ['10 / 4', '2.5'],
    ['1/3', '1/3 ≈ 0.333333333333'],
    ['2/3', '2/3 ≈ 0.666666666667'],
    ['-1/3', '-1/3 ≈ -0.333333333333'],
    ['7 % 3', '1'],
    ['-7 % 3', '-1'],
    ['7 % -3', '1'],
    ['5.5 % 2', '1.5'],
    ['2 ^ 10', '1024'],
    ['2 ^ 3 ^ 2', '512'],
    ['-2 ^ 2', '-4'],
    ['(-2) ^ 2', '4'],
    ['2 ^ -2', '0.25'],
    ['0.5 ^ 3', '0.125'],
    ['--3', '3'],
    ['+4 - -4', '8'],
    ['.5 + 1.', '1.5'],
    ['3 × 4 ÷ 6', '2'],
    ['2 ** 5', '32'],
    ['1e', null],
    ['123456789012345678901234567890 * 10', '1234567890123456789012345678900'],
    ['0.000001 * 0.000001', '0.000000000001'],
    ['1 / 7000000000000', '1/7000000000000 ≈ 0.000000000000142857142857'],
    ['100000000000000 / 3', '100000000000000/3 ≈ 33333333333333'],
    ['   42   ', '42'],
  ])('%s = %s', (expression, expected) => {
    if (expected === null) expect(() => calculate(expression)).toThrow()
    else expect(calculate(expression)).toBe(expected)
  })

  test.each([
    ['1 / 0', 'division by zero'],
    ['1 / (2 - 2)', 'division by zero'],
    ['5 % 0', 'modulo by zero'],
    ['0 ^ -1', 'division by zero'],
    ['2 ^ 0.5', 'the exponent must be a whole number'],
    ['2 ^ 20000', 'the exponent is larger than 10000'],
    ['10 ^ 5000', 'the result is too large'],
    ['1 +', 'expected a number or "(" but found the end of the expression'],
    ['(1 + 2', 'expected ")" but found the end of the expression'],
    ['1 2', 'expected an operator or the end but found "2" at position 3'],
    ['2 * )', 'expected a number or "(" but found ")" at position 5'],
    ['1.2.3', 'expected an operator or the end but found ".3" at position 4'],
    ['2 + x', 'unexpected character "x" at position 5'],
    ['alert(1)', 'unexpected character "a" at position 1'],
    ['', 'expected a number or "(" but found the end of the expression'],
    [`${'('.repeat(60)}1${')'.repeat(60)}`, 'the expression is nested too deeply'],
    ['1+'.repeat(101) + '1', 'the expression is longer than 200 characters'],
  ])('%s fails: %s', (expression, message) => {
    expect(() => calculate(expression)).toThrow(message)
  })

  test('the tool returns the result, and argument problems are errors', async () => {
    const signal = new AbortController().signal
    expect(await calculateTool.handler({ expression: '0.1+0.2' }, signal)).toBe('0.3')
    expect(() => calculateTool.handler({ expression: 3 }, signal)).toThrow('"expression" must be a string')
  })
})
