/**
 * Preloaded into a bot the load bench starts (`node --import ./bench/probe.ts …`): answers the
 * bench's IPC messages with the process's own CPU time, resident memory (now and the peak since the
 * last reset) and event-loop delay, so every figure is the bot's alone, not the bench's.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface ProbeReport {
  cpuMs: number
  rssMb: number
  peakRssMb: number
  loopDelayP99Ms: number
}

const loop = monitorEventLoopDelay({ resolution: 10 })
loop.enable()
const mb = (bytes: number) => bytes / 1_048_576
let peak = process.memoryUsage.rss()
setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 50).unref()

process.on('message', (message: unknown) => {
  if (message === 'reset') {
    peak = process.memoryUsage.rss()
    loop.reset()
  }
  const cpu = process.cpuUsage()
  const rss = process.memoryUsage.rss()
  peak = Math.max(peak, rss)
  const report: ProbeReport = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    rssMb: mb(rss),
    peakRssMb: mb(peak),
    loopDelayP99Ms: loop.count > 0 ? loop.percentile(99) / 1e6 : 0,
  }
  process.send?.(report)
})
// The IPC channel must not keep a bot alive that would otherwise exit.
process.channel?.unref()
