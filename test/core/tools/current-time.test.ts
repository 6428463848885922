import { describe, expect, test } from 'vitest'
import { currentTime, currentTimeTool } from '../../../src/core/tools/current-time.ts'
import { fakeClock } from '../../helpers/fake-clock.ts'

const at = Date.UTC(2025, 0, 2, 6, 3, 5) // Thursday 2025-01-02 06:03:05 UTC

describe('current_time', () => {
  test('gives date, time, weekday and offset in the zone', () => {
    expect(currentTime(at, 'Asia/Shanghai')).toEqual({
      time_zone: 'Asia/Shanghai',
      date: '2025-01-02',
      time: '14:03:05',
      weekday: 'Thursday',
      utc_offset: '+08:00',
      iso: '2025-01-02T14:03:05+08:00',
    })
  })

  test('crosses the date line backwards', () => {
    expect(currentTime(at, 'America/Los_Angeles')).toMatchObject({
      date: '2025-01-01',
      time: '22:03:05',
      weekday: 'Wednesday',
      iso: '2025-01-01T22:03:05-08:00',
    })
  })

  test('follows daylight saving time', () => {
    expect(currentTime(Date.UTC(2025, 6, 1, 12), 'Europe/Paris').iso).toBe('2025-07-01T14:00:00+02:00')
    expect(currentTime(Date.UTC(2025, 0, 1, 12), 'Europe/Paris').iso).toBe('2025-01-01T13:00:00+01:00')
  })

  test('UTC has offset +00:00, and midnight is 00, not 24', () => {
    expect(currentTime(Date.UTC(2025, 0, 2), 'UTC')).toMatchObject({
      time: '00:00:00',
      utc_offset: '+00:00',
      iso: '2025-01-02T00:00:00+00:00',
    })
  })

  test('an unknown zone is refused by name', () => {
    expect(() => currentTime(at, 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"')
    expect(() => currentTime(at, 'x'.repeat(65))).toThrow('unknown time zone')
  })

  test('the tool reads the injected clock and defaults to UTC', async () => {
    const tool = currentTimeTool(fakeClock(at))
    const signal = new AbortController().signal
    expect(JSON.parse(await tool.handler({ time_zone: 'Asia/Tokyo' }, signal))).toMatchObject({
      iso: '2025-01-02T15:03:05+09:00',
    })
    expect(JSON.parse(await tool.handler({ time_zone: ' ' }, signal))).toMatchObject({
      time_zone: 'UTC',
      time: '06:03:05',
    })
  })
})
