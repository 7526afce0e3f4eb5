/**
 * The largest visitor uploads a manager may send (10 000 hourly entries each, four at once) against a
 * real gateway process while a kiosk presses (bench/upload-stall.ts): ingest must not stall, and
 * each upload is stored whole. Before, one such upload held the event loop for 10 s, four for 30 s, and no
 * press was acked meanwhile.
 *
 * The targets — acks within 100 ms (p99), no event-loop block over 50 ms — are checked when the quiet phase
 * before the uploads shows an idle machine. On a shared, overloaded one the loop stalls without any upload
 * (CPU starvation, slow fsyncs), so the test checks there that no ack waits and no block lasts a second;
 * `npm run bench -- --only uploads` reports the figures against the targets.
 */
import { expect, it } from 'vitest';
import { ENTRIES, hourlyEntries, runUploadStall } from '../../bench/upload-stall.js';

const UPLOADS = 4;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('acks presses while four of the largest visitor uploads run, and stores each whole', async () => {
  const r = await runUploadStall({ uploads: UPLOADS, quietMs: 3000 });
  const idle = p99(r.quiet) <= 25 && r.quietLoopMs <= 15;
  console.log(
    `upload stall: ${UPLOADS} × ${ENTRIES} entries at once, done in ${r.uploadMs.toFixed(0)} ms. Gateway event loop, longest block: ` +
      `${r.busyLoopMs.toFixed(1)} ms during the uploads (CPU used in the longest stall: ${r.busyCpuMs.toFixed(1)} ms), ${r.quietLoopMs.toFixed(1)} ms in the quiet phase. Press acks: during ` +
      `n=${r.busy.length} p50 ${median(r.busy).toFixed(1)} p99 ${p99(r.busy).toFixed(1)} ms; quiet n=${r.quiet.length} p50 ${median(r.quiet).toFixed(1)} ` +
      `p99 ${p99(r.quiet).toFixed(1)} ms. Checked against ${idle ? 'the targets' : '1 s (the machine stalls without uploads)'}`,
  );

  expect(r.uploads.map((u) => [u.status, u.body.stored])).toEqual(Array(UPLOADS).fill([200, ENTRIES]));
  expect(r.stored).toEqual(
    Array.from({ length: UPLOADS }, (_, o) => ({ rows: ENTRIES, sum: hourlyEntries(ENTRIES, o).reduce((s, e) => s + e.count, 0) })),
  );
  expect(r.busy.length).toBeGreaterThan(5);
  expect(p99(r.busy)).toBeLessThanOrEqual(idle ? 100 : 1000);
  expect(r.busyLoopMs).toBeLessThanOrEqual(idle ? 50 : 1000);
}, 180_000);

it('acks presses while two of the largest served.csv imports run (10 000 tickets each), and stores every ticket', async () => {
  const r = await runUploadStall({ uploads: 2, quietMs: 3000, kind: 'served' });
  const idle = p99(r.quiet) <= 25 && r.quietLoopMs <= 15;
  console.log(
    `served.csv stall: 2 × ${ENTRIES} tickets at once, done in ${r.uploadMs.toFixed(0)} ms. Longest event-loop block ${r.busyLoopMs.toFixed(1)} ms ` +
      `(CPU ${r.busyCpuMs.toFixed(1)} ms), quiet ${r.quietLoopMs.toFixed(1)} ms. Acks during: n=${r.busy.length} p99 ${p99(r.busy).toFixed(1)} ms. ` +
      `Checked against ${idle ? 'the targets' : '1 s (the machine stalls without uploads)'}`,
  );
  expect(r.uploads.map((u) => [u.status, u.body.stored])).toEqual([
    [200, ENTRIES],
    [200, ENTRIES],
  ]);
  // Every ticket is a visitor of its desk, read back through the scores API.
  expect(r.stored).toEqual([
    { rows: ENTRIES, sum: ENTRIES },
    { rows: ENTRIES, sum: ENTRIES },
  ]);
  expect(r.busy.length).toBeGreaterThan(5);
  expect(p99(r.busy)).toBeLessThanOrEqual(idle ? 100 : 1000);
  expect(r.busyLoopMs).toBeLessThanOrEqual(idle ? 50 : 1000);
}, 180_000);
