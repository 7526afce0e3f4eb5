/**
 * Visitor uploads vs ingest: four of the largest uploads (10 000 hourly entries each) at once against a
 * gateway process while a kiosk presses one event at a time (bench/upload-stall.ts). Target: press
 * acks within 100 ms (p99) and no event-loop block over 50 ms meanwhile; the quiet phase before the
 * uploads is the same run's baseline (on a shared machine the loop stalls without any upload too).
 */
import { runUploadStall, type UploadKind } from './upload-stall.js';
import { fmt, median, percentile, type BenchResult } from './stats.js';

export async function benchUploads(uploads = 4, kind: UploadKind = 'visitors'): Promise<BenchResult> {
  const r = await runUploadStall({ uploads, quietMs: 5000, kind });
  const p99 = (xs: number[]) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      99,
    );
  const whole = r.uploads.every((u) => u.status === 200) && r.stored.every((s) => s.rows === 10_000);
  return {
    name:
      kind === 'served'
        ? `Ingest during ${uploads} served.csv imports of 10 000 tickets`
        : `Ingest during ${uploads} visitor uploads of 10 000 entries`,
    target: 'press ack p99 ≤ 100 ms and event-loop block ≤ 50 ms during the uploads; every upload stored whole',
    pass: whole && p99(r.busy) <= 100 && r.busyLoopMs <= 50,
    figures: {
      'uploads done in (ms)': fmt(r.uploadMs, 0),
      'ack p50 / p99 during (ms)': `${fmt(median(r.busy), 1)} / ${fmt(p99(r.busy), 1)} (n=${r.busy.length})`,
      'ack p50 / p99 quiet (ms)': `${fmt(median(r.quiet), 1)} / ${fmt(p99(r.quiet), 1)} (n=${r.quiet.length})`,
      'longest event-loop block during / quiet (ms)': `${fmt(r.busyLoopMs, 1)} / ${fmt(r.quietLoopMs, 1)}`,
      'CPU the gateway used in its longest stall during the uploads (ms)': fmt(r.busyCpuMs, 1),
      'stored whole': String(whole),
    },
  };
}
