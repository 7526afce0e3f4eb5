/**
 * Index formulas (docs/scores.md explains them) — the ONE place they are spelled out. Pure: counts in,
 * numbers out. Proportions are in [0, 1]; ИЭЛ is in −100…+100 like NPS.
 */
import type { PanelKind } from './contract.js';

/** z for a two-sided 95 % interval. */
export const Z95 = 1.959964;

export type Interval = [lo: number, hi: number];

/** One reported index: the point value, its 95 % interval and the sample size the interval rests on. */
export interface Estimate {
  value: number;
  ci95: Interval;
  n: number;
}

/** Presses of one subject, panel kind and period. `total` = good + neutral + bad (= P); `excluded` (misuse) is in none of them. */
export interface Counts {
  good: number;
  neutral: number;
  bad: number;
  total: number;
  excluded: number;
}

export interface ScoreSettings {
  /** Correction coefficient: the share of silent visitors whose silence is unrelated to dissatisfaction. */
  k: number;
  neutralCountsAsDissatisfied: boolean;
  /** Fewer counted presses than this: `sufficient: false`, never ranked. */
  minSample: number;
}

/** k = 0 is the methodology's default ("the Hamburg score"). */
export const DEFAULT_SCORE_SETTINGS: ScoreSettings = { k: 0, neutralCountsAsDissatisfied: false, minSample: 30 };

/** Something in the inputs that cannot be true; the score is still computed, as described on each. */
export type DataIssue =
  /** V < P: every presser was a visitor, so V is raised to P for ИНК, coverage and conversion (S = 0). */
  | 'visitorsBelowPresses'
  /** sales > V: not a proportion, so conversion is null. */
  | 'salesAboveVisitors';

/**
 * The review of a staff panel's dissatisfied presses (issue 13), among those in `Counts`: how many bad and
 * neutral ones a reviewer classified (any cause), and how many as not caused by staff (office, product, customer).
 */
export interface ReviewCounts {
  reviewedBad: number;
  reviewedNeutral: number;
  notStaffBad: number;
  notStaffNeutral: number;
  /** Of the not-staff ones: classified `office` and `product` (the rest of notStaff is `customer`). */
  officeBad: number;
  officeNeutral: number;
  productBad: number;
  productNeutral: number;
}

/** A share of ИНК's denominator (V, or P) taken by the dissatisfied presses of one cause, and their count. */
export interface CausedEstimate extends Estimate {
  count: number;
}

/**
 * Where a staff panel's dissatisfied presses classified as not caused by staff went (docs/scores.md):
 * each cause's count over ИНК's denominator, so ink = inkQualified + office + product + customer.
 */
export interface CausedBy {
  office: CausedEstimate;
  product: CausedEstimate;
  customer: CausedEstimate;
}

/** ИНК Персонал, qualified: ИНК with the negatives classified as not caused by staff taken out of B′. */
export interface QualifiedEstimate extends Estimate {
  /** Dissatisfied presses not yet classified: still in B′ (a reviewer backlog is shown, never hidden). */
  pending: number;
  /** Dissatisfied presses classified as not caused by staff: taken out of B′. */
  removed: number;
}

export interface Score {
  counts: Counts;
  /** ИНК for staff/office panels; null for loyalty panels, or when its denominator is 0. */
  ink: Estimate | null;
  /** ИНК Персонал, qualified: staff panels only (null otherwise, or when its denominator is 0). */
  inkQualified: QualifiedEstimate | null;
  /** Staff panels: the qualified-out negatives by cause, as shares of ИНК's denominator (null otherwise, or when it is 0). */
  causedBy: CausedBy | null;
  /** ИЭЛ for loyalty panels only; null when P = 0. */
  iel: Estimate | null;
  coverage: Estimate | null;
  csat: Estimate | null;
  conversion: Estimate | null;
  /** P ≥ minSample. Applies to the whole score: rankings leave out the subject. */
  sufficient: boolean;
  /** false when visitors are unknown: ИНК is then B / P and coverage/conversion are null. */
  coverageKnown: boolean;
  dataIssues: DataIssue[];
}

/**
 * Wilson score interval for `successes` out of `n`. `successes` may be fractional (see `inkEstimate`).
 * n = 0 gives [0, 1]: no data rules nothing out. Callers report such an estimate as null anyway.
 */
export function wilson(successes: number, n: number, z: number = Z95): Interval {
  if (!(n >= 0) || !(successes >= 0) || successes > n || !Number.isFinite(n)) {
    throw new RangeError(`wilson: need 0 ≤ successes ≤ n, got ${successes} of ${n}`);
  }
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // The exact interval always contains p; min/max only remove floating-point dust at p = 0 or 1.
  return [Math.min(p, Math.max(0, centre - half)), Math.max(p, Math.min(1, centre + half))];
}

/** successes / n with its Wilson interval; null when n = 0 (the proportion is undefined). */
export function proportion(successes: number, n: number): Estimate | null {
  if (n === 0) return null;
  return { value: successes / n, ci95: wilson(successes, n), n };
}

/**
 * ИЭЛ = (G − B) / P × 100. Interval: adjusted Wald for a net score (Rocks 2016, "Interval estimation
 * for the Net Promoter Score", The American Statistician): add ¾ to G and to B and 3 to P, then Wald on
 * the multinomial variance pG + pB − (pG − pB)². It beat plain Wald (zero width at all-good) and
 * bootstrap in that study. For P ≤ 2 its centre can pull past the point, so the interval is widened to
 * contain it; it is clamped to [−100, 100].
 */
export function ielEstimate(good: number, bad: number, total: number): Estimate | null {
  if (total === 0) return null;
  const value = ((good - bad) / total) * 100;
  const n = total + 3;
  const pg = (good + 0.75) / n;
  const pb = (bad + 0.75) / n;
  const half = Z95 * Math.sqrt((pg + pb - (pg - pb) ** 2) / n);
  const lo = Math.max(-1, pg - pb - half) * 100;
  const hi = Math.min(1, pg - pb + half) * 100;
  return { value, ci95: [Math.min(lo, value), Math.max(hi, value)], n: total };
}

/**
 * ИНК. Visitors known: (B′ + (1 − k)·S) / V with S = max(V − P, 0); B′ = B (+ N when neutral counts as
 * dissatisfied). Unknown: B′ / P. With k > 0 the numerator is fractional; we take Wilson on that
 * effective count. Each visitor then scores 0, 1 − k or 1, and a variable in [0, 1] with mean p has
 * variance ≤ p(1 − p), so the interval is conservative (never too narrow). V < P is handled by the
 * caller passing max(V, P).
 */
export function inkEstimate(c: Counts, visitors: number | undefined, s: ScoreSettings): Estimate | null {
  const dissatisfied = c.bad + (s.neutralCountsAsDissatisfied ? c.neutral : 0);
  if (visitors === undefined) return proportion(dissatisfied, c.total);
  const silent = Math.max(visitors - c.total, 0);
  return proportion(dissatisfied + (1 - s.k) * silent, visitors);
}

/** Coverage P / V: the share of visitors who pressed; V below P is raised to P (every presser was a visitor). */
export function coverageEstimate(presses: number, visitors: number): Estimate | null {
  return proportion(presses, Math.max(visitors, presses));
}

/**
 * ИНК Персонал, qualified: ИНК with B′q = B′ − X in place of B′, where X = the dissatisfied presses a
 * reviewer classified as caused by the office, the product or the customer (neutral ones only when neutral
 * counts as dissatisfied). P, V and S are unchanged: those customers did press, and were visitors. Pending
 * (unclassified) presses stay in B′q and are counted: pending = B′ − reviewed′.
 */
export function inkQualifiedEstimate(c: Counts, r: ReviewCounts, visitors: number | undefined, s: ScoreSettings): QualifiedEstimate | null {
  const neutral = s.neutralCountsAsDissatisfied;
  const removed = r.notStaffBad + (neutral ? r.notStaffNeutral : 0);
  const pending = c.bad - r.reviewedBad + (neutral ? c.neutral - r.reviewedNeutral : 0);
  const qualified = { ...c, bad: c.bad - r.notStaffBad, neutral: c.neutral - r.notStaffNeutral };
  // total (P) stays: inkEstimate takes B′ from bad (+ neutral) and P from total.
  const e = inkEstimate(qualified, visitors, s);
  return e && { ...e, pending, removed };
}

/**
 * The negatives taken out of ИНК Персонал, qualified, by where they moved: `office` (counts against the
 * office: its ИНК Офис beside it), `product` (the product figure) and `customer`. Each is its count C over
 * ИНК's denominator — V when visitors are known (V raised to P as for ИНК), else P — with Wilson on C of it;
 * neutral ones only when neutral counts as dissatisfied. Being over the same denominator, they add up:
 * ИНК = inkQualified + office + product + customer.
 */
export function causedByEstimate(c: Counts, r: ReviewCounts, visitors: number | undefined, s: ScoreSettings): CausedBy | null {
  const n = visitors ?? c.total;
  if (n === 0) return null;
  const neutral = s.neutralCountsAsDissatisfied;
  const share = (bad: number, neutralCount: number): CausedEstimate => {
    const count = bad + (neutral ? neutralCount : 0);
    return { value: count / n, ci95: wilson(count, n), n, count };
  };
  return {
    office: share(r.officeBad, r.officeNeutral),
    product: share(r.productBad, r.productNeutral),
    customer: share(r.notStaffBad - r.officeBad - r.productBad, r.notStaffNeutral - r.officeNeutral - r.productNeutral),
  };
}

export interface ScoreInput {
  panelKind: PanelKind;
  /** Staff panels: the review of their dissatisfied presses (none reviewed when absent). */
  review?: ReviewCounts;
  /** Visitors served in the period (queue system, door counter, manual); undefined when unknown. */
  visitors?: number;
  /** Sales or contracts in the period, for exact conversion. */
  sales?: number;
  settings?: Partial<ScoreSettings>;
}

/** Everything the API serves for one subject, panel kind and period. Throws RangeError on impossible input. */
export function scoreCounts(counts: Counts, input: ScoreInput): Score {
  const settings = { ...DEFAULT_SCORE_SETTINGS, ...input.settings };
  checkInput(counts, input, settings);
  const P = counts.total;
  const dataIssues: DataIssue[] = [];
  let V = input.visitors;
  if (V !== undefined && V < P) {
    dataIssues.push('visitorsBelowPresses');
    V = P;
  }
  let conversion: Estimate | null = null;
  if (V !== undefined && input.sales !== undefined) {
    if (input.sales > V) dataIssues.push('salesAboveVisitors');
    else conversion = proportion(input.sales, V);
  }
  return {
    counts,
    ink: input.panelKind === 'loyalty' ? null : inkEstimate(counts, V, settings),
    inkQualified: input.panelKind === 'staff' ? inkQualifiedEstimate(counts, input.review ?? NO_REVIEW, V, settings) : null,
    causedBy: input.panelKind === 'staff' ? causedByEstimate(counts, input.review ?? NO_REVIEW, V, settings) : null,
    iel: input.panelKind === 'loyalty' ? ielEstimate(counts.good, counts.bad, P) : null,
    coverage: V === undefined ? null : coverageEstimate(P, V),
    csat: proportion(counts.good, P),
    conversion,
    sufficient: P >= settings.minSample,
    coverageKnown: V !== undefined,
    dataIssues,
  };
}

/** No press reviewed. */
export const NO_REVIEW: Readonly<ReviewCounts> = {
  reviewedBad: 0,
  reviewedNeutral: 0,
  notStaffBad: 0,
  notStaffNeutral: 0,
  officeBad: 0,
  officeNeutral: 0,
  productBad: 0,
  productNeutral: 0,
};

function checkInput(c: Counts, input: ScoreInput, s: ScoreSettings): void {
  const r = input.review;
  if (
    r &&
    !(
      r.officeBad + r.productBad <= r.notStaffBad &&
      r.officeNeutral + r.productNeutral <= r.notStaffNeutral &&
      r.notStaffBad <= r.reviewedBad &&
      r.reviewedBad <= c.bad &&
      r.notStaffNeutral <= r.reviewedNeutral &&
      r.reviewedNeutral <= c.neutral
    )
  ) {
    throw new RangeError('review: need office + product ≤ notStaff ≤ reviewed ≤ the presses of each button');
  }
  const counts: Array<[string, number | undefined]> = [
    ['good', c.good],
    ['neutral', c.neutral],
    ['bad', c.bad],
    ['total', c.total],
    ['excluded', c.excluded],
    ['visitors', input.visitors],
    ['sales', input.sales],
  ];
  for (const [name, v] of counts) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw new RangeError(`${name}: must be a non-negative integer, got ${v}`);
    }
  }
  if (c.total !== c.good + c.neutral + c.bad) {
    throw new RangeError(`total: must equal good + neutral + bad (${c.good + c.neutral + c.bad}), got ${c.total}`);
  }
  if (!(s.k >= 0 && s.k <= 1)) throw new RangeError(`k: must be between 0 and 1, got ${s.k}`);
  if (!(Number.isSafeInteger(s.minSample) && s.minSample >= 1)) {
    throw new RangeError(`minSample: must be a positive integer, got ${s.minSample}`);
  }
}
