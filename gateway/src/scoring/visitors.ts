/**
 * When a subject's visitors (or sales) of a period are known: the rule of docs/scores.md, pure — plain
 * data in, decision out, no database. Never compare a period's presses with part of its visitors.
 *
 * Units are either local days (yyyymmdd integers; a day entry is [day, day + 1)) or hour starts in epoch
 * ms (an entry is its [start, end)); spans and entries must use the same unit.
 * - A unit in which an office had presses needs a count: an entry of that office lying wholly inside the
 *   span and containing the unit. A unit with neither presses nor a count is a closed day (or hour).
 * - The span's total is then the sum of its entries; with no entry at all it is unknown.
 * - Several offices (a region, the company): every office must pass; an office with neither presses nor
 *   counts in the span was closed throughout and does not make the others unknown.
 */
import { formatDay } from './calendar.js';
import { localIso } from './periods.js';

export interface Span {
  start: number;
  end: number;
}
/** A unit (local day, or hour start) in which an office had presses. */
export interface ActiveUnit {
  officeId: string;
  at: number;
}
/** A visitor (or sales) count over [start, end) for an office. */
export interface CountEntry {
  officeId: string;
  start: number;
  end: number;
  count: number;
}
export interface SpanCount {
  /** Sum of the span's entries when known, else null. */
  total: number | null;
  /** Per office, the units with presses but no count, ascending. */
  missing: Array<{ officeId: string; units: number[] }>;
  /** Entries lying inside the span. */
  entries: number;
}

/** The rule for each span; spans may overlap or not (each is decided on its own). */
export function countsBySpan(spans: readonly Span[], active: readonly ActiveUnit[], entries: readonly CountEntry[]): SpanCount[] {
  const byStart = [...entries].sort((a, b) => a.start - b.start);
  const units = [...active].sort((a, b) => a.at - b.at);
  const closed: SpanCount = { total: null, missing: [], entries: 0 };
  return spans.map((span) => {
    const inside = between(byStart, span, (e) => e.start).filter((e) => e.end <= span.end);
    const pressed = between(units, span, (a) => a.at);
    if (inside.length === 0 && pressed.length === 0) return { ...closed }; // most hour buckets: a closed hour
    const byOffice = new Map<string, CountEntry[]>();
    for (const e of inside) {
      let list = byOffice.get(e.officeId);
      if (!list) byOffice.set(e.officeId, (list = []));
      list.push(e);
    }
    // Units and each office's entries are both ascending: one pointer per office walks its entries.
    const next = new Map<string, number>();
    const missing = new Map<string, number[]>();
    for (const u of pressed) {
      const list = byOffice.get(u.officeId) ?? [];
      let i = next.get(u.officeId) ?? 0;
      while (i < list.length && list[i]!.end <= u.at) i++;
      next.set(u.officeId, i);
      if (i < list.length && list[i]!.start <= u.at) continue;
      let days = missing.get(u.officeId);
      if (!days) missing.set(u.officeId, (days = []));
      if (days.at(-1) !== u.at) days.push(u.at);
    }
    const known = missing.size === 0 && inside.length > 0;
    return {
      total: known ? inside.reduce((n, e) => n + e.count, 0) : null,
      missing: [...missing].sort(([a], [b]) => (a < b ? -1 : 1)).map(([officeId, list]) => ({ officeId, units: list })),
      entries: inside.length,
    };
  });
}

/** The items of a list sorted by `key` whose key lies in [span.start, span.end). */
function between<T>(sorted: readonly T[], span: Span, key: (t: T) => number): T[] {
  const first = lowerBound(sorted, span.start, key);
  return sorted.slice(first, lowerBound(sorted, span.end, key));
}

function lowerBound<T>(sorted: readonly T[], value: number, key: (t: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]!) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Per office, the local days (YYYY-MM-DD) or hours (local date-time with offset) with presses but no count. */
export interface MissingCounts {
  officeId: string;
  days?: string[];
  hours?: string[];
}

/** Missing units named for people: local dates, or an hour's local start with its offset in `zone`. */
export function nameMissing(missing: SpanCount['missing'], unit: 'day' | { hourIn: string }): MissingCounts[] {
  return missing.map(({ officeId, units }) =>
    unit === 'day' ? { officeId, days: units.map(formatDay) } : { officeId, hours: units.map((t) => localIso(t, unit.hourIn)) },
  );
}
