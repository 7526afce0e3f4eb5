import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { DEFAULT_MISUSE_RULES, type Button } from '../../shared/src/index.js';
import { SqliteOutbox } from '../../device/src/outbox.js';
import { PressRecorder } from '../../device/src/press-recorder.js';
import { ManualClock, removeTempDirs, silentLog, tempDir } from './helpers.js';

function setup() {
  const outbox = new SqliteOutbox(join(tempDir(), 'outbox.db'));
  const clock = new ManualClock();
  const trace: string[] = [];
  const append = outbox.append.bind(outbox);
  outbox.append = (p) => {
    try {
      const event = append(p);
      trace.push(`commit ${p.button}`);
      return event;
    } catch (err) {
      trace.push(`refused ${p.button}`);
      throw err;
    }
  };
  const feedback = {
    thank: (_: string, button: Button) => trace.push(`thank ${button}`),
    showError: (_: string, button: Button) => trace.push(`error ${button}`),
  };
  const recorder = new PressRecorder({ outbox, clock, feedback, log: silentLog, rules: DEFAULT_MISUSE_RULES, retryMs: 1000 });
  return { outbox, clock, trace, recorder };
}

/** A genuine SQLITE_FULL: the database may not grow past the pages it has now. */
function fillDisk(outbox: SqliteOutbox): void {
  outbox.db.pragma(`max_page_count = ${outbox.db.pragma('page_count', { simple: true })}`);
}

describe('PressRecorder', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    removeTempDirs();
  });

  it('thanks only after the row is committed', () => {
    const { trace, recorder, outbox } = setup();
    const event = recorder.record('desk', 'good');
    expect(trace).toEqual(['commit good', 'thank good']);
    expect(outbox.pendingAfter(0, 10)).toEqual([event]);
  });

  it('disk full: error pattern, press held in memory with its press time, retried in order, never dropped', async () => {
    const { trace, recorder, outbox, clock } = setup();
    fillDisk(outbox);
    let committed = 0;
    while (recorder.memoryHeld === 0 && committed < 500) {
      if (recorder.record('desk', 'good')) committed++;
      clock.mono += 60_000; // keep misuse flags out of the way
    }
    expect(recorder.memoryHeld).toBe(1);
    expect(recorder.lastError).toMatch(/SQLITE_FULL/);
    expect(trace.slice(-2)).toEqual(['refused good', 'error good']);
    const heldAt = new Date().toISOString();

    await vi.advanceTimersByTimeAsync(500);
    recorder.record('desk', 'bad'); // queues behind the held press: seq keeps press order
    expect(recorder.memoryHeld).toBe(2);
    expect(trace.slice(-2)).toEqual(['refused good', 'error bad']);
    expect(trace).not.toContain('thank bad');

    await vi.advanceTimersByTimeAsync(1000); // retry while still full: still held
    expect(recorder.memoryHeld).toBe(2);

    outbox.db.pragma('max_page_count = 1000000'); // space freed
    await vi.advanceTimersByTimeAsync(1000);
    expect(recorder.memoryHeld).toBe(0);
    expect(recorder.lastError).toBeUndefined();
    const last2 = outbox.pendingAfter(committed, 10);
    expect(last2.map((e) => ('button' in e ? e.button : e.type))).toEqual(['good', 'bad']);
    expect(last2[1]!.seq).toBeGreaterThan(last2[0]!.seq);
    expect(last2[0]!.at).toBe(heldAt); // the original press time, not the commit time
  });

  it('flags repeat and burst from the monotonic clock; flagged presses are stored, not dropped', () => {
    const { recorder, clock, outbox } = setup();
    const flags: string[][] = [];
    for (const gap of [0, 1000, 6000, 500, 500, 500]) {
      clock.mono += gap;
      flags.push(recorder.record('desk', 'good')!.flags);
    }
    expect(flags).toEqual([[], ['repeat'], [], ['repeat'], ['repeat', 'burst'], ['repeat', 'burst']]);
    expect(outbox.stats(Date.now()).pending).toBe(6);
  });

  it('a wall-clock jump backwards does not break the lock-out (monotonic time is used)', () => {
    const { recorder, clock } = setup();
    recorder.record('desk', 'good');
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the wall clock back an hour
    clock.mono += 10_000;
    expect(recorder.record('desk', 'good')!.flags).toEqual([]);
  });
});
