import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flagPresses, quietGapMs, type PanelPress } from '../../../gateway/src/scoring/misuse.js';
import { DEFAULT_MISUSE_RULES, type MisuseRules } from '../../../shared/src/misuse.js';

const rules: MisuseRules = DEFAULT_MISUSE_RULES; // lock-out 5 s; 5 presses within 10 s are a burst
const press = (at: number, panel = 'staff', kioskId = 'k1', seq?: number): PanelPress => ({ kioskId, panel, at, seq });
const flagsOf = (presses: PanelPress[]) => flagPresses(presses, rules).map((p) => p.misuseFlags.join('+') || 'ok');

describe('flagPresses', () => {
  it.each<[string, number[], string[]]>([
    ['presses far apart are all counted', [0, 6_000, 12_000], ['ok', 'ok', 'ok']],
    ['a press inside the lock-out is a repeat', [0, 4_999, 5_000], ['ok', 'repeat', 'ok']],
    ['the lock-out runs from the last counted press', [0, 3_000, 6_000], ['ok', 'repeat', 'ok']],
    ['a child mashing one button: one vote, then repeats and a burst', [0, 500, 1_000, 1_500, 2_000, 2_500],
      ['ok', 'repeat', 'repeat', 'repeat', 'repeat+burst', 'repeat+burst']],
  ])('%s', (_name, times, expected) => {
    expect(flagsOf(times.map((t) => press(t)))).toEqual(expected);
  });

  it('judges late arrivals by press time, reporting in input order', () => {
    // The kiosk delivered 3 s late, after the 6 s press: by time it falls in the first press's lock-out.
    expect(flagsOf([press(0), press(6_000), press(3_000)])).toEqual(['ok', 'ok', 'repeat']);
  });

  it('keeps kiosks and panels apart', () => {
    expect(flagsOf([press(0), press(1_000, 'office'), press(2_000, 'staff', 'k2'), press(3_000)]))
      .toEqual(['ok', 'ok', 'ok', 'repeat']);
  });

  it('orders presses of the same millisecond by kiosk sequence number', () => {
    const out = flagPresses([press(1_000, 'staff', 'k1', 8), press(1_000, 'staff', 'k1', 7)], rules);
    expect(out.map((p) => [p.seq, p.misuseFlags])).toEqual([[8, ['repeat']], [7, []]]);
  });

  it('ignores kiosk hints and keeps every other field', () => {
    const [p] = flagPresses([{ ...press(0), flags: ['repeat'], id: 'e1' }], rules);
    expect(p).toEqual({ kioskId: 'k1', panel: 'staff', at: 0, seq: undefined, flags: ['repeat'], id: 'e1', misuseFlags: [] });
  });

  const times = fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 40 });

  it('does not depend on arrival order', () => {
    fc.assert(fc.property(times, fc.infiniteStream(fc.nat()), (ts, noise) => {
      const presses = ts.map((t, i) => press(t, 'staff', 'k1', i));
      const shuffled = presses.map((p) => [p, noise.next().value] as const).sort((a, b) => a[1] - b[1]).map(([p]) => p);
      const bySeq = (list: ReturnType<typeof flagPresses>) => [...list].sort((a, b) => a.seq! - b.seq!).map((p) => p.misuseFlags);
      expect(bySeq(flagPresses(shuffled, rules))).toEqual(bySeq(flagPresses(presses, rules)));
    }));
  });

  it('re-flagging from a quiet point gives the same flags as from the beginning', () => {
    fc.assert(fc.property(times.map((ts) => [...ts].sort((a, b) => a - b)), (sorted) => {
      const quiet = sorted.findIndex((t, i) => i > 0 && t - sorted[i - 1]! >= quietGapMs(rules));
      fc.pre(quiet > 0);
      const full = flagsOf(sorted.map((t) => press(t)));
      expect(flagsOf(sorted.slice(quiet).map((t) => press(t)))).toEqual(full.slice(quiet));
    }));
  });
});
