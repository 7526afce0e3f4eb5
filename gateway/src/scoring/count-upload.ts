/**
 * A visitor or sales upload, resolved to what it does to each (desk, local day). Entries take effect in
 * order, and a day entry replaces that day's hourly ones and the other way round (docs/gateway.md);
 * reduced here to each day's end state, the days are independent, so the store can write them in
 * transactions of bounded size.
 */
import type { DayCounts } from '../domain/score.js';
import { startOfDay } from './calendar.js';
import { localHour, nextBucketStart, type Span } from './periods.js';

const HOUR = 3_600_000;

/** One entry placed in time: a local hour (`hourly`) or a whole local day of a desk (null: the office). */
export interface PlacedEntry {
  deskId: string | null;
  day: number;
  hourly: boolean;
  start: number;
  end: number;
  count: number;
}

/** Each (desk, day) the entries touch, with its end state: later entries win, and a change of granularity clears the day. */
export function dayReplacements(officeId: string, entries: Iterable<PlacedEntry>): DayCounts[] {
  const days = new Map<string, DayCounts & { byStart: Map<number, Span & { count: number }> }>();
  for (const e of entries) {
    const key = `${e.deskId ?? ''}\u0000${e.day}`;
    let d = days.get(key);
    if (!d)
      days.set(key, (d = { officeId, deskId: e.deskId, day: e.day, hourly: e.hourly, replaceAll: false, counts: [], byStart: new Map() }));
    if (d.hourly !== e.hourly) {
      // This entry deletes every row of the other granularity: the day's stored rows and the upload's own so far.
      d.hourly = e.hourly;
      d.replaceAll = true;
      d.byStart.clear();
    }
    d.byStart.set(e.start, { start: e.start, end: e.end, count: e.count });
  }
  return [...days.values()].map(({ byStart, ...d }) => ({ ...d, counts: [...byStart.values()] }));
}

/**
 * A local day's span and its clock hours (a repeated hour, when clocks go back, is its first occurrence).
 * A 24-hour day has no clock change: its hours follow from midnight without asking Intl 24 more times.
 */
export function localDay(day: number, zone: string): { span: Span; hours: Map<number, Span> } {
  const midnight = startOfDay(day, zone);
  const end = nextBucketStart(midnight, zone, 'day');
  const hours = new Map<number, Span>();
  if (end - midnight === 24 * HOUR) {
    for (let h = 0; h < 24; h++) hours.set(h, { start: midnight + h * HOUR, end: midnight + (h + 1) * HOUR });
    return { span: { start: midnight, end }, hours };
  }
  for (let t = midnight; t < end; ) {
    const next = nextBucketStart(t, zone, 'hour');
    const hour = localHour(t, zone);
    if (!hours.has(hour)) hours.set(hour, { start: t, end: next });
    t = next;
  }
  return { span: { start: midnight, end }, hours };
}
