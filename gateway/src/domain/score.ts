/**
 * What scores are computed from, in domain terms: rollup rows and visitor/sales counts. Times are epoch
 * ms; `day` is a local calendar date as the integer yyyymmdd in the office's time zone.
 */
import type { PanelKind } from '../../../shared/src/index.js';

/** Whose scores: the company, or one region, office, desk or employee. */
export type Subject =
  | { level: 'company' }
  | { level: 'region'; id: string }
  | { level: 'office'; id: string }
  | { level: 'desk'; id: string }
  | { level: 'employee'; id: string };

export interface RawCounts {
  good: number;
  neutral: number;
  bad: number;
  excluded: number;
  /** Of the counted bad / neutral presses: classified by a reviewer, and classified as not caused by staff (domain/case.ts). */
  revBad?: number;
  revNeutral?: number;
  extBad?: number;
  extNeutral?: number;
  /** Of those not caused by staff: classified `office`, and `product` (the rest are `customer`). */
  offBad?: number;
  offNeutral?: number;
  prodBad?: number;
  prodNeutral?: number;
}
/** One rollup group: `unattributed` = staff presses with no employee assigned at the press time. */
export interface CountRow extends RawCounts {
  kind: PanelKind;
  unattributed: boolean;
}
export interface DayRow extends CountRow {
  /** The local day; summed rows (grain month or period): a day of the month (the range) they sum. */
  day: number;
}
/** How day rollups are summed when read: per day, per local month, or over the whole range. */
export type DayGrain = 'day' | 'month' | 'period';
export interface HourRow extends CountRow {
  hourStart: number;
  localHour: number;
  weekday: number;
}
/** An employee's local days with presses in a range, ascending. */
export interface EmployeeDays {
  employeeId: string;
  days: number[];
}
export interface RankRow extends RawCounts {
  id: string;
  officeId: string;
}

/** Visitors or sales over [start, end) (a local hour or day) for an office, or one of its desks. */
export interface PeriodCount {
  officeId: string;
  deskId: string | null;
  start: number;
  end: number;
  day: number;
  count: number;
}

/**
 * What an upload does to the counts of one local day of an office (deskId null) or desk: the stored rows of
 * the other granularity go (every stored row of the day when `replaceAll`), then `counts` are written.
 */
export interface DayCounts {
  officeId: string;
  deskId: string | null;
  day: number;
  hourly: boolean;
  replaceAll: boolean;
  counts: Array<{ start: number; end: number; count: number }>;
}
