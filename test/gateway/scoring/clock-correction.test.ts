import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { correctClock, type BootTimedEvent } from '../../../gateway/src/scoring/clock-correction.js';

const T = Date.parse('2026-03-02T10:00:00Z');
const BOGUS = Date.parse('2000-01-01T00:00:00Z'); // an RTC-less board before NTP
const ev = (id: string, bootId: string, uptimeMs: number, at: number, clockSynced: boolean) => ({ id, bootId, uptimeMs, at, clockSynced });

describe('correctClock', () => {
  it('corrects from a later synced event of the same boot', () => {
    const [early, synced] = correctClock([ev('p1', 'b1', 10_000, BOGUS + 10_000, false), ev('p2', 'b1', 70_000, T + 60_000, true)]);
    expect(early).toMatchObject({ id: 'p1', correctedAt: T, timeSource: 'corrected', timeUncertain: false });
    expect(synced).toMatchObject({ id: 'p2', correctedAt: T + 60_000, timeSource: 'synced', timeUncertain: false });
  });

  it('corrects from an earlier synced event when the clock lost sync later', () => {
    const [, lost] = correctClock([ev('p1', 'b1', 5_000, T, true), ev('p2', 'b1', 65_000, BOGUS, false)]);
    expect(lost).toMatchObject({ correctedAt: T + 60_000, timeSource: 'corrected' });
  });

  it.each([
    ['the nearer later one', 90_000, T + 100_000 + 500 - 10_000],
    ['the nearer earlier one', 10_000, T + 10_000],
    ['the later one on a tie', 50_000, T + 100_000 + 500 - 50_000],
  ])('prefers %s', (_name, uptimeMs, correctedAt) => {
    // The board's oscillator ran 0.5 s slow over 100 s: the two anchors disagree slightly.
    const events = [ev('a', 'b1', 0, T, true), ev('b', 'b1', 100_000, T + 100_500, true), ev('p', 'b1', uptimeMs, BOGUS, false)];
    expect(correctClock(events)[2]!.correctedAt).toBe(correctedAt);
  });

  it('leaves the time and marks it uncertain when its boot has no synced event', () => {
    const [p] = correctClock([ev('p1', 'b1', 10_000, BOGUS, false), ev('p2', 'b2', 70_000, T, true)]);
    expect(p).toMatchObject({ correctedAt: BOGUS, timeSource: 'uncertain', timeUncertain: true });
  });

  it('keeps input order and every other field, and handles no events', () => {
    const events = [ev('z', 'b1', 3, BOGUS, false), ev('y', 'b1', 1, T, true), ev('x', 'b9', 2, BOGUS, false)];
    expect(correctClock(events).map((e) => [e.id, e.bootId, e.uptimeMs, e.at])).toEqual(
      events.map((e) => [e.id, e.bootId, e.uptimeMs, e.at]),
    );
    expect(correctClock([])).toEqual([]);
  });

  it('recovers the true time of every unsynced press of a boot that synced at least once', () => {
    const boot = fc.record({
      start: fc.integer({ min: T, max: T + 1e10 }),
      presses: fc.array(fc.tuple(fc.nat(10_000_000), fc.boolean(), fc.integer({ min: -1e9, max: 1e9 })), { minLength: 1, maxLength: 30 }),
    });
    fc.assert(
      fc.property(boot, ({ start, presses }) => {
        fc.pre(presses.some(([, synced]) => synced));
        const events: BootTimedEvent[] = presses.map(([uptimeMs, synced, skew]) => ({
          bootId: 'b',
          uptimeMs,
          at: start + uptimeMs + (synced ? 0 : skew),
          clockSynced: synced,
        }));
        for (const e of correctClock(events)) expect(e.correctedAt).toBe(start + e.uptimeMs);
      }),
    );
  });
});
