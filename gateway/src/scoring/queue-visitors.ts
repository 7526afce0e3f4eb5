/**
 * Visitors from the queue system (docs/scores.md, "Visitors from the queue system"), pure: the days the queue
 * fed an office and the tickets served there in, day counts for the rule of visitors.ts out.
 *
 * The queue system sees every desk of an office: on a local day it sent anything for the office (a desk
 * opened or closed, a ticket called or served, a served.csv line), each desk's and each operator's served
 * tickets of that day are known — 0 for one that served nobody. A day it sent nothing is not known: the
 * subject's presses that day leave its period's visitors unknown rather than compared with part of them.
 */
import type { PeriodCount } from '../domain/score.js';
import { addDays, startOfDay } from './calendar.js';

/** Tickets served by a desk or operator on one local day of an office. */
export interface ServedDay {
  day: number;
  served: number;
}

/**
 * One day count per local day the queue fed (`fedDays`) or on which the subject served tickets: its served
 * tickets that day. Counted as `officeId`'s, the day's bounds in `zone`.
 */
export function queueCounts(
  officeId: string,
  zone: string,
  fedDays: readonly number[],
  served: readonly ServedDay[],
  deskId: string | null = null,
): PeriodCount[] {
  return servedByDay(fedDays, served).map(([day, count]) => ({
    officeId,
    deskId,
    day,
    start: startOfDay(day, zone),
    end: startOfDay(addDays(day, 1), zone),
    count,
  }));
}

/** [day, served tickets] for each day fed or with tickets served, ascending. */
export function servedByDay(fedDays: readonly number[], served: readonly ServedDay[]): Array<[day: number, count: number]> {
  const byDay = new Map<number, number>(fedDays.map((d) => [d, 0]));
  for (const s of served) byDay.set(s.day, (byDay.get(s.day) ?? 0) + s.served);
  return [...byDay].sort(([a], [b]) => a - b);
}

/**
 * A desk's counts: its uploaded counts (a people counter at the desk, manual entry) where a day has any,
 * the queue's on the other days — never both for one day, which would count its visitors twice.
 */
export function withQueueCounts(uploaded: readonly PeriodCount[], queue: readonly PeriodCount[]): PeriodCount[] {
  const uploadedDays = new Set(uploaded.map((c) => c.day));
  return [...uploaded, ...queue.filter((c) => !uploadedDays.has(c.day))].sort((a, b) => a.start - b.start);
}
