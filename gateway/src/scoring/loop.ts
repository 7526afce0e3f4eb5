/**
 * The check step of the loop, pure: an intervention's before/after windows and what their scores say,
 * and a subject's scores against its business type's reference values. The scores themselves come from
 * scoring/scores.ts (the same numbers the score endpoints serve); the tests from shared/src/compare.ts.
 */
import {
  netScoreDifference,
  netScoreVsReference,
  proportionDifference,
  proportionVsReference,
  verdict,
  type Difference,
  type Estimate,
  type PanelKind,
  type Score,
  type TestResult,
  type Verdict,
} from '../../../shared/src/index.js';
import type { ReferenceIndex, ReferenceValues, ReferenceVersion } from '../domain/loop.js';
import { addDays, formatDay, parseDate } from './calendar.js';

export const DEFAULT_WINDOW_DAYS = 28;
export const MAX_WINDOW_DAYS = 366;
const INDICES: readonly ReferenceIndex[] = ['ink', 'iel', 'csat', 'coverage'];

/**
 * Equal windows either side of the intervention's date: before = [date − days, date), after =
 * [date + 1, date + 1 + days). The day of the intervention itself is in neither: it is part before, part after.
 */
export function interventionWindows(
  date: string,
  days: number,
): { before: { from: string; to: string }; after: { from: string; to: string } } {
  const day = parseDate(date);
  if (day === undefined) throw new RangeError(`date: "${date}" is not a date YYYY-MM-DD`);
  const next = addDays(day, 1);
  return {
    before: { from: formatDay(addDays(day, -days)), to: formatDay(day) },
    after: { from: formatDay(next), to: formatDay(addDays(next, days)) },
  };
}

/** The successes behind a proportion estimate (fractional for ИНК with k > 0), within [0, n] despite float dust. */
const successes = (e: Estimate) => Math.min(e.n, Math.max(0, Math.round(e.value * e.n * 1e9) / 1e9));

export interface IndexEffect {
  before: Estimate | null;
  after: Estimate | null;
  /** after − before; absent until both windows have the minimum sample. */
  difference?: Difference & { verdict: Verdict };
}
export interface KindEffect {
  /** 'notEnoughData': a window has fewer counted presses than minSample ("not enough data yet"). */
  status: 'ok' | 'notEnoughData';
  presses: { before: number; after: number };
  minSample: number;
  indices: Partial<Record<ReferenceIndex, IndexEffect>>;
}

/** Before/after per panel kind and index, from the two windows' scores. */
export function compareWindows(
  before: Partial<Record<PanelKind, Score>>,
  after: Partial<Record<PanelKind, Score>>,
  minSample: number,
): Partial<Record<PanelKind, KindEffect>> {
  const out: Partial<Record<PanelKind, KindEffect>> = {};
  for (const kind of Object.keys(before) as PanelKind[]) {
    const b = before[kind];
    const a = after[kind];
    if (!b || !a) continue;
    const ok = b.sufficient && a.sufficient;
    const indices: Partial<Record<ReferenceIndex, IndexEffect>> = {};
    for (const index of INDICES) {
      const eb = b[index];
      const ea = a[index];
      if (!eb && !ea) continue;
      const effect: IndexEffect = { before: eb, after: ea };
      if (ok && eb && ea) {
        const d = index === 'iel' ? netScoreDifference(b.counts, a.counts) : proportionDifference(successes(eb), eb.n, successes(ea), ea.n);
        effect.difference = { ...d, verdict: verdict(index, d.value, d.test) };
      }
      indices[index] = effect;
    }
    out[kind] = { status: ok ? 'ok' : 'notEnoughData', presses: { before: b.counts.total, after: a.counts.total }, minSample, indices };
  }
  return out;
}

export interface ReferenceCheck {
  reference: number;
  value: number;
  /** Absent when the subject's sample is below minSample: no verdict on noise. */
  test?: TestResult;
  verdict: Verdict | 'insufficientData';
}
export interface ReferenceComparison {
  businessType: string;
  version: number;
  checks: Partial<Record<PanelKind, Partial<Record<ReferenceIndex, ReferenceCheck>>>>;
}

/** The period's scores against the current reference version, for every index that has both a value and a reference. */
export function compareWithReference(scores: Partial<Record<PanelKind, Score>>, ref: ReferenceVersion): ReferenceComparison {
  const checks: ReferenceComparison['checks'] = {};
  for (const [kind, values] of Object.entries(ref.values) as Array<[PanelKind, ReferenceValues[PanelKind]]>) {
    const s = scores[kind];
    if (!s || !values) continue;
    const perIndex: Partial<Record<ReferenceIndex, ReferenceCheck>> = {};
    for (const index of INDICES) {
      const r = values[index];
      const e = s[index];
      if (r === undefined || !e) continue;
      if (!s.sufficient) {
        perIndex[index] = { reference: r, value: e.value, verdict: 'insufficientData' };
        continue;
      }
      const test =
        index === 'iel' ? netScoreVsReference(s.counts.good, s.counts.bad, s.counts.total, r) : proportionVsReference(successes(e), e.n, r);
      perIndex[index] = { reference: r, value: e.value, test, verdict: verdict(index, e.value - r, test) };
    }
    checks[kind] = perIndex;
  }
  return { businessType: ref.businessType, version: ref.version, checks };
}
