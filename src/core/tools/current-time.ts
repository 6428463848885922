import { type Clock, systemClock } from '../contracts/clock.ts'
import type { FunctionTool } from './registry.ts'

/**
 * The `current_time` function tool: the date, time and weekday in an IANA time zone, validated by
 * Intl. The answer is a small JSON text.
 *
 * @example
 *   currentTime(Date.UTC(2025, 0, 2, 6, 3, 5), 'Asia/Shanghai')
 *   // { time_zone: 'Asia/Shanghai', date: '2025-01-02', time: '14:03:05', weekday: 'Thursday',
 *   //   utc_offset: '+08:00', iso: '2025-01-02T14:03:05+08:00' }
 */
export interface CurrentTime {
  time_zone: string
  date: string
  time: string
  weekday: string
  utc_offset: string
  iso: string
}

export function currentTime(at: number, timeZone: string): CurrentTime {
  if (timeZone.length === 0 || timeZone.length > 64) throw new RangeError(`unknown time zone "${timeZone}"`)
  let formatter: Intl.DateTimeFormat
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'long',
      timeZoneName: 'longOffset',
    })
  } catch {
    throw new RangeError(`unknown time zone "${timeZone}": use an IANA name such as "Europe/Paris"`)
  }
  const parts = Object.fromEntries(formatter.formatToParts(at).map((p) => [p.type, p.value]))
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00'
  const date = `${parts.year}-${parts.month}-${parts.day}`
  const time = `${parts.hour}:${parts.minute}:${parts.second}`
  return {
    time_zone: formatter.resolvedOptions().timeZone,
    date,
    time,
    weekday: parts.weekday ?? '',
    utc_offset: offset,
    iso: `${date}T${time}${offset}`,
  }
}

export function currentTimeTool(clock: Clock = systemClock): FunctionTool {
  return {
    name: 'current_time',
    description:
      'The current date, time and weekday in a time zone. Use it whenever the answer depends on today or now.',
    parameters: {
      type: 'object',
      properties: {
        time_zone: {
          type: 'string',
          description: 'IANA time zone such as "America/New_York" or "Asia/Shanghai"; "UTC" when unknown',
        },
      },
      required: ['time_zone'],
      additionalProperties: false,
    },
    strict: true,
    handler(args) {
      const timeZone = typeof args.time_zone === 'string' ? args.time_zone.trim() : 'UTC'
      return JSON.stringify(currentTime(clock.now(), timeZone || 'UTC'))
    },
  }
}
