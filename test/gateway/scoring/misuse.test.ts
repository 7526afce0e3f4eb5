import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flagPresses, historyFromStored, PanelReplay, quietGapMs, type PanelPress } from '../../../gateway/src/scoring/misuse.js';
import { DEFAULT_MISUSE_RULES, type MisuseRules } from '../../../shared/src/misuse.js';

const rules: MisuseRules = DEFAULT_MISUSE_RULES; // lock-out 5 s; 5 presses within 10 s are a burst
const press = (at: number, panel = 'staff', kioskId = 'k1', seq?: number): PanelPress => ({ kioskId, panel, at, seq });
const flagsOf = (presses: PanelPress[]) => flagPresses(presses, rules).map((p) => p.misuseFlags.join('+') || 'ok');

describe('flagPresses', () => {
  it.each<[string, number[], string[]]>([
    ['presses far apart are all counted', [0, 6_000, 12_000], ['ok', 'ok', 'ok']],
    ['a press inside the lock-out is a repeat', [0, 4_999, 5_000], ['ok', 'repeat', 'ok']],
    ['the lock-out runs from the last counted press', [0, 3_000, 6_000], ['ok', 'repeat', 'ok']],
    [
      'a child mashing one button: one vote, then repeats and a burst',
      [0, 500, 1_000, 1_500, 2_000, 2_500],
      ['ok', 'repeat', 'repeat', 'repeat', 'repeat+burst', 'repeat+burst'],
    ],
  ])('%s', (_name, times, expected) => {
    expect(flagsOf(times.map((t) => press(t)))).toEqual(expected);
  });

  it('judges late arrivals by press time, reporting in input order', () => {
    // The kiosk delivered 3 s late, after the 6 s press: by time it falls in the first press's lock-out.
    expect(flagsOf([press(0), press(6_000), press(3_000)])).toEqual(['ok', 'ok', 'repeat']);
  });

  it('keeps kiosks and panels apart', () => {
    expect(flagsOf([press(0), press(1_000, 'office'), press(2_000, 'staff', 'k2'), press(3_000)])).toEqual(['ok', 'ok', 'ok', 'repeat']);
  });

  it('orders presses of the same millisecond by kiosk sequence number', () => {
    const out = flagPresses([press(1_000, 'staff', 'k1', 8), press(1_000, 'staff', 'k1', 7)], rules);
    expect(out.map((p) => [p.seq, p.misuseFlags])).toEqual([
      [8, ['repeat']],
      [7, []],
    ]);
  });

  it('ignores kiosk hints and keeps every other field', () => {
    const [p] = flagPresses([{ ...press(0), flags: ['repeat'], id: 'e1' }], rules);
    expect(p).toEqual({ kioskId: 'k1', panel: 'staff', at: 0, seq: undefined, flags: ['repeat'], id: 'e1', misuseFlags: [] });
  });

  const times = fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 40 });

  it('does not depend on arrival order', () => {
    fc.assert(
      fc.property(times, fc.infiniteStream(fc.nat()), (ts, noise) => {
        const presses = ts.map((t, i) => press(t, 'staff', 'k1', i));
        const shuffled = presses
          .map((p) => [p, noise.next().value] as const)
          .sort((a, b) => a[1] - b[1])
          .map(([p]) => p);
        const bySeq = (list: ReturnType<typeof flagPresses>) => [...list].sort((a, b) => a.seq! - b.seq!).map((p) => p.misuseFlags);
        expect(bySeq(flagPresses(shuffled, rules))).toEqual(bySeq(flagPresses(presses, rules)));
      }),
    );
  });

  it('re-flagging from a quiet point gives the same flags as from the beginning', () => {
    fc.assert(
      fc.property(
        times.map((ts) => [...ts].sort((a, b) => a - b)),
        (sorted) => {
          const quiet = sorted.findIndex((t, i) => i > 0 && t - sorted[i - 1]! >= quietGapMs(rules));
          fc.pre(quiet > 0);
          const full = flagsOf(sorted.map((t) => press(t)));
          expect(flagsOf(sorted.slice(quiet).map((t) => press(t)))).toEqual(full.slice(quiet));
        },
      ),
    );
  });
});

/** A stored press of one panel: time, kiosk sequence number, stored flag (1: misuse). */
interface Stored {
  t: number;
  seq: number;
  excl: number;
}

/**
 * Re-judges `stored` (sorted by t, seq) from `min` as the store does: the state before `min` from the
 * stored flags of a quiet gap before it, then the windows the replay asks for. Returns the windows read.
 */
function replay(stored: Stored[], min: number, max: number): Array<[number, number]> {
  const quiet = quietGapMs(rules);
  const r = new PanelReplay(historyFromStored(stored.filter((p) => p.t >= min - quiet && p.t <= min - 1)), min, max, rules);
  const windows: Array<[number, number]> = [];
  do {
    windows.push([r.from, r.to]);
    r.judge(stored.filter((p) => p.t >= r.from && p.t <= r.to));
  } while (r.next());
  return windows;
}

describe('PanelReplay', () => {
  it('a late accepted press flips the presses after it, and the replay reads on until a quiet gap without changes', () => {
    // Stored: 0 ok, 7 s ok, 11 s repeat (of 7 s), 20 s ok. The press at 5 s arrives late: accepted (5 s after 0),
    // so 7 s becomes a repeat of it and 11 s, now 6 s after the last accepted press, is counted.
    const stored: Stored[] = [
      { t: 0, seq: 1, excl: 0 },
      { t: 5_000, seq: 5, excl: 0 },
      { t: 7_000, seq: 2, excl: 0 },
      { t: 11_000, seq: 3, excl: 1 },
      { t: 20_000, seq: 4, excl: 0 },
    ];
    const windows = replay(stored, 5_000, 5_000);
    expect(stored.map((p) => p.excl)).toEqual([0, 0, 1, 0, 0]);
    // The last change (11 s) plus the 10 s quiet gap reaches past the first window: one more, then stop.
    expect(windows).toEqual([
      [5_000, 15_000],
      [15_001, 21_000],
    ]);
  });

  it('re-judging from a late press gives the flags of judging the whole panel from scratch', () => {
    // Gaps around the lock-out make long chains: a late press flips presses far beyond one quiet gap.
    const gaps = fc.array(fc.integer({ min: 0, max: 7_000 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(gaps, fc.nat(), fc.infiniteStream(fc.nat()), (steps, pick, seqs) => {
        let t = 0;
        const all = steps.map((gap) => ({ t: (t += gap), seq: seqs.next().value, excl: 0 })).sort((a, b) => a.t - b.t || a.seq - b.seq);
        const late = all[pick % all.length]!;
        // Stored as judged before the late press came; the late press itself stored unjudged (counted).
        const before = flagPresses(
          all.filter((p) => p !== late).map((p) => ({ kioskId: 'k', panel: 'p', at: p.t, seq: p.seq, p })),
          rules,
        );
        for (const f of before) f.p.excl = f.misuseFlags.length ? 1 : 0;
        replay(all, late.t, late.t);
        const fromScratch = flagPresses(
          all.map((p) => ({ kioskId: 'k', panel: 'p', at: p.t, seq: p.seq })),
          rules,
        );
        expect(all.map((p) => p.excl)).toEqual(fromScratch.map((f) => (f.misuseFlags.length ? 1 : 0)));
      }),
    );
  });
});
