/**
 * Scores of a subject over a period, from the rollups: counts per panel kind and bucket, then the indices
 * of docs/scores.md (shared/src/indices.ts `scoreCounts`). Pure, in two steps: `planScores` says what to
 * read, `scoreSubject` decides from what was read (store/scores.ts reads it). Two paths:
 * - calendar: from/to are local dates (any subject; buckets none/day/week/month) — day rollups;
 * - instants: from/to are date-times, or bucket=hour (one time zone only) — hour rollups, the range
 *   widened to whole local hours (the rollup resolution).
 */
import type { ReasonCounts } from './reasons.js';
import {
  NO_REVIEW,
  PANEL_KINDS,
  scoreCounts,
  type CausedBy,
  type Counts,
  type PanelKind,
  type ReviewCounts,
  type Score,
} from '../../../shared/src/index.js';
import type { CompanySettings, Office } from '../domain/organisation.js';
import type { CountRow, DayGrain, DayRow, HourRow, PeriodCount, RawCounts, Subject } from '../domain/score.js';
import {
  addDays,
  calendarSpans,
  dayOf,
  daysBetween,
  formatDay,
  parseDate,
  previousDates,
  startOfDay,
  type CalendarBucket,
} from './calendar.js';
import { bucketStart, bucketsBetween, localIso, nextBucketStart, previousPeriod, type Granularity, type Span } from './periods.js';
import { countsBySpan, nameMissing, type ActiveUnit, type CountEntry, type MissingCounts, type SpanCount } from './visitors.js';

export class ScoreInputError extends Error {}

export interface ScoreQuery {
  from: string;
  to: string;
  bucket: Granularity;
}
export interface SubjectInfo {
  subject: Subject;
  /** The subject's time zone; null for region/company (offices may differ). */
  zone: string | null;
  /** Offices whose visitor/sales counts apply: the office itself, or all offices of a region/company. */
  officeIds: string[];
  /** Visitor/sales counts of this desk instead of the office's. */
  deskId: string | null;
  /** Visitor (and sales) counts apply; false for an employee of no office. */
  visitorsApply: boolean;
  /**
   * Visitors from the queue system's served tickets (scoring/queue-visitors.ts): an employee's (their only
   * source), a desk's (on days without an uploaded desk count); null for offices, regions and the company.
   */
  queue: 'desk' | 'employee' | null;
  /** Office k overrides the company's. */
  k: number | null;
}

/** A region's scoring context: its offices' zones may differ. */
export function regionSubject(id: string, officeIds: string[]): SubjectInfo {
  return { subject: { level: 'region', id }, zone: null, officeIds, deskId: null, visitorsApply: true, queue: null, k: null };
}

export function companySubject(officeIds: string[]): SubjectInfo {
  return { subject: { level: 'company' }, zone: null, officeIds, deskId: null, visitorsApply: true, queue: null, k: null };
}

/** An office's, desk's or employee's scoring context, from its office (none: an employee of no office). */
export function officeSubject(level: 'office' | 'desk' | 'employee', id: string, office: Office | undefined): SubjectInfo {
  return {
    subject: { level, id },
    zone: office?.timeZone ?? 'UTC',
    officeIds: office ? [office.id] : [],
    deskId: level === 'desk' ? id : null,
    visitorsApply: true,
    queue: level === 'office' ? null : level,
    k: office?.k ?? null,
  };
}

export interface PeriodScore {
  start: string;
  end: string;
  /** start and end as local date-times with their UTC offset; single-office subjects only. */
  localStart?: string;
  localEnd?: string;
  scores: Partial<Record<PanelKind, Score>>;
  /** Staff presses with nobody assigned to the desk at the press time: in the office's counts, no employee's. */
  unattributed: Counts;
  visitors: number | null;
  sales: number | null;
  /** Why visitors (sales) are unknown: what lacks a count (an employee's: the days their presses lack queue data). */
  visitorsMissing?: MissingCounts[];
  salesMissing?: MissingCounts[];
}

export interface SubjectScores {
  from: string;
  to: string;
  bucket: Granularity;
  timeZone: string | null;
  total: PeriodScore;
  previous: PeriodScore;
  /** Current minus previous index values, per kind; null where either is missing. */
  change: Partial<
    Record<
      PanelKind,
      {
        ink: number | null;
        inkQualified: number | null;
        iel: number | null;
        csat: number | null;
        coverage: number | null;
        causedBy: Record<keyof CausedBy, number> | null;
      }
    >
  >;
  buckets: PeriodScore[];
  byHourOfDay: Array<{ hour: number; scores: Partial<Record<PanelKind, Score>> }>;
  byWeekday: Array<{ weekday: number; scores: Partial<Record<PanelKind, Score>> }>;
  /** Counts per local (weekday, hour of day) with presses, per kind: a heat map's cells without a request per hour. */
  byWeekdayHour: Array<{ weekday: number; hour: number; counts: Partial<Record<PanelKind, Counts>> }>;
  timeUncertain: number;
  /** Counted bad presses of the period by the reason the customer gave (scoring/reasons.ts); absent when none gave one. */
  reasons?: ReasonCounts;
}

type Acc = { kinds: Map<PanelKind, Counts>; reviews: Map<PanelKind, ReviewCounts>; unattributed: Counts };
const zero = (): Counts => ({ good: 0, neutral: 0, bad: 0, total: 0, excluded: 0 });
const noReview = (): ReviewCounts => ({ ...NO_REVIEW });
const newAcc = (): Acc => ({ kinds: new Map(), reviews: new Map(), unattributed: zero() });

/** Adds a rollup row's review counts (issue 13) to `r`. */
export function addReview(r: ReviewCounts, row: RawCounts): void {
  r.reviewedBad += Number(row.revBad ?? 0);
  r.reviewedNeutral += Number(row.revNeutral ?? 0);
  r.notStaffBad += Number(row.extBad ?? 0);
  r.notStaffNeutral += Number(row.extNeutral ?? 0);
  r.officeBad += Number(row.offBad ?? 0);
  r.officeNeutral += Number(row.offNeutral ?? 0);
  r.productBad += Number(row.prodBad ?? 0);
  r.productNeutral += Number(row.prodNeutral ?? 0);
}

function addTo(c: Counts, r: { good: number; neutral: number; bad: number; excluded: number }): void {
  c.good += r.good;
  c.neutral += r.neutral;
  c.bad += r.bad;
  c.total += r.good + r.neutral + r.bad;
  c.excluded += r.excluded;
}

function accumulate(acc: Acc, r: CountRow): void {
  let c = acc.kinds.get(r.kind);
  if (!c) acc.kinds.set(r.kind, (c = zero()));
  addTo(c, r);
  let rev = acc.reviews.get(r.kind);
  if (!rev) acc.reviews.set(r.kind, (rev = noReview()));
  addReview(rev, r);
  if (r.unattributed) addTo(acc.unattributed, r);
}

/** Sums rollup rows into the whole range and into the span (sorted, contiguous) each row falls in. */
function sumBySpan<R extends CountRow>(
  rows: readonly R[],
  spans: { start: number }[],
  keyOf: (row: R) => number,
): { total: Acc; accs: Acc[] } {
  const starts = spans.map((s) => s.start);
  const accs = spans.map(newAcc);
  const total = newAcc();
  for (const row of rows) {
    accumulate(total, row);
    const i = spanIndex(starts, keyOf(row));
    if (i >= 0) accumulate(accs[i]!, row);
  }
  return { total, accs };
}

/** Index of the span holding `key` (spans sorted, contiguous), or -1. */
function spanIndex(starts: number[], key: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

const MAX_DAYS = 3 * 366;
const MAX_HOUR_DAYS = 93;

interface Range {
  kind: 'calendar';
  fromDay: number;
  toDay: number;
}
interface InstantRange {
  kind: 'instant';
  from: number;
  to: number;
  zone: string;
}

function parseRange(q: ScoreQuery, zone: string | null): Range | InstantRange {
  const fromDay = parseDate(q.from);
  const toDay = parseDate(q.to);
  const instant = (text: string, day: number | undefined): number => {
    if (day !== undefined) return startOfDay(day, zone!);
    const t = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(t) || t < 0 || t > 253_402_300_799_999)
      throw new ScoreInputError(`"${text}" is neither a date (YYYY-MM-DD) nor a date-time (ISO 8601 with offset)`);
    return t;
  };
  if (fromDay !== undefined && toDay !== undefined && q.bucket !== 'hour') {
    if (toDay <= fromDay) throw new ScoreInputError('to must be after from');
    if (daysBetween(fromDay, toDay) > MAX_DAYS) throw new ScoreInputError(`the period may span at most ${MAX_DAYS} days`);
    return { kind: 'calendar', fromDay, toDay };
  }
  if (zone === null)
    throw new ScoreInputError('regions and the company span time zones: give from and to as dates (YYYY-MM-DD), and no hour buckets');
  const rawFrom = instant(q.from, fromDay);
  const rawTo = instant(q.to, toDay);
  if (!(rawTo > rawFrom)) throw new ScoreInputError('to must be after from');
  const maxDays = q.bucket === 'hour' ? MAX_HOUR_DAYS : MAX_DAYS;
  if (rawTo - rawFrom > maxDays * 86_400_000)
    throw new ScoreInputError(`with bucket=${q.bucket} the period may span at most ${maxDays} days`);
  const from = bucketStart(rawFrom, zone, 'hour');
  const lastHour = bucketStart(rawTo - 1, zone, 'hour');
  return { kind: 'instant', from, to: nextBucketStart(lastHour, zone, 'hour'), zone };
}

/** A period to read and score: its spans (buckets), the counts it needs and whether its days (hours) with presses are read. */
export type PeriodPlan = (
  | { kind: 'calendar'; fromDay: number; toDay: number; spans: Span[]; grain: DayGrain }
  | { kind: 'instant'; from: number; to: number; zone: string; spans: Span[] }
) & {
  /** Visitor and sales counts of local days [fromDay, toDay) to read; null when they do not apply. */
  counts: { fromDay: number; toDay: number } | null;
  /** The days (hours) with presses of the subject's offices are read; an office's own rollup rows tell them. */
  readPressed: boolean;
};

/** What `scoreSubject` needs read: the period, the one to compare it with, and the range of the breakdowns. */
export interface ScorePlan {
  bucket: Granularity;
  period: PeriodPlan;
  previous: PeriodPlan;
  breakdown: { fromDay: number; toDay: number } | { from: number; to: number };
}

/**
 * What was read for a period: its rollup rows (day rows on the calendar path, hour rows on the instant
 * path), and when the plan asks, the units with presses and the visitor and sales counts.
 */
export interface PeriodData {
  rows: ReadonlyArray<DayRow | HourRow>;
  pressed?: ActiveUnit[];
  visitors?: PeriodCount[];
  sales?: PeriodCount[];
}

export interface ScoreData {
  period: PeriodData;
  previous: PeriodData;
  breakdown: HourRow[];
  timeUncertain: number;
}

/** Parses the query (ScoreInputError, or RangeError for too many buckets) and says what to read. */
export function planScores(info: SubjectInfo, q: ScoreQuery): ScorePlan {
  const range = parseRange(q, info.zone);
  const plan = (r: Range | InstantRange, bucket: Granularity): PeriodPlan => {
    const counts = info.visitorsApply && info.officeIds.length > 0;
    // An office's (an employee's) own rollup rows are its days (hours) with presses: no need to read them apart.
    const readPressed = info.subject.level !== 'office' && info.subject.level !== 'employee';
    if (r.kind === 'calendar') {
      // The day rows summed by SQL into what the buckets need (a month's, the whole period's): a year by month
      // is ~70 rows, not ~1 100. Per day for day and week buckets, and for an employee, whose rows are also
      // their days with presses (an office's days are then read apart).
      const perDay = bucket === 'day' || bucket === 'week' || info.subject.level === 'employee';
      const grain: DayGrain = perDay ? 'day' : bucket === 'month' ? 'month' : 'period';
      return {
        ...r,
        spans: calendarSpans(r.fromDay, r.toDay, bucket as CalendarBucket),
        grain,
        counts: counts ? { fromDay: r.fromDay, toDay: r.toDay } : null,
        readPressed: readPressed || grain !== 'day',
      };
    }
    const spans = bucketsBetween(r.from, r.to, r.zone, bucket);
    return { ...r, spans, counts: counts ? { fromDay: dayOf(r.from, r.zone), toDay: addDays(dayOf(r.to, r.zone), 1) } : null, readPressed };
  };
  const period = plan(range, q.bucket);
  let previous: PeriodPlan;
  if (range.kind === 'calendar') {
    const p = previousDates(range.fromDay, range.toDay);
    previous = plan({ kind: 'calendar', fromDay: p.start, toDay: p.end }, 'none');
  } else {
    const p = previousPeriod(range.from, range.to, range.zone);
    previous = plan({ ...range, from: p.start, to: p.end }, 'none');
  }
  const breakdown = range.kind === 'calendar' ? { fromDay: range.fromDay, toDay: range.toDay } : { from: range.from, to: range.to };
  return { bucket: q.bucket, period, previous, breakdown };
}

export function scoreSubject(info: SubjectInfo, settings: CompanySettings, plan: ScorePlan, data: ScoreData): SubjectScores {
  const scoreSettings = {
    k: info.k ?? settings.k,
    neutralCountsAsDissatisfied: settings.neutralCountsAsDissatisfied,
    minSample: settings.minSample,
  };
  const period = periodScore(info, plan.period, data.period);
  const previous = periodScore(info, plan.previous, data.previous);
  const kinds = new Set<PanelKind>([...period.total.acc.kinds.keys(), ...previous.total.acc.kinds.keys()]);
  if (info.subject.level === 'employee' || info.subject.level === 'desk') kinds.add('staff');
  if (kinds.size === 0) for (const k of PANEL_KINDS) kinds.add(k);
  const finish = (p: RawPeriod): PeriodScore => ({
    start: p.start,
    end: p.end,
    ...p.local,
    unattributed: p.acc.unattributed,
    visitors: p.visitors,
    sales: p.sales,
    ...p.missing,
    scores: scoresOf(p.acc, kinds, p, scoreSettings),
  });
  const total = finish(period.total);
  const before = finish(previous.total);
  const hours = Array.from({ length: 24 }, newAcc);
  const weekdays = Array.from({ length: 7 }, newAcc);
  const cells = new Map<number, Acc>();
  for (const r of data.breakdown) {
    accumulate(hours[r.localHour]!, r);
    accumulate(weekdays[r.weekday - 1]!, r);
    const key = r.weekday * 24 + r.localHour;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = newAcc()));
    accumulate(cell, r);
  }
  const noVisitors = { visitors: null, sales: null };
  const p = plan.period;
  return {
    from: p.kind === 'calendar' ? formatDay(p.fromDay) : new Date(p.from).toISOString(),
    to: p.kind === 'calendar' ? formatDay(p.toDay) : new Date(p.to).toISOString(),
    bucket: plan.bucket,
    timeZone: info.zone,
    total,
    previous: before,
    change: Object.fromEntries([...kinds].map((k) => [k, change(total.scores[k]!, before.scores[k]!)])),
    buckets: period.buckets.map(finish),
    byHourOfDay: hours.map((acc, hour) => ({ hour, scores: scoresOf(acc, kinds, noVisitors, scoreSettings) })),
    byWeekday: weekdays.map((acc, i) => ({ weekday: i + 1, scores: scoresOf(acc, kinds, noVisitors, scoreSettings) })),
    byWeekdayHour: [...cells.entries()]
      .sort(([a], [b]) => a - b)
      .map(([key, acc]) => ({ weekday: Math.floor(key / 24), hour: key % 24, counts: Object.fromEntries(acc.kinds) })),
    timeUncertain: data.timeUncertain,
  };
}

function change(now: Score, before: Score) {
  const diff = (a: { value: number } | null, b: { value: number } | null) => (a && b ? a.value - b.value : null);
  return {
    ink: diff(now.ink, before.ink),
    inkQualified: diff(now.inkQualified, before.inkQualified),
    iel: diff(now.iel, before.iel),
    csat: diff(now.csat, before.csat),
    coverage: diff(now.coverage, before.coverage),
    causedBy:
      now.causedBy && before.causedBy
        ? {
            office: now.causedBy.office.value - before.causedBy.office.value,
            product: now.causedBy.product.value - before.causedBy.product.value,
            customer: now.causedBy.customer.value - before.causedBy.customer.value,
          }
        : null,
  };
}

function scoresOf(
  acc: Acc,
  kinds: Set<PanelKind>,
  vs: { visitors: number | null; sales: number | null },
  settings: { k: number; neutralCountsAsDissatisfied: boolean; minSample: number },
) {
  const out: Partial<Record<PanelKind, Score>> = {};
  for (const kind of kinds) {
    const review = acc.reviews.get(kind);
    out[kind] = scoreCounts(acc.kinds.get(kind) ?? zero(), {
      panelKind: kind,
      settings,
      ...(review ? { review } : {}),
      ...(vs.visitors !== null ? { visitors: vs.visitors } : {}),
      ...(vs.sales !== null && vs.visitors !== null ? { sales: vs.sales } : {}),
    });
  }
  return out;
}

/** Visitors and sales of each span, by the rule of visitors.ts; `missing` names what lacks a count. */
interface SpanCounts {
  visitors: number | null;
  sales: number | null;
  missing?: { visitorsMissing: MissingCounts[]; salesMissing: MissingCounts[] };
}
interface RawPeriod extends SpanCounts {
  start: string;
  end: string;
  local?: { localStart: string; localEnd: string };
  acc: Acc;
}

/**
 * Visitors and sales for each span (the period first, then its buckets), by the pure rule of visitors.ts.
 * Units are local days in the calendar path, hour starts in the instant path: `units` are those with
 * presses, `entry` puts a stored count on the same units, `unit` says how missing ones are named.
 */
function spanCounts(
  info: SubjectInfo,
  spans: Array<{ start: number; end: number }>,
  data: PeriodData,
  units: () => ActiveUnit[],
  entry: (c: PeriodCount) => CountEntry,
  unit: 'day' | { hourIn: string },
): SpanCounts[] {
  if (!info.visitorsApply) return spans.map(() => ({ visitors: null, sales: null }));
  if (info.officeIds.length === 0)
    return spans.map(() => ({ visitors: null, sales: null, missing: { visitorsMissing: [], salesMissing: [] } }));
  const active = units();
  const visitors = data.visitors!;
  const sales = data.sales!;
  const none = (): SpanCount => ({ total: null, missing: [], entries: 0 });
  const v = countsBySpan(spans, active, visitors.map(entry));
  const s = sales.length > 0 ? countsBySpan(spans, active, sales.map(entry)) : spans.map(none); // most offices record no sales
  // Sales follow the visitors: conversion needs V, so no sales figure without a known V. Days lacking a
  // sales count are named only where some were uploaded: an office that records no sales is not "missing" them.
  return spans.map((_, i) => ({
    visitors: v[i]!.total,
    sales: v[i]!.total === null ? null : s[i]!.total,
    missing: { visitorsMissing: nameMissing(v[i]!.missing, unit), salesMissing: s[i]!.entries > 0 ? nameMissing(s[i]!.missing, unit) : [] },
  }));
}

function periodScore(info: SubjectInfo, p: PeriodPlan, data: PeriodData): { total: RawPeriod; buckets: RawPeriod[] } {
  return p.kind === 'calendar' ? calendarPeriod(info, p, data) : instantPeriod(info, p, data);
}

function calendarPeriod(
  info: SubjectInfo,
  p: PeriodPlan & { kind: 'calendar' },
  data: PeriodData,
): { total: RawPeriod; buckets: RawPeriod[] } {
  const rows = data.rows as readonly DayRow[];
  const { total, accs } = sumBySpan(rows, p.spans, (row) => row.day);
  const counts = spanCounts(
    info,
    [{ start: p.fromDay, end: p.toDay }, ...p.spans],
    data,
    // An office's (employee's) own day rollups, just read, are its days with presses; desks, regions and the company ask per office.
    () => data.pressed ?? [...new Set(rows.map((row) => row.day))].map((day) => ({ officeId: info.officeIds[0]!, at: day })),
    // A day entry, or an hourly one, makes its day counted: [day, day + 1) holds only that yyyymmdd.
    (c) => ({ officeId: c.officeId, start: c.day, end: c.day + 1, count: c.count }),
    'day',
  );
  const zone = info.zone;
  const label = (s: { start: number; end: number }) => ({
    start: formatDay(s.start),
    end: formatDay(s.end),
    ...(zone
      ? { local: { localStart: localIso(startOfDay(s.start, zone), zone), localEnd: localIso(startOfDay(s.end, zone), zone) } }
      : {}),
  });
  return {
    total: { ...label({ start: p.fromDay, end: p.toDay }), acc: total, ...counts[0]! },
    buckets: p.spans.map((s, i) => ({ ...label(s), acc: accs[i]!, ...counts[i + 1]! })),
  };
}

function instantPeriod(
  info: SubjectInfo,
  p: PeriodPlan & { kind: 'instant' },
  data: PeriodData,
): { total: RawPeriod; buckets: RawPeriod[] } {
  const rows = data.rows as readonly HourRow[];
  const { total, accs } = sumBySpan(rows, p.spans, (row) => row.hourStart);
  // Hour level: each local hour with presses needs an entry (hourly, or a day entry) lying wholly inside the span.
  const counts = spanCounts(
    info,
    [{ start: p.from, end: p.to }, ...p.spans],
    data,
    () => data.pressed ?? [...new Set(rows.map((row) => row.hourStart))].map((hour) => ({ officeId: info.officeIds[0]!, at: hour })),
    (c) => ({ officeId: c.officeId, start: c.start, end: c.end, count: c.count }),
    { hourIn: p.zone },
  );
  const iso = (t: number) => new Date(t).toISOString();
  const label = (s: { start: number; end: number }) => ({
    start: iso(s.start),
    end: iso(s.end),
    local: { localStart: localIso(s.start, p.zone), localEnd: localIso(s.end, p.zone) },
  });
  return {
    total: { ...label({ start: p.from, end: p.to }), acc: total, ...counts[0]! },
    buckets: p.spans.map((s, i) => ({ ...label(s), acc: accs[i]!, ...counts[i + 1]! })),
  };
}
