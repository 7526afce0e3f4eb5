import { describe, expect, it } from 'vitest';
import {
  bernoulliCusum,
  cusumLimit,
  cusumShift,
  erfc,
  normalUpperTail,
  proportionTest,
  significantShift,
} from '../../shared/src/alert-stats.js';

describe('normal tail', () => {
  // Standard normal table: the one-sided critical values of 90 %, 95 %, 97.5 %, 99 %, 99.9 %.
  it.each([
    [1.281552, 0.1],
    [1.644854, 0.05],
    [1.959964, 0.025],
    [2.326348, 0.01],
    [3.090232, 0.001],
  ])('P(Z ≥ %f) = %f', (z, p) => {
    expect(normalUpperTail(z)).toBeCloseTo(p, 6);
    expect(normalUpperTail(-z)).toBeCloseTo(1 - p, 6);
  });

  it('keeps its digits far in the tail: erfc(5) = 1.5375e-12, P(Z ≥ 6) = 9.8659e-10', () => {
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 5);
    expect(normalUpperTail(6) / 9.865876450377e-10).toBeCloseTo(1, 5);
    expect(erfc(0)).toBeCloseTo(1, 7);
  });
});

describe('one-sided two-proportion z-test', () => {
  it('20 of 40 against 20 of 200: pooled 1/6, z = 0.4·√240 = 6.19677', () => {
    const t = proportionTest({ x: 20, n: 40 }, { x: 20, n: 200 }, 'greater')!;
    expect(t.share).toBe(0.5);
    expect(t.baseline).toBe(0.1);
    // se = √(1/6 · 5/6 · (1/40 + 1/200)) = √(1/240)
    expect(t.z).toBeCloseTo(0.4 * Math.sqrt(240), 9);
    expect(t.pValue / normalUpperTail(0.4 * Math.sqrt(240))).toBeCloseTo(1, 9);
    expect(t.pValue).toBeLessThan(1e-9);
  });

  it('6 of 40 against 20 of 200: z = 0.05/√(26/240 · (1 − 26/240) · 0.03) = 0.92881, p = 0.17649', () => {
    const t = proportionTest({ x: 6, n: 40 }, { x: 20, n: 200 }, 'greater')!;
    expect(t.z).toBeCloseTo(0.05 / Math.sqrt((26 / 240) * (214 / 240) * 0.03), 9);
    expect(t.z).toBeCloseTo(0.92881, 5);
    expect(t.pValue).toBeCloseTo(0.17649, 5);
  });

  it('`less` tests the other tail (a better window for positive alerts)', () => {
    const worse = proportionTest({ x: 6, n: 40 }, { x: 20, n: 200 }, 'less')!;
    expect(worse.pValue).toBeCloseTo(1 - 0.17649, 5);
  });

  it('no difference to test when every press in both is bad, or a sample is empty', () => {
    expect(proportionTest({ x: 5, n: 5 }, { x: 9, n: 9 }, 'greater')).toMatchObject({ z: 0, pValue: 1 });
    expect(proportionTest({ x: 0, n: 0 }, { x: 9, n: 90 }, 'greater')).toBeNull();
    expect(proportionTest({ x: 1, n: 3 }, { x: 0, n: 0 }, 'greater')).toBeNull();
  });

  it('refuses impossible samples', () => {
    expect(() => proportionTest({ x: 5, n: 4 }, { x: 1, n: 9 }, 'greater')).toThrow(RangeError);
    expect(() => proportionTest({ x: 1.5, n: 4 }, { x: 1, n: 9 }, 'greater')).toThrow(/window/);
  });
});

describe('significantShift: the statistical mode’s verdict', () => {
  const opts = { confidence: 0.95, minSample: 30 };

  it('3 of 4 bad is "significant" by the test alone, yet never fires under the minimum sample', () => {
    // p̂ = 13/104, z = 0.65/√(0.125 · 0.875 · 0.26) = 3.8545: p ≈ 5.8e-5, far below 0.05.
    const v = significantShift({ x: 3, n: 4 }, { x: 10, n: 100 }, 'greater', opts);
    expect(v.test!.z).toBeCloseTo(0.65 / Math.sqrt(0.125 * 0.875 * 0.26), 9);
    expect(v.test!.pValue).toBeLessThan(1e-4);
    expect(v).toMatchObject({ significant: false, reason: 'small-sample' });
  });

  it('a real shift over enough presses fires; a small wobble does not', () => {
    expect(significantShift({ x: 20, n: 40 }, { x: 20, n: 200 }, 'greater', opts)).toMatchObject({
      significant: true,
      reason: 'significant',
    });
    expect(significantShift({ x: 6, n: 40 }, { x: 20, n: 200 }, 'greater', opts)).toMatchObject({
      significant: false,
      reason: 'not-significant',
    });
  });

  it('no baseline, no verdict; a stricter confidence needs more evidence', () => {
    expect(significantShift({ x: 20, n: 40 }, { x: 0, n: 0 }, 'greater', opts).reason).toBe('no-baseline');
    // z = 0.92881 → p = 0.1765: significant at 80 %, not at 95 %.
    expect(significantShift({ x: 6, n: 40 }, { x: 20, n: 200 }, 'greater', { confidence: 0.8, minSample: 30 }).significant).toBe(true);
    expect(() => significantShift({ x: 6, n: 40 }, { x: 20, n: 200 }, 'greater', { confidence: 1, minSample: 30 })).toThrow(RangeError);
  });
});

describe('Bernoulli CUSUM', () => {
  // Baseline 19 bad of 199: p₀ = 19.5 / 200 = 0.0975; odds ratio 2: 1 − p₀ + 2p₀ = 1.0975.
  const p0 = 0.0975;
  const down = -Math.log(1.0975); // −0.093032 for a good press
  const up = Math.log(2) + down; // +0.600115 for a bad one

  it('adds ln 2 − ln 1.0975 per bad press, subtracts ln 1.0975 per good one, never below 0', () => {
    expect(bernoulliCusum([true, true, false, true], p0, 2)).toBeCloseTo(3 * up + down, 12); // 1.707313
    expect(bernoulliCusum([true, false, false, false, false, false, false, false], p0, 2)).toBe(0); // 0.60 − 7·0.093 < 0
    expect(bernoulliCusum([false, false, true], p0, 2)).toBeCloseTo(up, 12); // the goods before do not bank credit
  });

  it('its limit at 95 % is ln 20 = 2.9957', () => {
    expect(cusumLimit(0.95)).toBeCloseTo(2.995732, 6);
    expect(cusumLimit(0.99)).toBeCloseTo(Math.log(100), 12);
  });

  it('never decides on fewer than minSample presses, nor without a baseline; fires at the limit', () => {
    const opts = { confidence: 0.95, minSample: 10, oddsRatio: 2 };
    const sixBad = Array.from({ length: 6 }, () => true);
    const small = cusumShift(sixBad, { x: 19, n: 199 }, opts);
    expect(small.cusum!.value).toBeCloseTo(6 * up, 12); // 3.60: over the limit, but 6 < 10 presses
    expect(small).toMatchObject({ significant: false, reason: 'small-sample' });
    expect(cusumShift([...sixBad, false, false, false, false], { x: 0, n: 0 }, opts)).toMatchObject({
      significant: false,
      reason: 'no-baseline',
      cusum: null,
    });
    // 4 goods then 6 bads: 6·0.600115 = 3.6007 ≥ 2.9957. 6 bads then 4 goods: 3.6007 − 4·0.093032 = 3.2285, still ≥.
    const shifted = cusumShift([false, false, false, false, ...sixBad], { x: 19, n: 199 }, opts);
    expect(shifted).toMatchObject({ significant: true, reason: 'significant' });
    expect(shifted.cusum).toMatchObject({ p0, oddsRatio: 2 });
    expect(shifted.cusum!.limit).toBeCloseTo(Math.log(20), 12);
    expect(shifted.cusum!.p1).toBeCloseTo((2 * p0) / 1.0975, 12); // 0.17768: odds doubled
    // 1 bad in 10 (the baseline's rate): 0.600115 − 9·0.093032 < 0 → 0.
    const noise = cusumShift([true, ...Array.from({ length: 9 }, () => false)], { x: 19, n: 199 }, opts);
    expect(noise).toMatchObject({ significant: false, reason: 'not-significant', cusum: { value: 0 } });
  });

  it('false alarms at the baseline rate stay under 1 − confidence (Ville); a doubled rate is caught', () => {
    // mulberry32 with a fixed seed: the same draws every run.
    let a = 42;
    const random = () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
    const opts = { confidence: 0.95, minSample: 30, oddsRatio: 2 };
    const rate = (p: number) => {
      let alarms = 0;
      for (let i = 0; i < 4000; i++) {
        const outcomes = Array.from({ length: 200 }, () => random() < p);
        if (cusumShift(outcomes, { x: 100, n: 999 }, opts).significant) alarms++;
      }
      return alarms / 4000;
    };
    expect(rate(0.1)).toBeLessThan(0.05); // windows of 200 presses at the baseline's 10 %
    expect(rate(0.2)).toBeGreaterThan(0.9); // at 20 %
    expect(() => cusumShift([], { x: 1, n: 2 }, { ...opts, oddsRatio: 1 })).toThrow(/oddsRatio/);
  });
});
