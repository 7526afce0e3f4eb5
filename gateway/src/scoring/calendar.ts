/**
 * Local calendar dates as yyyymmdd integers (zone-free: "2026-03-29" is that date in every office's own
 * zone) and the ranges the API accepts: a date means the office's local midnight, a date-time an instant.
 */
import { bucketStart, localTime } from './periods.js';

const DAY = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** yyyymmdd of a local date. */
export const dayNumber = (year: number, month: number, day: number): number => year * 10000 + month * 100 + day;

/** Parses "YYYY-MM-DD" to yyyymmdd; undefined when it is not a real date. */
export function parseDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1970 || y > 9999 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return dayNumber(y, mo, d);
}

export const dayToUtc = (day: number): number => Date.UTC(Math.floor(day / 10000), (Math.floor(day / 100) % 100) - 1, day % 100);
export const utcToDay = (ms: number): number => {
  const d = new Date(ms);
  return dayNumber(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
};
export const addDays = (day: number, n: number): number => utcToDay(dayToUtc(day) + n * DAY);
export const formatDay = (day: number): string =>
  `${Math.floor(day / 10000)}-${String(Math.floor(day / 100) % 100).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;
export const daysBetween = (a: number, b: number): number => Math.round((dayToUtc(b) - dayToUtc(a)) / DAY);

/** Local date of an instant in a zone. */
export function dayOf(instant: number, zone: string): number {
  const l = localTime(instant, zone);
  return dayNumber(l.year, l.month, l.day);
}

/** An instant as local ISO 8601 with the zone's offset at that instant, e.g. 2026-12-01T10:15:00.000+03:00. */
export function localIso(instant: number, zone: string): string {
  const l = localTime(instant, zone);
  const ms = ((instant % 1000) + 1000) % 1000;
  const wall = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) + ms;
  const offset = Math.round((wall - instant) / 60_000);
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${new Date(wall).toISOString().slice(0, 23)}${offset < 0 ? '-' : '+'}${hhmm}`;
}

/** startOfDay results: score queries label the same month and day boundaries again and again. Memoisation only. */
const dayStarts = new Map<string, number>();

/** First instant of a local date in a zone (the first of two midnights; after a skipped midnight, the jump). */
export function startOfDay(day: number, zone: string): number {
  const key = `${zone} ${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    if (dayStarts.size >= 100_000) dayStarts.clear();
    dayStarts.set(key, (start = computeStartOfDay(day, zone)));
  }
  return start;
}

function computeStartOfDay(day: number, zone: string): number {
  // Noon UTC of the date is within ±14 h of the local date in every zone; its day bucket is the date's.
  const guess = dayToUtc(day) + 12 * 3_600_000;
  let start = bucketStart(guess, zone, 'day');
  if (dayOf(start, zone) < day) start = bucketStart(start + 30 * 3_600_000, zone, 'day');
  else if (dayOf(start, zone) > day) start = bucketStart(start - 3_600_000, zone, 'day');
  return start;
}

/** The month after a yyyymm month. */
const nextMonth = (m: number): number => (m % 100 === 12 ? (Math.floor(m / 100) + 1) * 100 + 1 : m + 1);

/**
 * The whole local months (yyyymm, [fromMonth, toMonth)) inside local days [from, to), with the days they
 * span ([fromDay, toDay)); null when no month lies wholly inside.
 */
export function wholeMonths(from: number, to: number): { fromMonth: number; toMonth: number; fromDay: number; toDay: number } | null {
  const monthOf = (day: number) => Math.floor(day / 100);
  const fromMonth = from % 100 === 1 ? monthOf(from) : nextMonth(monthOf(from));
  const toMonth = monthOf(to);
  return fromMonth < toMonth ? { fromMonth, toMonth, fromDay: fromMonth * 100 + 1, toDay: toMonth * 100 + 1 } : null;
}

/** One part of a range read from the rollups: local months (yyyymm) or local days, added (1) or taken away (-1). */
export interface MonthPart {
  grain: 'month' | 'day';
  from: number;
  to: number;
  sign: 1 | -1;
}

/**
 * Local days [from, to) as months and days whose signed sum is exactly those days, with the fewest days:
 * whole months as months; a month more than half inside as that month less the days of it outside
 * ("this month" up to today is its month less the days still to come, which have no presses).
 */
export function monthParts(from: number, to: number): MonthPart[] {
  const parts: MonthPart[] = [];
  const add = (part: MonthPart) => {
    // Months (days) in a row are one part: a year is one read of the month rows, not twelve.
    const before = parts.find((p) => p.grain === part.grain && p.sign === part.sign && p.to === part.from);
    if (before) before.to = part.to;
    else parts.push(part);
  };
  for (let a = from; a < to; ) {
    const month = Math.floor(a / 100);
    const [start, next] = [month * 100 + 1, nextMonth(month) * 100 + 1];
    const b = Math.min(to, next);
    const inside = daysBetween(a, b);
    if (daysBetween(start, next) - inside < inside) {
      add({ grain: 'month', from: month, to: nextMonth(month), sign: 1 });
      if (start < a) parts.push({ grain: 'day', from: start, to: a, sign: -1 });
      if (b < next) parts.push({ grain: 'day', from: b, to: next, sign: -1 });
    } else add({ grain: 'day', from: a, to: b, sign: 1 });
    a = b;
  }
  return parts;
}

export type CalendarBucket = 'none' | 'day' | 'week' | 'month';

/** Calendar buckets [start, end) of local dates covering [from, to), clipped to it. */
export function calendarSpans(from: number, to: number, bucket: CalendarBucket): Array<{ start: number; end: number }> {
  if (bucket === 'none') return [{ start: from, end: to }];
  const spans: Array<{ start: number; end: number }> = [];
  let start = from;
  while (start < to) {
    let next: number;
    if (bucket === 'day') next = addDays(start, 1);
    else if (bucket === 'week') {
      const weekday = (new Date(dayToUtc(start)).getUTCDay() + 6) % 7; // Monday = 0
      next = addDays(start, 7 - weekday);
    } else {
      const y = Math.floor(start / 10000);
      const m = Math.floor(start / 100) % 100;
      next = m === 12 ? dayNumber(y + 1, 1, 1) : dayNumber(y, m + 1, 1);
    }
    spans.push({ start, end: Math.min(next, to) });
    start = next;
  }
  return spans;
}

/** The period to compare local dates [from, to) with: whole months → as many months before, else as many days. */
export function previousDates(from: number, to: number): { start: number; end: number } {
  if (from % 100 === 1 && to % 100 === 1) {
    const months = (Math.floor(to / 10000) - Math.floor(from / 10000)) * 12 + (Math.floor(to / 100) % 100) - (Math.floor(from / 100) % 100);
    const d = new Date(dayToUtc(from));
    d.setUTCMonth(d.getUTCMonth() - months);
    return { start: utcToDay(d.getTime()), end: from };
  }
  return { start: addDays(from, -daysBetween(from, to)), end: from };
}
