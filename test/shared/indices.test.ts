import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Static } from 'typebox';
import { ScoreSchema } from '../../shared/src/score-schema.js';
import { checker } from '../../shared/src/validate.js';
import fc from 'fast-check';
import { ielEstimate, scoreCounts, wilson, type Counts, type Estimate, type Interval, type Score } from '../../shared/src/indices.js';

const counts = (good: number, neutral: number, bad: number, excluded = 0): Counts => ({
  good,
  neutral,
  bad,
  total: good + neutral + bad,
  excluded,
});

function expectInterval(actual: Interval, lo: number, hi: number, digits = 4): void {
  expect(actual[0]).toBeCloseTo(lo, digits);
  expect(actual[1]).toBeCloseTo(hi, digits);
}

function expectEstimate(e: Estimate | null, value: number, n: number, lo: number, hi: number): void {
  expect(e).not.toBeNull();
  expect(e!.value).toBeCloseTo(value, 6);
  expect(e!.n).toBe(n);
  expectInterval(e!.ci95, lo, hi);
}

describe('wilson', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", table I.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [0, 10, 0, 0.2775],
  ])('%i of %i → [%f, %f] (published values)', (s, n, lo, hi) => {
    expectInterval(wilson(s, n), lo, hi);
  });

  it('gives [0, 1] for n = 0 and refuses impossible input', () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(() => wilson(-1, 2)).toThrow(RangeError);
    expect(() => wilson(1, Number.NaN)).toThrow(RangeError);
  });

  it('is exactly 0 / 1 at the ends', () => {
    expect(wilson(0, 7)[0]).toBe(0);
    expect(wilson(7, 7)[1]).toBe(1);
  });
});

const trial = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.double({ min: 0, max: n, noNaN: true }), fc.constant(n)));

describe('wilson properties', () => {
  it('contains the proportion and stays in [0, 1], fractional successes included', () => {
    fc.assert(
      fc.property(trial, ([s, n]) => {
        const [lo, hi] = wilson(s, n);
        expect(0 <= lo && lo <= s / n && s / n <= hi && hi <= 1).toBe(true);
      }),
    );
  });

  it('narrows as n grows for a fixed proportion', () => {
    fc.assert(
      fc.property(trial, fc.integer({ min: 2, max: 50 }), ([s, n], m) => {
        const [lo, hi] = wilson(s, n);
        const [loM, hiM] = wilson(s * m, n * m);
        expect(hiM - loM).toBeLessThan(hi - lo);
      }),
    );
  });

  it('is symmetric under swapping successes and failures', () => {
    fc.assert(
      fc.property(trial, ([s, n]) => {
        const [lo, hi] = wilson(s, n);
        expectInterval(wilson(n - s, n), 1 - hi, 1 - lo, 9);
      }),
    );
  });
});

describe('ИЭЛ (adjusted Wald, Rocks 2016)', () => {
  it.each([
    // good, bad, P, value, lo, hi — hand-computed: pG = (G + .75)/(P + 3), pB likewise
    [50, 20, 100, 30, 14.0511, 44.2013],
    [10, 10, 30, 0, -27.5393, 27.5393],
    [0, 0, 1, 0, -60.0114, 60.0114],
  ])('G=%i B=%i P=%i → %f [%f, %f]', (g, b, p, value, lo, hi) => {
    expectEstimate(ielEstimate(g, b, p), value, p, lo, hi);
  });

  it('widens a tiny sample to contain its point (1 good of 1 → 100 in [−48.5, 100])', () => {
    expectEstimate(ielEstimate(1, 0, 1), 100, 1, -48.4986, 100);
  });

  it('is null without presses', () => {
    expect(ielEstimate(0, 0, 0)).toBeNull();
  });

  const trinomial = fc.tuple(fc.nat(2000), fc.nat(2000), fc.nat(2000)).filter(([g, n, b]) => g + n + b > 0);

  it('contains the value, stays in [−100, 100] and mirrors when G and B swap', () => {
    fc.assert(
      fc.property(trinomial, ([g, n, b]) => {
        const e = ielEstimate(g, b, g + n + b)!;
        const [lo, hi] = e.ci95;
        expect(-100 <= lo && lo <= e.value && e.value <= hi && hi <= 100).toBe(true);
        const m = ielEstimate(b, g, g + n + b)!;
        expectInterval(m.ci95, -hi, -lo, 9);
      }),
    );
  });

  it('narrows as the sample grows with the same shares', () => {
    fc.assert(
      fc.property(trinomial, fc.integer({ min: 2, max: 50 }), ([g, n, b], m) => {
        const [lo, hi] = ielEstimate(g, b, g + n + b)!.ci95;
        const [loM, hiM] = ielEstimate(g * m, b * m, (g + n + b) * m)!.ci95;
        expect(hiM - loM).toBeLessThanOrEqual(hi - lo);
      }),
    );
  });
});

describe('scoreCounts', () => {
  const office = counts(20, 10, 5, 3); // P = 35, 3 presses excluded as misuse

  // Hand-computed: S = V − P = 65. ИНК = (B′ + (1 − k)·S) / V, Wilson on that (possibly fractional) count.
  it.each([
    ['k = 0: every silent visitor counts', { k: 0 }, 0.7, 0.604151, 0.781051],
    ['k = 0.5: half of the silent do not', { k: 0.5 }, 0.375, 0.286395, 0.472854],
    ['neutral counts as dissatisfied', { neutralCountsAsDissatisfied: true }, 0.8, 0.711171, 0.866633],
  ])('ИНК with 100 visitors, %s', (_name, settings, value, lo, hi) => {
    const score = scoreCounts(office, { panelKind: 'office', visitors: 100, settings });
    expectEstimate(score.ink, value, 100, lo, hi);
    expect(score.coverageKnown).toBe(true);
    expect(score.dataIssues).toEqual([]);
  });

  it.each([
    ['default', {}, 5 / 35, 0.062602, 0.293756],
    ['neutral counts', { neutralCountsAsDissatisfied: true }, 15 / 35, 0.279846, 0.591426],
    ['k is irrelevant without visitors', { k: 0.9 }, 5 / 35, 0.062602, 0.293756],
  ])('ИНК with unknown visitors is B′ / P (%s), coverage unknown', (_name, settings, value, lo, hi) => {
    const score = scoreCounts(office, { panelKind: 'staff', settings });
    expectEstimate(score.ink, value, 35, lo, hi);
    expect(score.coverageKnown).toBe(false);
    expect(score.coverage).toBeNull();
    expect(score.conversion).toBeNull();
  });

  it('coverage P / V, CSAT G / P and exact conversion sales / V', () => {
    const score = scoreCounts(office, { panelKind: 'office', visitors: 100, sales: 12 });
    expectEstimate(score.coverage, 0.35, 100, 0.263642, 0.447456);
    expectEstimate(score.csat, 20 / 35, 35, 0.408574, 0.720154);
    expectEstimate(score.conversion, 0.12, 100, 0.069994, 0.198121);
    expect(score.counts).toEqual(office);
  });

  it('V < P: visitors raised to P (no silent visitors), flagged', () => {
    const score = scoreCounts(office, { panelKind: 'office', visitors: 20, sales: 30 });
    expectEstimate(score.ink, 5 / 35, 35, 0.062602, 0.293756);
    expectEstimate(score.coverage, 1, 35, 0.901099, 1);
    expectEstimate(score.conversion, 30 / 35, 35, 0.706244, 0.937398);
    expect(score.dataIssues).toEqual(['visitorsBelowPresses']);
  });

  it('sales above visitors: conversion null, flagged', () => {
    const score = scoreCounts(office, { panelKind: 'office', visitors: 100, sales: 101 });
    expect(score.conversion).toBeNull();
    expect(score.dataIssues).toEqual(['salesAboveVisitors']);
  });

  it.each<[string, number | undefined]>([
    ['no visitors known', undefined],
    ['no visitors', 0],
  ])('empty period, %s: every index null, insufficient', (_name, visitors) => {
    const score = scoreCounts(counts(0, 0, 0, 4), { panelKind: 'staff', visitors });
    expect([score.ink, score.iel, score.coverage, score.csat, score.conversion]).toEqual([null, null, null, null, null]);
    expect(score.sufficient).toBe(false);
  });

  it('visitors but no presses: ИНК = 1 with k = 0 (all silent), coverage 0', () => {
    const score = scoreCounts(counts(0, 0, 0), { panelKind: 'staff', visitors: 50 });
    expectEstimate(score.ink, 1, 50, 0.928652, 1);
    expectEstimate(score.coverage, 0, 50, 0, 0.071348);
    expect(score.csat).toBeNull();
  });

  it('ИЭЛ only for loyalty panels, ИНК only for staff and office', () => {
    const loyalty = scoreCounts(counts(50, 30, 20), { panelKind: 'loyalty', visitors: 200 });
    expectEstimate(loyalty.iel, 30, 100, 14.0511, 44.2013);
    expect(loyalty.ink).toBeNull();
    expect(scoreCounts(counts(50, 30, 20), { panelKind: 'staff' }).iel).toBeNull();
  });

  it.each([
    [29, false],
    [30, true],
  ])('P = %i with the default minimum sample 30 → sufficient %s', (good, sufficient) => {
    expect(scoreCounts(counts(good, 0, 0, 100), { panelKind: 'staff' }).sufficient).toBe(sufficient);
  });

  it('honours a configured minimum sample', () => {
    expect(scoreCounts(counts(5, 0, 0), { panelKind: 'staff', settings: { minSample: 5 } }).sufficient).toBe(true);
  });

  it.each([
    ['total mismatch', { ...counts(1, 1, 1), total: 4 }, {}, /total: must equal/],
    ['negative count', counts(-1, 0, 0), {}, /good: must be a non-negative integer/],
    ['fractional visitors', counts(1, 0, 0), { visitors: 2.5 }, /visitors:/],
    ['k above 1', counts(1, 0, 0), { settings: { k: 1.5 } }, /k: must be between 0 and 1/],
    ['minSample 0', counts(1, 0, 0), { settings: { minSample: 0 } }, /minSample:/],
  ])('refuses %s with a message naming the field', (_name, c, extra, message) => {
    expect(() => scoreCounts(c, { panelKind: 'office', ...extra })).toThrow(message);
  });

  it('ИНК falls as k rises, and k does not matter without silent visitors', () => {
    fc.assert(
      fc.property(
        fc.nat(200),
        fc.nat(200),
        fc.nat(200),
        fc.nat(1000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (g, n, b, v, k1, k2) => {
          fc.pre(g + n + b > 0);
          const ink = (k: number) => scoreCounts(counts(g, n, b), { panelKind: 'staff', visitors: v, settings: { k } }).ink!.value;
          const [lo, hi] = k1 <= k2 ? [k1, k2] : [k2, k1];
          expect(ink(hi)).toBeLessThanOrEqual(ink(lo));
          if (v <= g + n + b) expect(ink(hi)).toBe(ink(lo));
        },
      ),
    );
  });

  it('every index stays in range for any counts, visitors and k', () => {
    const arb = fc.record({
      g: fc.nat(500),
      n: fc.nat(500),
      b: fc.nat(500),
      v: fc.option(fc.nat(3000), { nil: undefined }),
      k: fc.double({ min: 0, max: 1, noNaN: true }),
      neutral: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, ({ g, n, b, v, k, neutral }) => {
        const score = scoreCounts(counts(g, n, b), {
          panelKind: 'office',
          visitors: v,
          settings: { k, neutralCountsAsDissatisfied: neutral },
        });
        for (const e of [score.ink, score.coverage, score.csat]) {
          if (e === null) continue;
          expect(0 <= e.ci95[0] && e.ci95[0] <= e.value && e.value <= e.ci95[1] && e.ci95[1] <= 1).toBe(true);
        }
        expect(score.ink === null).toBe(v === undefined ? g + n + b === 0 : Math.max(v, g + n + b) === 0);
      }),
    );
  });
});

describe('ScoreSchema', () => {
  it('describes exactly the Score type, and real scores pass it', () => {
    expectTypeOf<Static<typeof ScoreSchema>>().toEqualTypeOf<Score>();
    const check = checker(ScoreSchema);
    const scores = [
      scoreCounts(counts(50, 30, 20, 2), { panelKind: 'loyalty', visitors: 90, sales: 10 }),
      scoreCounts(counts(0, 0, 0), { panelKind: 'staff' }),
    ];
    for (const score of scores) expect(check.problems(score)).toEqual([]);
  });
});

describe('where qualified-out negatives go (causedBy)', () => {
  const counts = (good: number, neutral: number, bad: number): Counts => ({ good, neutral, bad, total: good + neutral + bad, excluded: 0 });
  // Any review that fits the counts: office + product ≤ not staff ≤ reviewed ≤ each button's presses.
  const ledger = fc.tuple(fc.nat(200), fc.nat(200), fc.nat(200)).chain(([g, n, b]) =>
    fc.record({
      c: fc.constant(counts(g, n, b)),
      bad: fc.tuple(fc.nat(b), fc.nat(b), fc.nat(b), fc.nat(b)).map((x) => x.sort((p, q) => p - q)),
      neutral: fc.tuple(fc.nat(n), fc.nat(n), fc.nat(n), fc.nat(n)).map((x) => x.sort((p, q) => p - q)),
      extra: fc.option(fc.nat(300), { nil: undefined }),
      k: fc.double({ min: 0, max: 1, noNaN: true }),
      neutralCountsAsDissatisfied: fc.boolean(),
    }),
  );
  it('ИНК = inkQualified + office + product + customer, whatever the review, k, visitors and neutral setting', () => {
    fc.assert(
      fc.property(ledger, ({ c, bad, neutral, extra, k, neutralCountsAsDissatisfied }) => {
        // bad = [office, office + product, notStaff, reviewed] as sorted cut points.
        const review = {
          officeBad: bad[0]!,
          productBad: bad[1]! - bad[0]!,
          notStaffBad: bad[2]!,
          reviewedBad: bad[3]!,
          officeNeutral: neutral[0]!,
          productNeutral: neutral[1]! - neutral[0]!,
          notStaffNeutral: neutral[2]!,
          reviewedNeutral: neutral[3]!,
        };
        const visitors = extra === undefined ? undefined : c.total + extra;
        const s = scoreCounts(c, { panelKind: 'staff', review, visitors, settings: { k, neutralCountsAsDissatisfied } });
        if (c.total === 0 && !visitors) {
          expect(s.causedBy).toBeNull();
          return;
        }
        const by = s.causedBy!;
        expect(by.office.value + by.product.value + by.customer.value + s.inkQualified!.value).toBeCloseTo(s.ink!.value, 10);
        const nb = neutralCountsAsDissatisfied ? 1 : 0;
        expect(by.office.count).toBe(review.officeBad + nb * review.officeNeutral);
        expect(by.product.count).toBe(review.productBad + nb * review.productNeutral);
        expect(by.customer.count).toBe(s.inkQualified!.removed - by.office.count - by.product.count);
        expect(by.office.n).toBe(s.ink!.n);
        expect(by.office.ci95).toEqual(wilson(by.office.count, by.office.n));
      }),
    );
  });
  it('is null on office and loyalty panels, and refuses office + product above the not-staff count', () => {
    const review = {
      reviewedBad: 2,
      reviewedNeutral: 0,
      notStaffBad: 1,
      notStaffNeutral: 0,
      officeBad: 1,
      officeNeutral: 0,
      productBad: 1,
      productNeutral: 0,
    };
    expect(scoreCounts(counts(1, 0, 2), { panelKind: 'office' }).causedBy).toBeNull();
    expect(() => scoreCounts(counts(1, 0, 2), { panelKind: 'staff', review })).toThrow(RangeError);
  });
});
