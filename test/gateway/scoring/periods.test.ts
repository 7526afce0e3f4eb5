import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bucketStart,
  bucketsBetween,
  isTimeZone,
  isoWeekday,
  localHour,
  localIso,
  localTime,
  nextBucketStart,
  previousPeriod,
  type Bucket,
} from '../../../gateway/src/scoring/periods.js';
import { addDays, monthParts, wholeMonths } from '../../../gateway/src/scoring/calendar.js';

const at = (iso: string) => Date.parse(iso);
const H = 3_600_000;
const durations = (from: string, to: string, zone: string, bucket: Bucket) =>
  bucketsBetween(at(from), at(to), zone, bucket).map((s) => (s.end - s.start) / H);

describe('bucketStart', () => {
  it.each<[string, string, Bucket, string]>([
    // Berlin spring-forward 2026-03-29: 02:00 CET → 03:00 CEST at 01:00Z
    ['2026-03-29T01:30:00Z', 'Europe/Berlin', 'hour', '2026-03-29T01:00:00Z'], // 03:30 CEST → 03:00
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', 'hour', '2026-03-29T00:00:00Z'], // 01:59 CET → 01:00
    ['2026-03-29T21:59:59Z', 'Europe/Berlin', 'day', '2026-03-28T23:00:00Z'],
    // Berlin fall-back 2026-10-25: 02:00–03:00 happens twice, each its own hour
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', 'hour', '2026-10-25T00:00:00Z'], // 02:30 CEST
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', 'hour', '2026-10-25T01:00:00Z'], // 02:30 CET
    ['2026-10-25T22:59:59Z', 'Europe/Berlin', 'day', '2026-10-24T22:00:00Z'],
    // New York: 2026-03-08 gap 02:00→03:00 EDT; 2026-11-01 01:00 repeats
    ['2026-03-08T07:00:00Z', 'America/New_York', 'hour', '2026-03-08T07:00:00Z'], // 03:00 EDT
    ['2026-11-01T06:30:00Z', 'America/New_York', 'hour', '2026-11-01T06:00:00Z'], // 01:30 EST
    ['2026-11-01T06:30:00Z', 'America/New_York', 'day', '2026-11-01T04:00:00Z'],
    // Moscow: UTC+3 all year
    ['2026-03-29T20:59:59Z', 'Europe/Moscow', 'day', '2026-03-28T21:00:00Z'],
    ['2026-03-29T21:00:00Z', 'Europe/Moscow', 'day', '2026-03-29T21:00:00Z'],
    // Half-hour offset
    ['2026-06-01T10:10:00Z', 'Asia/Kolkata', 'hour', '2026-06-01T09:30:00Z'],
    // Santiago 2026-09-06: midnight does not exist, the day starts at 01:00 −03
    ['2026-09-06T12:00:00Z', 'America/Santiago', 'day', '2026-09-06T04:00:00Z'],
    // Havana 2026-11-01 falls back 01:00 → 00:00: the day starts at the first midnight
    ['2026-11-01T05:30:00Z', 'America/Havana', 'day', '2026-11-01T04:00:00Z'],
    ['2026-11-01T05:30:00Z', 'America/Havana', 'hour', '2026-11-01T05:00:00Z'],
    // Weeks start Monday, across a year end: 2026-01-01 is a Thursday
    ['2026-01-01T12:00:00Z', 'Europe/Berlin', 'week', '2025-12-28T23:00:00Z'],
    ['2026-03-29T12:00:00Z', 'Europe/Berlin', 'week', '2026-03-22T23:00:00Z'], // Sunday → previous Monday
    ['2026-03-30T00:00:00Z', 'Europe/Berlin', 'week', '2026-03-29T22:00:00Z'], // Monday 02:00 CEST
    // Month ends, local not UTC
    ['2026-01-31T23:30:00Z', 'Europe/Berlin', 'month', '2026-01-31T23:00:00Z'], // already 1 Feb in Berlin
    ['2026-01-31T22:59:59Z', 'Europe/Berlin', 'month', '2025-12-31T23:00:00Z'],
    ['2028-02-29T23:00:00Z', 'America/New_York', 'month', '2028-02-01T05:00:00Z'], // leap day evening
    ['2026-04-01T03:00:00Z', 'America/New_York', 'month', '2026-03-01T05:00:00Z'], // 31 Mar 23:00 EDT
  ])('%s in %s, %s → %s', (instant, zone, bucket, start) => {
    expect(new Date(bucketStart(at(instant), zone, bucket)).toISOString()).toBe(new Date(at(start)).toISOString());
  });

  it('refuses an unknown zone with a message naming it', () => {
    expect(() => bucketStart(0, 'Mars/Olympus', 'day')).toThrow('unknown time zone: Mars/Olympus');
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('Europe/Moscow')).toBe(true);
  });
});

describe('bucketsBetween', () => {
  it('a spring-forward day has 23 hours, a fall-back day 25', () => {
    const spring = durations('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 'Europe/Berlin', 'hour');
    expect(spring).toEqual(Array(23).fill(1));
    const fall = durations('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 'Europe/Berlin', 'hour');
    expect(fall).toEqual(Array(25).fill(1));
    const hours = bucketsBetween(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), 'Europe/Berlin', 'hour').map((s) =>
      localHour(s.start, 'Europe/Berlin'),
    );
    expect(hours.slice(0, 5)).toEqual([0, 1, 2, 2, 3]);
  });

  it.each<[string, string, string, number[]]>([
    ['Europe/Berlin', '2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z', [24, 23, 24]],
    ['Europe/Berlin', '2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z', [24, 25, 24]],
    ['America/New_York', '2026-03-07T05:00:00Z', '2026-03-10T04:00:00Z', [24, 23, 24]],
    ['America/New_York', '2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z', [24, 25, 24]],
    ['Europe/Moscow', '2026-03-27T21:00:00Z', '2026-03-30T21:00:00Z', [24, 24, 24]],
    ['America/Santiago', '2026-09-05T04:00:00Z', '2026-09-07T03:00:00Z', [24, 23]],
  ])('day lengths in %s', (zone, from, to, hours) => {
    expect(durations(from, to, zone, 'day')).toEqual(hours);
  });

  it('months of 28, 31 and a DST month of 743 hours', () => {
    expect(durations('2026-01-31T23:00:00Z', '2026-04-30T22:00:00Z', 'Europe/Berlin', 'month')).toEqual([28 * 24, 31 * 24 - 1, 30 * 24]);
  });

  it('clips the first and last bucket to the range', () => {
    const spans = bucketsBetween(at('2026-03-03T10:00:00Z'), at('2026-04-10T00:00:00Z'), 'Europe/Berlin', 'month');
    expect(spans).toEqual([
      { start: at('2026-03-03T10:00:00Z'), end: at('2026-03-31T22:00:00Z') },
      { start: at('2026-03-31T22:00:00Z'), end: at('2026-04-10T00:00:00Z') },
    ]);
  });

  it("'none' is one bucket; an empty range has none; a runaway range is refused", () => {
    expect(bucketsBetween(5, 10, 'UTC', 'none')).toEqual([{ start: 5, end: 10 }]);
    expect(bucketsBetween(10, 10, 'UTC', 'day')).toEqual([]);
    expect(() => bucketsBetween(0, 200 * 365 * 24 * H, 'UTC', 'hour')).toThrow(RangeError);
  });

  const zones = [
    'Europe/Berlin',
    'America/New_York',
    'Europe/Moscow',
    'America/Santiago',
    'America/Havana',
    'Asia/Kolkata',
    'Australia/Lord_Howe',
    'UTC',
  ];
  const instant = fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2028-12-31T00:00:00Z') });

  it('partitions any range, every bucket starting where the last ended, and holds its own instants', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom<Bucket>('hour', 'day', 'week', 'month'),
        instant,
        fc.integer({ min: 1, max: 40 * 24 * H }),
        (zone, bucket, from, length) => {
          const spans = bucketsBetween(from, from + length, zone, bucket);
          expect(spans[0]!.start).toBe(from);
          expect(spans.at(-1)!.end).toBe(from + length);
          spans.forEach((s, i) => {
            expect(s.start).toBeLessThan(s.end);
            if (i > 0) expect(s.start).toBe(spans[i - 1]!.end);
            expect(bucketStart(s.end - 1, zone, bucket)).toBe(bucketStart(s.start, zone, bucket));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bucketStart reads as the start of its calendar unit, and the instant before it does not', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom<Bucket>('hour', 'day', 'week', 'month'), instant, (zone, bucket, t) => {
        const start = bucketStart(t, zone, bucket);
        const [here, before, atT] = [localTime(start, zone), localTime(start - 1000, zone), localTime(t, zone)];
        expect(here.second).toBe(0);
        expect([0, 30]).toContain(here.minute); // 30 only where DST shifts by half an hour (Lord Howe)
        if (bucket === 'hour') {
          expect([here.day, here.hour]).toEqual([atT.day, atT.hour]);
          expect(before.minute).toBe(59);
        } else {
          expect(before.day).not.toBe(here.day);
          if (bucket === 'day') expect(here.day).toBe(atT.day);
          if (bucket === 'week') expect(here.weekday).toBe(1);
          if (bucket === 'month') expect([here.month, here.day]).toEqual([atT.month, 1]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('bucketStart is idempotent, at or before the instant, and less than one bucket away', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.constantFrom<Bucket>('hour', 'day', 'week', 'month'), instant, (zone, bucket, t) => {
        const start = bucketStart(t, zone, bucket);
        expect(start).toBeLessThanOrEqual(t);
        expect(bucketStart(start, zone, bucket)).toBe(start);
        expect(nextBucketStart(start, zone, bucket)).toBeGreaterThan(t);
      }),
      { numRuns: 500 },
    );
  });
});

describe('local hour and weekday', () => {
  it.each([
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', 2, 7],
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', 2, 7],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', 3, 7],
    ['2026-03-29T21:30:00Z', 'Europe/Moscow', 0, 1], // Monday 00:30 in Moscow, Sunday in UTC
    ['2026-01-01T04:59:59Z', 'America/New_York', 23, 3], // still Wednesday 31 Dec in New York
  ])('%s in %s: hour %i, ISO weekday %i', (instant, zone, hour, weekday) => {
    expect(localHour(at(instant), zone)).toBe(hour);
    expect(isoWeekday(at(instant), zone)).toBe(weekday);
  });

  it('reads the full wall clock', () => {
    expect(localTime(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 3,
      minute: 0,
      second: 0,
      weekday: 7,
    });
  });
});

describe('previousPeriod', () => {
  const iso = (span: { start: number; end: number }) => [new Date(span.start).toISOString(), new Date(span.end).toISOString()];

  it.each([
    [
      'March → February (28 days)',
      '2026-02-28T23:00:00Z',
      '2026-03-31T22:00:00Z',
      ['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z'],
    ],
    ['Q2 → Q1', '2026-03-31T22:00:00Z', '2026-06-30T22:00:00Z', ['2025-12-31T23:00:00.000Z', '2026-03-31T22:00:00.000Z']],
    [
      'the week after spring-forward → the 7 local days before',
      '2026-03-29T22:00:00Z',
      '2026-04-05T22:00:00Z',
      ['2026-03-22T23:00:00.000Z', '2026-03-29T22:00:00.000Z'],
    ],
    [
      'the 23-hour day → the whole day before',
      '2026-03-28T23:00:00Z',
      '2026-03-29T22:00:00Z',
      ['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z'],
    ],
    [
      'an arbitrary range → the same duration before',
      '2026-03-29T10:15:00Z',
      '2026-03-29T12:15:00Z',
      ['2026-03-29T08:15:00.000Z', '2026-03-29T10:15:00.000Z'],
    ],
  ])('%s', (_name, from, to, expected) => {
    expect(iso(previousPeriod(at(from), at(to), 'Europe/Berlin'))).toEqual(expected);
  });

  it('refuses an empty range', () => {
    expect(() => previousPeriod(5, 5, 'UTC')).toThrow(RangeError);
  });
});

describe('localIso', () => {
  it.each([
    ['2026-03-02T06:00:00Z', 'Europe/Moscow', '2026-03-02T09:00:00+03:00'],
    ['2026-03-29T00:30:00Z', 'Europe/Berlin', '2026-03-29T01:30:00+01:00'], // spring forward: before the gap
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-03-29T03:00:00+02:00'], // after it
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', '2026-10-25T02:30:00+02:00'], // the repeated hour, first
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', '2026-10-25T02:30:00+01:00'], // and second time
    ['2026-01-15T12:00:00Z', 'America/St_Johns', '2026-01-15T08:30:00-03:30'],
    ['2026-06-01T00:00:00Z', 'Europe/London', '2026-06-01T01:00:00+01:00'],
    ['2026-01-01T00:00:00Z', 'UTC', '2026-01-01T00:00:00+00:00'],
  ])('%s in %s reads %s', (instant, zone, expected) => {
    expect(localIso(at(instant), zone)).toBe(expected);
  });

  it("agrees with Intl's own offset name for any second in any of these zones", () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Europe/Moscow', 'America/Santiago'];
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z') / 1000, max: at('2030-01-01T00:00:00Z') / 1000 }),
        fc.constantFrom(...zones),
        (s, zone) => {
          const f = new Intl.DateTimeFormat('sv-SE', {
            timeZone: zone,
            hourCycle: 'h23',
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            timeZoneName: 'longOffset',
          });
          const parts = Object.fromEntries(f.formatToParts(s * 1000).map((p) => [p.type, p.value]));
          const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName!.slice(3).replace('\u2212', '-');
          expect(localIso(s * 1000, zone)).toBe(
            `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`,
          );
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('wholeMonths (the breakdown reads whole local months from the month cells)', () => {
  it('finds the months wholly inside a range of local days, and the days they span', () => {
    expect(wholeMonths(20251201, 20261201)).toEqual({ fromMonth: 202512, toMonth: 202612, fromDay: 20251201, toDay: 20261201 });
    expect(wholeMonths(20260115, 20260410)).toEqual({ fromMonth: 202602, toMonth: 202604, fromDay: 20260201, toDay: 20260401 });
    expect(wholeMonths(20251215, 20260201)).toEqual({ fromMonth: 202601, toMonth: 202602, fromDay: 20260101, toDay: 20260201 });
    expect(wholeMonths(20260101, 20260131)).toBeNull(); // January minus its last day
    expect(wholeMonths(20260105, 20260220)).toBeNull();
  });

  it('counts exactly the months whose first and last days are in the range', () => {
    const nextMonth = (m: number) => (m % 100 === 12 ? (Math.floor(m / 100) + 1) * 100 + 1 : m + 1);
    const lastDay = (m: number) => addDays(nextMonth(m) * 100 + 1, -1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 1, max: 500 }), (start, len) => {
        const from = addDays(20240101, start);
        const to = addDays(from, len);
        const days: number[] = [];
        for (let d = from; d < to; d = addDays(d, 1)) days.push(d);
        const whole = [...new Set(days.map((d) => Math.floor(d / 100)))].filter(
          (m) => days.includes(m * 100 + 1) && days.includes(lastDay(m)),
        );
        expect(wholeMonths(from, to)).toEqual(
          whole.length === 0
            ? null
            : {
                fromMonth: whole[0],
                toMonth: nextMonth(whole.at(-1)!),
                fromDay: whole[0]! * 100 + 1,
                toDay: addDays(lastDay(whole.at(-1)!), 1),
              },
        );
      }),
    );
  });
});

describe('monthParts (rankings read months from the month rows, days from the day rows)', () => {
  it('reads whole months as months, a month mostly inside as the month less its other days, the rest as days', () => {
    expect(monthParts(20251201, 20261201)).toEqual([{ grain: 'month', from: 202512, to: 202612, sign: 1 }]);
    // Jan 15 – Apr 10: January is 17 of its 31 days (its month less 14), April 9 of 30 (days).
    expect(monthParts(20260115, 20260410)).toEqual([
      { grain: 'month', from: 202601, to: 202604, sign: 1 },
      { grain: 'day', from: 20260101, to: 20260115, sign: -1 },
      { grain: 'day', from: 20260401, to: 20260410, sign: 1 },
    ]);
    // This month up to the 20th: the month less the days to come.
    expect(monthParts(20261201, 20261221)).toEqual([
      { grain: 'month', from: 202612, to: 202701, sign: 1 },
      { grain: 'day', from: 20261221, to: 20270101, sign: -1 },
    ]);
    // 30 days across two months, half of each: days.
    expect(monthParts(20260517, 20260616)).toEqual([{ grain: 'day', from: 20260517, to: 20260616, sign: 1 }]);
  });

  it('sums (with signs) to exactly the days of the range, reading no more days than the range has', () => {
    const nextMonth = (m: number) => (m % 100 === 12 ? (Math.floor(m / 100) + 1) * 100 + 1 : m + 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 1, max: 500 }), (start, len) => {
        const from = addDays(20240101, start);
        const to = addDays(from, len);
        const count = new Map<number, number>();
        let dayRows = 0;
        for (const p of monthParts(from, to)) {
          const [a, b] = p.grain === 'day' ? [p.from, p.to] : [p.from * 100 + 1, nextMonth(p.to - 1) * 100 + 1];
          for (let d = a; d < b; d = addDays(d, 1)) {
            count.set(d, (count.get(d) ?? 0) + p.sign);
            if (p.grain === 'day') dayRows++;
          }
        }
        const want = new Map<number, number>();
        for (let d = from; d < to; d = addDays(d, 1)) want.set(d, 1);
        expect(new Map([...count].filter(([, n]) => n !== 0))).toEqual(want);
        expect(dayRows).toBeLessThanOrEqual(len);
      }),
    );
  });
});
