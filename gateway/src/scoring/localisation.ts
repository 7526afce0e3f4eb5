/**
 * The primary localisation of dissatisfaction (issue 13): of the negative answers a reviewer classified,
 * the share caused by staff, the office, the product, the customer, or unknown — per office and in all,
 * each share with its 95 % Wilson interval over the classified ones (shared/src/indices.ts). Pending
 * cases are in no share and are counted beside them, so a backlog is visible. Pure.
 */
import { proportion, type Estimate } from '../../../shared/src/index.js';
import { CAUSES, type Cause } from '../domain/case.js';

export interface Localisation {
  /** null: all the offices asked for together. */
  officeId: string | null;
  /** Dissatisfied presses (cases) in the period: classified + pending. */
  cases: number;
  classified: number;
  pending: number;
  /** Per cause: how many, and their share of the classified ones (null when none is classified). */
  causes: Record<Cause, { n: number; share: Estimate | null }>;
}

export function localise(
  officeIds: readonly string[],
  counts: ReadonlyArray<{ officeId: string; cause: Cause | null; n: number }>,
): {
  offices: Localisation[];
  total: Localisation;
} {
  const tally = (rows: typeof counts, officeId: string | null): Localisation => {
    const by = new Map<Cause | null, number>();
    for (const r of rows) by.set(r.cause, (by.get(r.cause) ?? 0) + r.n);
    const pending = by.get(null) ?? 0;
    const classified = CAUSES.reduce((sum, c) => sum + (by.get(c) ?? 0), 0);
    const causes = Object.fromEntries(
      CAUSES.map((c) => [c, { n: by.get(c) ?? 0, share: proportion(by.get(c) ?? 0, classified) }]),
    ) as Localisation['causes'];
    return { officeId, cases: classified + pending, classified, pending, causes };
  };
  return {
    offices: officeIds.map((id) =>
      tally(
        counts.filter((r) => r.officeId === id),
        id,
      ),
    ),
    total: tally(counts, null),
  };
}
