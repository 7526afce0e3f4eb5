/**
 * Why customers pressed bad: the counted bad presses of a period that carry a reason (a ReasonEvent's option
 * id), counted per panel kind and reason. Counted = stored, timed and not excluded (neither misuse nor outside
 * an armed window): the same presses as the period's `bad` count, so `reasons` never exceeds it.
 */
import type { PanelKind } from '../../../shared/src/index.js';
import { dayOf, dayToUtc } from './calendar.js';
import type { PeriodPlan } from './scores.js';

/** A counted bad press with a reason: its kind, time and office's time zone. */
export interface ReasonPress {
  kind: PanelKind;
  reason: string;
  t: number;
  zone: string;
}

export type ReasonCounts = Partial<Record<PanelKind, Record<string, number>>>;

/** The instants to read for a period: calendar days widened by a day each side (local days are filtered after). */
export function reasonRange(p: PeriodPlan): { from: number; to: number } {
  if (p.kind === 'instant') return { from: p.from, to: p.to };
  const DAY = 86_400_000; // no office is more than 14 h from UTC
  return { from: dayToUtc(p.fromDay) - DAY, to: dayToUtc(p.toDay) + DAY };
}

/** Per kind, per reason, the presses within the period (local days of each press's office on the calendar path). */
export function countReasons(presses: readonly ReasonPress[], p: PeriodPlan): ReasonCounts {
  const out: ReasonCounts = {};
  for (const r of presses) {
    const inside = p.kind === 'instant' ? r.t >= p.from && r.t < p.to : ((d) => d >= p.fromDay && d < p.toDay)(dayOf(r.t, r.zone));
    if (!inside) continue;
    const byReason = (out[r.kind] ??= {});
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  }
  return out;
}
