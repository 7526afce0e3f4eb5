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

/** The CUSUM's figures as an alert states them. */
export interface CusumState {
  /** The CUSUM at the window's last press, and the limit it must reach. */
  value: number;
  limit: number;
  /** The baseline's share (smoothed: (x + ½)/(n + 1), never 0 or 1) and the shifted share the CUSUM watches for. */
  p0: number;
  p1: number;
  oddsRatio: number;
}

/**
 * The limit h for a CUSUM of log-likelihood ratios at `confidence`: ln(1/(1 − confidence)). The CUSUM at the
 * last press is the largest sum of the log-likelihood ratios of a run of the latest presses; read backwards
 * those sums are a random walk whose likelihood ratio is a martingale of mean 1 under the baseline, so by
 * Ville's inequality P(CUSUM ≥ h) ≤ e^−h = 1 − confidence at any one evaluation.
 */
export function cusumLimit(confidence: number): number {
  return Math.log(1 / (1 - confidence));
}

/**
 * The Bernoulli CUSUM (Steiner, Cook, Farewell & Treasure 2000, constant risk) of `outcomes` in time order,
 * true = the watched kind (a bad press, say): S₀ = 0, Sₜ = max(0, Sₜ₋₁ + wₜ) with the log-likelihood ratio
 * of the share p₁ whose odds are `oddsRatio` times p₀'s: w = ln R − ln(1 − p₀ + R·p₀) for a watched press,
 * −ln(1 − p₀ + R·p₀) for another.
 */
export function bernoulliCusum(outcomes: readonly boolean[], p0: number, oddsRatio: number): number {
  const down = -Math.log(1 - p0 + oddsRatio * p0);
  const up = Math.log(oddsRatio) + down;
  let s = 0;
  for (const o of outcomes) s = Math.max(0, s + (o ? up : down));
  return s;
}

/**
 * The statistical mode's decision with the CUSUM: the window holds at least `minSample` presses, the
 * baseline at least one, and the CUSUM of the window's presses (in time order) is at or over its limit.
 */
export function cusumShift(
  outcomes: readonly boolean[],
  baseline: Sample,
  opts: { confidence: number; minSample: number; oddsRatio: number },
): { significant: boolean; reason: 'significant' | 'small-sample' | 'no-baseline' | 'not-significant'; cusum: CusumState | null } {
  if (!(opts.confidence > 0 && opts.confidence < 1)) throw new RangeError(`confidence: must be in (0, 1), got ${opts.confidence}`);
  if (!(opts.oddsRatio > 1)) throw new RangeError(`oddsRatio: must be above 1, got ${opts.oddsRatio}`);
  let cusum: CusumState | null = null;
  if (baseline.n > 0) {
    const p0 = (baseline.x + 0.5) / (baseline.n + 1);
    const r = opts.oddsRatio;
    cusum = {
      value: bernoulliCusum(outcomes, p0, r),
      limit: cusumLimit(opts.confidence),
      p0,
      p1: (r * p0) / (1 - p0 + r * p0),
      oddsRatio: r,
    };
  }
  if (outcomes.length < opts.minSample) return { significant: false, reason: 'small-sample', cusum };
  if (!cusum) return { significant: false, reason: 'no-baseline', cusum };
  const significant = cusum.value >= cusum.limit;
  return { significant, reason: significant ? 'significant' : 'not-significant', cusum };
}
