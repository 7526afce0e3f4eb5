/**
 * Scores of a subject over a period, from the rollups: counts per panel kind and bucket, then the
 * methodology's indices (shared/src/indices.ts `scoreCounts`). Two paths:
 * - calendar: from/to are local dates (any subject; buckets none/day/week/month) — day rollups;
 * - instants: from/to are date-times, or bucket=hour (one time zone only) — hour rollups, the range
 *   widened to whole local hours (the rollup resolution).
 */
import { PANEL_KINDS, scoreCounts, type Counts, type PanelKind, type Score } from '../../../shared/src/index.js';
import type { CompanySettings } from '../domain/organisation.js';
import type { CountRow, PeriodCount, Subject } from '../domain/score.js';
import type { OrgStore } from '../store/store.js';
import {
  addDays, calendarSpans, dayOf, daysBetween, formatDay, parseDate, previousDates, startOfDay, type CalendarBucket,
} from './calendar.js';
import { bucketStart, bucketsBetween, localIso, nextBucketStart, previousPeriod, type Granularity } from './periods.js';
import { countsBySpan, nameMissing, type ActiveUnit, type CountEntry, type MissingCounts, type SpanCount } from './visitors.js';

export class ScoreInputError extends Error {}

export interface ScoreQuery { from: string; to: string; bucket: Granularity }
export interface SubjectInfo {
  subject: Subject;
  /** The subject's time zone; null for region/company (offices may differ). */
  zone: string | null;
  /** Offices whose visitor/sales counts apply: the office itself, or all offices of a region/company. */
  officeIds: string[];
  /** Visitor/sales counts of this desk instead of the office's. */
  deskId: string | null;
  /** Employees: visitors are not known per employee. */
  visitorsApply: boolean;
  /** Office k overrides the company's. */
  k: number | null;
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
  /** Why visitors (sales) are unknown: what lacks a count. Absent for employees (no visitor counts). */
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
  change: Partial<Record<PanelKind, { ink: number | null; iel: number | null; csat: number | null; coverage: number | null }>>;
  buckets: PeriodScore[];
  byHourOfDay: Array<{ hour: number; scores: Partial<Record<PanelKind, Score>> }>;
  byWeekday: Array<{ weekday: number; scores: Partial<Record<PanelKind, Score>> }>;
  timeUncertain: number;
}

type Acc = { kinds: Map<PanelKind, Counts>; unattributed: Counts };
const zero = (): Counts => ({ good: 0, neutral: 0, bad: 0, total: 0, excluded: 0 });
const newAcc = (): Acc => ({ kinds: new Map(), unattributed: zero() });

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
  if (r.unattributed) addTo(acc.unattributed, r);
}

/** Sums rollup rows into the whole range and into the span (sorted, contiguous) each row falls in. */
function sumBySpan<R extends CountRow>(rows: R[], spans: { start: number }[], keyOf: (row: R) => number): { total: Acc; accs: Acc[] } {
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

interface Range { kind: 'calendar'; fromDay: number; toDay: number }
interface InstantRange { kind: 'instant'; from: number; to: number; zone: string }

function parseRange(q: ScoreQuery, zone: string | null): Range | InstantRange {
  const fromDay = parseDate(q.from);
  const toDay = parseDate(q.to);
  const instant = (text: string, day: number | undefined): number => {
    if (day !== undefined) return startOfDay(day, zone!);
    const t = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(t) || t < 0 || t > 253_402_300_799_999) throw new ScoreInputError(`"${text}" is neither a date (YYYY-MM-DD) nor a date-time (ISO 8601 with offset)`);
    return t;
  };
  if (fromDay !== undefined && toDay !== undefined && q.bucket !== 'hour') {
    if (toDay <= fromDay) throw new ScoreInputError('to must be after from');
    if (daysBetween(fromDay, toDay) > MAX_DAYS) throw new ScoreInputError(`the period may span at most ${MAX_DAYS} days`);
    return { kind: 'calendar', fromDay, toDay };
  }
  if (zone === null) throw new ScoreInputError('regions and the company span time zones: give from and to as dates (YYYY-MM-DD), and no hour buckets');
  const rawFrom = instant(q.from, fromDay);
  const rawTo = instant(q.to, toDay);
  if (!(rawTo > rawFrom)) throw new ScoreInputError('to must be after from');
  const maxDays = q.bucket === 'hour' ? MAX_HOUR_DAYS : MAX_DAYS;
  if (rawTo - rawFrom > maxDays * 86_400_000) throw new ScoreInputError(`with bucket=${q.bucket} the period may span at most ${maxDays} days`);
  const from = bucketStart(rawFrom, zone, 'hour');
  const lastHour = bucketStart(rawTo - 1, zone, 'hour');
  return { kind: 'instant', from, to: nextBucketStart(lastHour, zone, 'hour'), zone };
}

export async function scoreSubject(store: OrgStore, info: SubjectInfo, settings: CompanySettings, q: ScoreQuery): Promise<SubjectScores> {
  const range = parseRange(q, info.zone);
  const scoreSettings = { k: info.k ?? settings.k, neutralCountsAsDissatisfied: settings.neutralCountsAsDissatisfied, minSample: settings.minSample };
  const period = range.kind === 'calendar' ? await calendarPeriod(store, info, range, q.bucket as CalendarBucket) : await instantPeriod(store, info, range, q.bucket);
  const prev = range.kind === 'calendar'
    ? (() => { const p = previousDates(range.fromDay, range.toDay); return calendarPeriod(store, info, { kind: 'calendar', fromDay: p.start, toDay: p.end }, 'none'); })()
    : (() => { const p = previousPeriod(range.from, range.to, range.zone); return instantPeriod(store, info, { ...range, from: p.start, to: p.end }, 'none'); })();
  const previous = await prev;
  const kinds = new Set<PanelKind>([...period.total.acc.kinds.keys(), ...previous.total.acc.kinds.keys()]);
  if (info.subject.level === 'employee' || info.subject.level === 'desk') kinds.add('staff');
  if (kinds.size === 0) PANEL_KINDS.forEach((k) => kinds.add(k));
  const finish = (p: RawPeriod): PeriodScore => ({
    start: p.start, end: p.end, ...p.local, unattributed: p.acc.unattributed, visitors: p.visitors, sales: p.sales,
    ...p.missing,
    scores: scoresOf(p.acc, kinds, p, scoreSettings),
  });
  const total = finish(period.total);
  const before = finish(previous.total);
  const breakdown = await store.breakdown(info.subject, range.kind === 'calendar' ? { fromDay: range.fromDay, toDay: range.toDay } : { from: range.from, to: range.to });
  const hours = Array.from({ length: 24 }, newAcc);
  const weekdays = Array.from({ length: 7 }, newAcc);
  for (const r of breakdown) {
    accumulate(hours[r.localHour]!, r);
    accumulate(weekdays[r.weekday - 1]!, r);
  }
  const noVisitors = { visitors: null, sales: null };
  return {
    from: range.kind === 'calendar' ? formatDay(range.fromDay) : new Date(range.from).toISOString(),
    to: range.kind === 'calendar' ? formatDay(range.toDay) : new Date(range.to).toISOString(),
    bucket: q.bucket,
    timeZone: info.zone,
    total,
    previous: before,
    change: Object.fromEntries([...kinds].map((k) => [k, change(total.scores[k]!, before.scores[k]!)])),
    buckets: period.buckets.map(finish),
    byHourOfDay: hours.map((acc, hour) => ({ hour, scores: scoresOf(acc, kinds, noVisitors, scoreSettings) })),
    byWeekday: weekdays.map((acc, i) => ({ weekday: i + 1, scores: scoresOf(acc, kinds, noVisitors, scoreSettings) })),
    timeUncertain: await store.timeUncertain(info.officeIds),
  };
}

function change(now: Score, before: Score) {
  const diff = (a: { value: number } | null, b: { value: number } | null) => (a && b ? a.value - b.value : null);
  return { ink: diff(now.ink, before.ink), iel: diff(now.iel, before.iel), csat: diff(now.csat, before.csat), coverage: diff(now.coverage, before.coverage) };
}

function scoresOf(acc: Acc, kinds: Set<PanelKind>, vs: { visitors: number | null; sales: number | null }, settings: { k: number; neutralCountsAsDissatisfied: boolean; minSample: number }) {
  const out: Partial<Record<PanelKind, Score>> = {};
  for (const kind of kinds) {
    out[kind] = scoreCounts(acc.kinds.get(kind) ?? zero(), {
      panelKind: kind, settings,
      ...(vs.visitors !== null ? { visitors: vs.visitors } : {}),
      ...(vs.sales !== null && vs.visitors !== null ? { sales: vs.sales } : {}),
    });
  }
  return out;
}

/** Visitors and sales of each span, by the rule of visitors.ts; `missing` names what lacks a count. */
interface SpanCounts { visitors: number | null; sales: number | null; missing?: { visitorsMissing: MissingCounts[]; salesMissing: MissingCounts[] } }
interface RawPeriod extends SpanCounts { start: string; end: string; local?: { localStart: string; localEnd: string }; acc: Acc }

/**
 * Visitors and sales for each span (the period first, then its buckets), by the pure rule of visitors.ts.
 * Units are local days in the calendar path, hour starts in the instant path: `active` gives the units
 * with presses, `entry` puts a stored count on the same units, `unit` says how missing ones are named.
 */
async function spanCounts(
  store: OrgStore, info: SubjectInfo, spans: Array<{ start: number; end: number }>, fromDay: number, toDay: number,
  active: () => Promise<ActiveUnit[]>, entry: (c: PeriodCount) => CountEntry, unit: 'day' | { hourIn: string },
): Promise<SpanCounts[]> {
  if (!info.visitorsApply) return spans.map(() => ({ visitors: null, sales: null }));
  if (info.officeIds.length === 0) return spans.map(() => ({ visitors: null, sales: null, missing: { visitorsMissing: [], salesMissing: [] } }));
  const [units, visitors, sales] = await Promise.all([
    active(),
    store.listCounts('visitors', info.officeIds, info.deskId, fromDay, toDay),
    store.listCounts('sales', info.officeIds, info.deskId, fromDay, toDay),
  ]);
  const none = (): SpanCount => ({ total: null, missing: [], entries: 0 });
  const v = countsBySpan(spans, units, visitors.map(entry));
  const s = sales.length > 0 ? countsBySpan(spans, units, sales.map(entry)) : spans.map(none); // most offices record no sales
  // Sales follow the visitors: conversion needs V, so no sales figure without a known V. Days lacking a
  // sales count are named only where some were uploaded: an office that records no sales is not "missing" them.
  return spans.map((_, i) => ({
    visitors: v[i]!.total,
    sales: v[i]!.total === null ? null : s[i]!.total,
    missing: { visitorsMissing: nameMissing(v[i]!.missing, unit), salesMissing: s[i]!.entries > 0 ? nameMissing(s[i]!.missing, unit) : [] },
  }));
}

async function calendarPeriod(store: OrgStore, info: SubjectInfo, r: Range, bucket: CalendarBucket): Promise<{ total: RawPeriod; buckets: RawPeriod[] }> {
  const spans = calendarSpans(r.fromDay, r.toDay, bucket);
  const rows = await store.countsByDay(info.subject, r.fromDay, r.toDay);
  const { total, accs } = sumBySpan(rows, spans, (row) => row.day);
  const counts = await spanCounts(store, info, [{ start: r.fromDay, end: r.toDay }, ...spans], r.fromDay, r.toDay,
    // An office's own day rollups, just read, are its days with presses; desks, regions and the company ask per office.
    async () => info.subject.level === 'office'
      ? [...new Set(rows.map((row) => row.day))].map((day) => ({ officeId: info.officeIds[0]!, at: day }))
      : (await store.pressDays(info.officeIds, r.fromDay, r.toDay)).map((d) => ({ officeId: d.officeId, at: d.day })),
    // A day entry, or an hourly one, makes its day counted: [day, day + 1) holds only that yyyymmdd.
    (c) => ({ officeId: c.officeId, start: c.day, end: c.day + 1, count: c.count }),
    'day');
  const zone = info.zone;
  const label = (s: { start: number; end: number }) => ({
    start: formatDay(s.start), end: formatDay(s.end),
    ...(zone ? { local: { localStart: localIso(startOfDay(s.start, zone), zone), localEnd: localIso(startOfDay(s.end, zone), zone) } } : {}),
  });
  return {
    total: { ...label({ start: r.fromDay, end: r.toDay }), acc: total, ...counts[0]! },
    buckets: spans.map((s, i) => ({ ...label(s), acc: accs[i]!, ...counts[i + 1]! })),
  };
}

async function instantPeriod(store: OrgStore, info: SubjectInfo, r: InstantRange, bucket: Granularity): Promise<{ total: RawPeriod; buckets: RawPeriod[] }> {
  const spans = bucketsBetween(r.from, r.to, r.zone, bucket);
  const rows = await store.countsByHour(info.subject, r.from, r.to);
  const { total, accs } = sumBySpan(rows, spans, (row) => row.hourStart);
  // Hour level: each local hour with presses needs an entry (hourly, or a day entry) lying wholly inside the span.
  const counts = await spanCounts(store, info, [{ start: r.from, end: r.to }, ...spans], dayOf(r.from, r.zone), addDays(dayOf(r.to, r.zone), 1),
    async () => info.subject.level === 'office'
      ? [...new Set(rows.map((row) => row.hourStart))].map((hour) => ({ officeId: info.officeIds[0]!, at: hour }))
      : (await store.pressHours(info.officeIds, r.from, r.to)).map((h) => ({ officeId: h.officeId, at: h.hourStart })),
    (c) => ({ officeId: c.officeId, start: c.start, end: c.end, count: c.count }),
    { hourIn: r.zone });
  const iso = (t: number) => new Date(t).toISOString();
  const label = (s: { start: number; end: number }) => ({ start: iso(s.start), end: iso(s.end), local: { localStart: localIso(s.start, r.zone), localEnd: localIso(s.end, r.zone) } });
  return {
    total: { ...label({ start: r.from, end: r.to }), acc: total, ...counts[0]! },
    buckets: spans.map((s, i) => ({ ...label(s), acc: accs[i]!, ...counts[i + 1]! })),
  };
}
