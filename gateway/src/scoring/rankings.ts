/**
 * Rankings compare like with like, pure: subjects with their counts and (known or unknown) visitors in,
 * the ranked list and who was left out (and why) out. An ИНК ranking has one basis for every item:
 * `visitors` — (B′ + (1 − k)·S) / V, subjects whose visitors are unknown are left out — or `presses`
 * — B′ / P for all. ИЭЛ and CSAT are shares of presses: their basis is always `presses`.
 */
import { scoreCounts, type Counts, type Interval, type PanelKind } from '../../../shared/src/index.js';
import type { MissingCounts } from './visitors.js';

export type Basis = 'visitors' | 'presses';
export type RankIndex = 'ink' | 'iel' | 'csat';
export type LeftOutReason = 'visitorsUnknown' | 'insufficientSample';

export interface RankSubject {
  id: string;
  /** null for a region. */
  officeId: string | null;
  counts: Counts;
  /** The subject's correction coefficient (its office's, else the company's). */
  k: number;
  /** Visitors of the period by the rule of visitors.ts; null when unknown (always for employees). */
  visitors: number | null;
  /** What lacks a visitor count, when visitors are unknown. */
  visitorsMissing?: MissingCounts[];
}

export interface RankedItem {
  rank: number;
  id: string;
  officeId: string | null;
  value: number;
  ci95: Interval;
  n: number;
  counts: Counts;
  /** The subject's visitors are known for the period (whatever the basis). */
  coverageKnown: boolean;
}

export interface LeftOut { id: string; officeId: string | null; reason: LeftOutReason; visitorsMissing?: MissingCounts[] }

export interface Ranking {
  items: RankedItem[];
  leftOut: number;
  leftOutReasons: Record<LeftOutReason, number>;
  leftOutSubjects: LeftOut[];
}

export interface RankOptions {
  index: RankIndex;
  kind: PanelKind;
  basis: Basis;
  neutralCountsAsDissatisfied: boolean;
  minSample: number;
}

export function rankSubjects(subjects: readonly RankSubject[], o: RankOptions): Ranking {
  const items: Omit<RankedItem, 'rank'>[] = [];
  const leftOut: LeftOut[] = [];
  for (const s of subjects) {
    const useVisitors = o.index === 'ink' && o.basis === 'visitors';
    if (useVisitors && s.visitors === null) {
      leftOut.push({ id: s.id, officeId: s.officeId, reason: 'visitorsUnknown', ...(s.visitorsMissing ? { visitorsMissing: s.visitorsMissing } : {}) });
      continue;
    }
    const score = scoreCounts(s.counts, {
      panelKind: o.kind,
      settings: { k: s.k, neutralCountsAsDissatisfied: o.neutralCountsAsDissatisfied, minSample: o.minSample },
      ...(useVisitors ? { visitors: s.visitors! } : {}),
    });
    const estimate = score[o.index];
    if (!score.sufficient || !estimate) {
      if (s.counts.total > 0 || s.counts.excluded > 0) leftOut.push({ id: s.id, officeId: s.officeId, reason: 'insufficientSample' });
      continue;
    }
    items.push({ id: s.id, officeId: s.officeId, value: estimate.value, ci95: estimate.ci95, n: estimate.n, counts: s.counts, coverageKnown: s.visitors !== null });
  }
  // Lower dissatisfaction ranks first; for ИЭЛ and CSAT higher is better. Ties by id, so the order is stable.
  items.sort((a, b) => (o.index === 'ink' ? a.value - b.value : b.value - a.value) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  leftOut.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    items: items.map((item, i) => ({ rank: i + 1, ...item })),
    leftOut: leftOut.length,
    leftOutReasons: {
      visitorsUnknown: leftOut.filter((l) => l.reason === 'visitorsUnknown').length,
      insufficientSample: leftOut.filter((l) => l.reason === 'insufficientSample').length,
    },
    leftOutSubjects: leftOut,
  };
}
