/**
 * Calendar buckets in an office's IANA time zone, DST-correct, on epoch milliseconds. Built on
 * Intl.DateTimeFormat (full ICU ships with Node 20), so no date library: we need only "what does the
 * wall clock read at t" and its inverse, and both fit on a screen.
 */
export type Bucket = 'hour' | 'day' | 'week' | 'month';
export type Granularity = Bucket | 'none';
/** Half-open [start, end) in epoch ms. */
export interface Span {
  start: number;
  end: number;
}
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO: Monday = 1 … Sunday = 7. */
  weekday: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A year by hour is 8 784; far beyond that a caller has made a mistake, not a report. */
export const MAX_BUCKETS = 100_000;

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (f === undefined) {
    try {
      // h23: some ICU versions print midnight as "24" under hour12: false.
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`unknown time zone: ${zone}`);
    }
    formats.set(zone, f);
  }
  return f;
}

export function isTimeZone(zone: string): boolean {
  try {
    formatFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** What the wall clock in `zone` reads at `instant`. */
export function localTime(instant: number, zone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatFor(zone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return { year, month, day, hour, minute, second, weekday: isoWeekdayOfDate(year, month, day) };
}

export function localHour(instant: number, zone: string): number {
  return spanOf(instant, zone, 'hour').local.hour;
}

export function isoWeekday(instant: number, zone: string): number {
  return spanOf(instant, zone, 'day').local.weekday;
}

function isoWeekdayOfDate(year: number, month: number, day: number): number {
  return ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
}

/** Wall-clock reading as if it were UTC ms: comparable, and Date.UTC normalises overflowing fields. */
function wallMs(t: LocalTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
}

/** `instant` as the local date-time in `zone` with its UTC offset: 2026-03-02T09:00:00+03:00. */
export function localIso(instant: number, zone: string): string {
  // Score answers label the same bucket boundaries query after query. Memoisation only.
  let memo = localIsos.get(zone);
  if (memo === undefined) localIsos.set(zone, (memo = new Map()));
  let text = memo.get(instant);
  if (text === undefined) {
    if (memo.size >= 100_000) memo.clear();
    memo.set(instant, (text = computeLocalIso(instant, zone)));
  }
  return text;
}
const localIsos = new Map<string, Map<number, string>>();

function computeLocalIso(instant: number, zone: string): string {
  // A day of exactly 24 h has one offset throughout: take it from the (memoised) day instead of asking
  // Intl for every hour bucket; DST days ask for the instant itself.
  const day = spanOf(instant, zone, 'day');
  const offsetMs = day.end - day.start === DAY ? wallMs(day.local) - day.start : offsetAt(instant, zone);
  const wall = new Date(Math.floor(instant / 1000) * 1000 + offsetMs);
  const offset = Math.round(offsetMs / 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${String(wall.getUTCFullYear()).padStart(4, '0')}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())}` +
    `T${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())}` +
    `${offset < 0 ? '-' : '+'}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  );
}

/** local − UTC at `instant`, in ms. */
function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallMs(localTime(whole, zone)) - whole;
}

/**
 * Instants at which the wall clock reads `wall`, ascending: two in a fall-back overlap, none in a
 * spring-forward gap. Assumes at most two offsets within a day either side, true of every real zone.
 */
function instantsAtWall(wall: number, zone: string): number[] {
  const offsets = new Set([offsetAt(wall - DAY, zone), offsetAt(wall, zone), offsetAt(wall + DAY, zone)]);
  const found = [...offsets].map((o) => wall - o).filter((t) => offsetAt(t, zone) === wall - t);
  return [...new Set(found)].sort((a, b) => a - b);
}

/** The first instant whose wall clock reads `wall` or later: in a gap, the moment the clock jumps. */
function firstInstantFrom(wall: number, zone: string): number {
  const exact = instantsAtWall(wall, zone);
  if (exact[0] !== undefined) return exact[0];
  // Gap: the answer lies between wall − (offset after) and wall − (offset before); search by seconds.
  let lo = Math.floor((wall - offsetAt(wall + DAY, zone)) / 1000);
  let hi = Math.ceil((wall - offsetAt(wall - DAY, zone)) / 1000);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid * 1000 + offsetAt(mid * 1000, zone) >= wall) hi = mid;
    else lo = mid + 1;
  }
  return lo * 1000;
}

/** Wall-clock start of the bucket holding a local time (weeks start on Monday, ISO 8601). */
function bucketWall(t: LocalTime, bucket: Bucket, step = 0): number {
  switch (bucket) {
    case 'hour':
      return Date.UTC(t.year, t.month - 1, t.day, t.hour + step);
    case 'day':
      return Date.UTC(t.year, t.month - 1, t.day + step);
    case 'week':
      return Date.UTC(t.year, t.month - 1, t.day - (t.weekday - 1) + 7 * step);
    case 'month':
      return Date.UTC(t.year, t.month - 1 + step, 1);
  }
}

/**
 * Start of the calendar bucket holding `instant`. Days, weeks and months start at the first instant of
 * their local date (the first of two midnights where a zone falls back across midnight). Hours are
 * clock hours, so the repeated hour of a fall-back night is two buckets and that day has 25.
 */
export function bucketStart(instant: number, zone: string, bucket: Bucket): number {
  return spanOf(instant, zone, bucket).start;
}

/**
 * The last bucket seen per zone and granularity, so a stream of presses in time order costs one
 * comparison each instead of ~7 Intl calls (~14 µs). Memoisation only: results do not change.
 */
const lastSpans = new Map<string, Span & { local: LocalTime }>();

function spanOf(instant: number, zone: string, bucket: Bucket): Span & { local: LocalTime } {
  const key = `${bucket} ${zone}`;
  const last = lastSpans.get(key);
  if (last !== undefined && last.start <= instant && instant < last.end) return last;
  const start = computeBucketStart(instant, zone, bucket);
  const span = { start, end: nextBucketStart(start, zone, bucket), local: localTime(start, zone) };
  lastSpans.set(key, span);
  return span;
}

function computeBucketStart(instant: number, zone: string, bucket: Bucket): number {
  const wall = bucketWall(localTime(instant, zone), bucket);
  if (bucket !== 'hour') return firstInstantFrom(wall, zone);
  const starts = instantsAtWall(wall, zone).filter((t) => t <= instant);
  return starts.at(-1) ?? firstInstantFrom(wall, zone);
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucketStart(start: number, zone: string, bucket: Bucket): number {
  if (bucket === 'hour') {
    const next = computeBucketStart(start + HOUR, zone, 'hour');
    return next > start ? next : start + HOUR; // only in zones with half-hour DST (Lord Howe)
  }
  return firstInstantFrom(bucketWall(localTime(start, zone), bucket, 1), zone);
}

/**
 * The buckets covering [from, to), in order, the first and last clipped to it: they partition the range,
 * so per-bucket counts add up to the range's count. Label a clipped bucket with bucketStart(span.start).
 */
export function bucketsBetween(from: number, to: number, zone: string, granularity: Granularity): Span[] {
  formatFor(zone); // an unknown zone fails here even for 'none'
  if (!(from < to)) return [];
  if (granularity === 'none') return [{ start: from, end: to }];
  const spans: Span[] = [];
  for (let start = bucketStart(from, zone, granularity); start < to; ) {
    if (spans.length === MAX_BUCKETS) throw new RangeError(`more than ${MAX_BUCKETS} ${granularity} buckets`);
    const end = nextBucketStart(start, zone, granularity);
    spans.push({ start: Math.max(start, from), end: Math.min(end, to) });
    start = end;
  }
  return spans;
}

/**
 * The period to compare [from, to) with. Whole local months → the same number of months before; whole
 * local days (weeks too) → the same number of days before, so a week with a 23-hour Sunday is compared
 * with the 7 days before it, not 167 hours; anything else → the same duration before.
 */
export function previousPeriod(from: number, to: number, zone: string): Span {
  if (!(from < to)) throw new RangeError('previousPeriod: from must be before to');
  const f = localTime(from, zone);
  const t = localTime(to, zone);
  if (bucketStart(from, zone, 'month') === from && bucketStart(to, zone, 'month') === to) {
    const months = (t.year - f.year) * 12 + (t.month - f.month);
    return { start: firstInstantFrom(Date.UTC(f.year, f.month - 1 - months, 1), zone), end: from };
  }
  if (bucketStart(from, zone, 'day') === from && bucketStart(to, zone, 'day') === to) {
    const days = Math.round((Date.UTC(t.year, t.month - 1, t.day) - Date.UTC(f.year, f.month - 1, f.day)) / DAY);
    return { start: firstInstantFrom(Date.UTC(f.year, f.month - 1, f.day - days), zone), end: from };
  }
  return { start: from - (to - from), end: from };
}
