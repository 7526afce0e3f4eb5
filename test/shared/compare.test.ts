/** The comparison formulas against published figures and their edge cases. */
import { describe, expect, it } from 'vitest';
import { netScoreDifference, proportionDifference, proportionVsReference, twoSidedP, verdict, wilson } from '../../shared/src/index.js';

describe('comparisons (shared/src/compare.ts)', () => {
  it('two-sided p of the normal: 1.96 → 0.05, 2.5758 → 0.01, 0 → 1', () => {
    expect(twoSidedP(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedP(-2.575829)).toBeCloseTo(0.01, 6);
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
  });

  it("Newcombe's hybrid score interval: his 1998 example 56/70 vs 48/80 gives 0.0524 to 0.3339", () => {
    // Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10: θ = 0.2, (0.0524, 0.3339).
    const d = proportionDifference(48, 80, 56, 70);
    expect(d.value).toBeCloseTo(0.2, 12);
    expect(d.ci95[0]).toBeCloseTo(0.0524, 3);
    expect(d.ci95[1]).toBeCloseTo(0.3339, 3);
  });

  it('no variance in either sample: z = 0, not significant; the interval still comes from Wilson', () => {
    const d = proportionDifference(0, 40, 0, 40);
    expect(d.test).toMatchObject({ z: 0, significant: false });
    expect(d.ci95[0]).toBeCloseTo(-wilson(0, 40)[1], 12);
    const n = netScoreDifference({ good: 10, bad: 0, total: 10 }, { good: 10, bad: 0, total: 10 });
    expect(n.test).toMatchObject({ z: 0, significant: false });
  });

  it('the score test against a reference is significant exactly when the reference is outside the Wilson interval', () => {
    const [lo, hi] = wilson(8, 40);
    expect(proportionVsReference(8, 40, lo - 1e-6).significant).toBe(true);
    expect(proportionVsReference(8, 40, lo + 1e-6).significant).toBe(false);
    expect(proportionVsReference(8, 40, hi + 1e-6).significant).toBe(true);
    expect(proportionVsReference(8, 40, hi - 1e-6).significant).toBe(false);
  });

  it('verdicts follow each index: lower ИНК is better, higher CSAT is better', () => {
    const sig = { test: 'x', z: 3, p: 0.001, significant: true };
    expect(verdict('ink', -0.1, sig)).toBe('better');
    expect(verdict('csat', -0.1, sig)).toBe('worse');
    expect(verdict('iel', 5, { ...sig, significant: false })).toBe('notDifferent');
  });
});
