// Loaded into a gateway process by tests and benchmarks (node --import): on SIGWINCH it prints the longest
// event-loop block since the last report — `maxMs` as the loop saw it (wall clock), and `maxCpuMs`, the
// CPU time the process used during its longest stall: on a machine shared with busy processes a stall may
// be the process waiting for a core, not working (then maxCpuMs is far below maxMs).
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
let maxCpuMs = 0;
let last = performance.now();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const used = (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000;
  if (now - last > 20) maxCpuMs = Math.max(maxCpuMs, Math.min(now - last, used));
  last = now;
  lastCpu = cpu;
}, 2).unref();
process.on('SIGWINCH', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'loop delay', maxMs: histogram.max / 1e6, maxCpuMs })}\n`);
  histogram.reset();
  maxCpuMs = 0;
});
