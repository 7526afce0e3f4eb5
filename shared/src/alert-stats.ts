/**
 * The statistics of the alerts' statistical mode (docs/console.md#alerts), pure: is the share in a window
 * significantly worse (or better) than the subject's own baseline? A one-sided two-proportion z-test with
 * the pooled variance; the p-value from the normal tail, computed through erfc so that small p-values
 * (1e-10 and below) keep their digits.
 */

/**
 * erfc(x), Numerical Recipes' Chebyshev fit (`erfcc`): relative error below 1.2e-7 everywhere, which a
 * p-value compared with 0.05 or 0.001 needs no better than.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Successes of n (bad presses of counted presses, say). */
export interface Sample {
  x: number;
  n: number;
}

export interface ProportionTest {
  /** The window's share x/n and the baseline's. */
  share: number;
  baseline: number;
  /** (share − baseline) / √(p̂(1 − p̂)(1/n + 1/n₀)), p̂ the pooled share; 0 when p̂ is 0 or 1. */
  z: number;
  /** One-sided: P(Z ≥ z) for `greater`, P(Z ≤ z) for `less`. */
  pValue: number;
}

/**
 * Tests H₀ "the window's share equals the baseline's" against `greater` (the window's is higher) or
 * `less`. Null when either sample is empty: there is nothing to compare.
 */
export function proportionTest(window: Sample, baseline: Sample, alternative: 'greater' | 'less'): ProportionTest | null {
  for (const [name, s] of [
    ['window', window],
    ['baseline', baseline],
  ] as const) {
    if (!(Number.isSafeInteger(s.x) && Number.isSafeInteger(s.n) && s.x >= 0 && s.x <= s.n)) {
      throw new RangeError(`${name}: need integers 0 ≤ x ≤ n, got ${s.x} of ${s.n}`);
    }
  }
  if (window.n === 0 || baseline.n === 0) return null;
  const share = window.x / window.n;
  const base = baseline.x / baseline.n;
  const pooled = (window.x + baseline.x) / (window.n + baseline.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / window.n + 1 / baseline.n));
  const z = se === 0 ? 0 : (share - base) / se;
  const pValue = se === 0 ? 1 : normalUpperTail(alternative === 'greater' ? z : -z);
  return { share, baseline: base, z, pValue };
}

/**
 * The statistical mode's decision: significant at `confidence` (p < 1 − confidence) and the window holds
 * at least `minSample` presses. Returns the test (or null) and the verdict with its reason.
 */
export function significantShift(
  window: Sample,
  baseline: Sample,
  alternative: 'greater' | 'less',
  opts: { confidence: number; minSample: number },
): { significant: boolean; reason: 'significant' | 'small-sample' | 'no-baseline' | 'not-significant'; test: ProportionTest | null } {
  if (!(opts.confidence > 0 && opts.confidence < 1)) throw new RangeError(`confidence: must be in (0, 1), got ${opts.confidence}`);
  const test = proportionTest(window, baseline, alternative);
  if (window.n < opts.minSample) return { significant: false, reason: 'small-sample', test };
  if (!test) return { significant: false, reason: 'no-baseline', test };
  const significant = test.pValue < 1 - opts.confidence;
  return { significant, reason: significant ? 'significant' : 'not-significant', test };
}
