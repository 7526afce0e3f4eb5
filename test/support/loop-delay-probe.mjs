// Loaded into a gateway process by tests (node --import): the longest event-loop block, reported on SIGWINCH.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('SIGWINCH', () => {
  process.stdout.write(`${JSON.stringify({ msg: 'loop delay', maxMs: histogram.max / 1e6 })}\n`);
  histogram.reset();
});
