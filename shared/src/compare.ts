/**
 * Comparisons between two samples (before/after an intervention) and between a sample and a fixed
 * reference value: the ONE place these test formulas are spelled out (docs/scores.md explains them).
 * Pure: counts in, numbers out. Proportions in [0, 1]; ИЭЛ in −100…+100.
 */
import { erfc } from './alert-stats.js';
import { wilson, Z95, type Interval } from './indices.js';

/** The outcome of a two-sided test at the 5 % level. */
export interface TestResult {
  /** Which test: 'two-proportion z' (pooled), 'net-score z' (Wald), 'one-sample score z', 'adjusted net-score z'. */
  test: string;
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** p < 0.05. */
  significant: boolean;
}

/** after − before, with its 95 % interval and the test of "no change". */
export interface Difference {
  value: number;
  ci95: Interval;
  test: TestResult;
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

function result(test: string, z: number): TestResult {
  const p = twoSidedP(z);
  return { test, z, p, significant: p < 0.05 };
}

/**
 * Change of a proportion from x1/n1 (before) to x2/n2 (after). Interval: Newcombe's hybrid score
 * interval (Newcombe 1998, method 10), built from the two Wilson intervals, so it agrees with the
 * intervals the scores report and stays inside [−1, 1]. Test: the pooled two-proportion z-test,
 * z = (p2 − p1) / √(p̄(1 − p̄)(1/n1 + 1/n2)), p̄ = (x1 + x2) / (n1 + n2). Successes may be fractional
 * (ИНК with k > 0; see inkEstimate). Both samples all-0 or all-1: no variance, z = 0.
 */
export function proportionDifference(x1: number, n1: number, x2: number, n2: number): Difference {
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('proportionDifference: both samples need n > 0');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilson(x1, n1);
  const [l2, u2] = wilson(x2, n2);
  const d = p2 - p1;
  const lo = d - Math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2);
  const hi = d + Math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2);
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { value: d, ci95: [lo, hi], test: result('two-proportion z', se > 0 ? d / se : 0) };
}

/** Variance of one answer scored +1 (good), 0, −1 (bad): pG + pB − (pG − pB)². */
const netVariance = (good: number, bad: number, n: number) => good / n + bad / n - ((good - bad) / n) ** 2;

/**
 * Change of ИЭЛ = (G − B) / P × 100 between two samples: Wald on the difference of two independent net
 * scores, se = √(v1/n1 + v2/n2) with v the multinomial variance above; interval d ± 1.96·se clamped to
 * [−200, 200]. Neither sample varies (both all good, say): z = 0 when equal.
 */
export function netScoreDifference(
  before: { good: number; bad: number; total: number },
  after: { good: number; bad: number; total: number },
): Difference {
  if (!(before.total > 0 && after.total > 0)) throw new RangeError('netScoreDifference: both samples need P > 0');
  const n1 = before.total;
  const n2 = after.total;
  const d = (after.good - after.bad) / n2 - (before.good - before.bad) / n1;
  const se = Math.sqrt(netVariance(before.good, before.bad, n1) / n1 + netVariance(after.good, after.bad, n2) / n2);
  const z = se > 0 ? d / se : d === 0 ? 0 : Math.sign(d) * Number.POSITIVE_INFINITY;
  const ci: Interval = [Math.max(-2, d - Z95 * se) * 100, Math.min(2, d + Z95 * se) * 100];
  return { value: d * 100, ci95: ci, test: result('net-score z', z) };
}

/**
 * A proportion x/n against a fixed reference p0: the one-sample score z-test,
 * z = (x/n − p0) / √(p0(1 − p0)/n). It is the test the Wilson interval inverts: significant exactly when
 * p0 lies outside the reported 95 % interval. p0 of 0 or 1: any other observed value is significant.
 */
export function proportionVsReference(x: number, n: number, p0: number): TestResult {
  if (!(n > 0)) throw new RangeError('proportionVsReference: need n > 0');
  const p = x / n;
  const se = Math.sqrt((p0 * (1 - p0)) / n);
  const z = se > 0 ? (p - p0) / se : p === p0 ? 0 : Math.sign(p - p0) * Number.POSITIVE_INFINITY;
  return result('one-sample score z', z);
}

/**
 * ИЭЛ (×100) against a fixed reference r (×100): z with the adjusted variance ielEstimate's interval uses
 * (¾ added to G and B, 3 to P), so an all-good sample still has a variance.
 */
export function netScoreVsReference(good: number, bad: number, total: number, reference: number): TestResult {
  if (!(total > 0)) throw new RangeError('netScoreVsReference: need P > 0');
  const n = total + 3;
  const se = Math.sqrt(netVariance(good + 0.75, bad + 0.75, n) / n);
  return result('adjusted net-score z', ((good - bad) / total - reference / 100) / se);
}

/** Which way is better for each index: ИНК is dissatisfaction, lower is better; the others higher. */
export const LOWER_IS_BETTER: Readonly<Record<'ink' | 'iel' | 'csat' | 'coverage', boolean>> = {
  ink: true,
  iel: false,
  csat: false,
  coverage: false,
};

export type Verdict = 'better' | 'worse' | 'notDifferent';

/** A significant difference read in the index's direction (value − reference, or after − before). */
export function verdict(index: keyof typeof LOWER_IS_BETTER, difference: number, test: TestResult): Verdict {
  if (!test.significant || difference === 0) return 'notDifferent';
  return difference < 0 === LOWER_IS_BETTER[index] ? 'better' : 'worse';
}
