/**
 * An upload reduced to each (desk, day)'s end state does to stored counts exactly what taking its entries
 * one by one did (a day entry deletes the day's hourly rows, an hourly one the day's row, later entries win),
 * whatever was stored before. Local days in time zones: 24-hour days and both DST days.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayReplacements, localDay, type PlacedEntry } from '../../../gateway/src/scoring/count-upload.js';
import { startOfDay, utcToDay } from '../../../gateway/src/scoring/calendar.js';
import { localHour, nextBucketStart } from '../../../gateway/src/scoring/periods.js';
import type { DayCounts } from '../../../gateway/src/domain/score.js';

interface Row {
  desk: string;
  day: number;
  start: number;
  hourly: boolean;
  count: number;
}
type Table = Map<string, Row>;
const key = (desk: string, start: number) => `${desk} ${start}`;

/** The old store loop, one entry at a time. */
function oneByOne(table: Table, entries: PlacedEntry[]): Table {
  const t = new Map(table);
  for (const e of entries) {
    const desk = e.deskId ?? '';
    for (const [k, r] of t) if (r.desk === desk && r.day === e.day && r.hourly !== e.hourly) t.delete(k);
    t.set(key(desk, e.start), { desk, day: e.day, start: e.start, hourly: e.hourly, count: e.count });
  }
  return t;
}

/** What the store does with the end states. */
function applyDays(table: Table, days: DayCounts[]): Table {
  const t = new Map(table);
  for (const d of days) {
    const desk = d.deskId ?? '';
    for (const [k, r] of t) if (r.desk === desk && r.day === d.day && (d.replaceAll || r.hourly !== d.hourly)) t.delete(k);
    for (const c of d.counts) t.set(key(desk, c.start), { desk, day: d.day, start: c.start, hourly: d.hourly, count: c.count });
  }
  return t;
}

// A day's row starts at its midnight (hour 0's start too), as in the real tables.
const entry = fc
  .record({
    desk: fc.constantFrom(null, 'd1'),
    day: fc.constantFrom(1, 2),
    hour: fc.option(fc.integer({ min: 0, max: 3 })),
    count: fc.nat(9),
  })
  .map(
    ({ desk, day, hour, count }): PlacedEntry => ({
      deskId: desk,
      day,
      hourly: hour !== null,
      start: day * 100 + (hour ?? 0),
      end: 0,
      count,
    }),
  );

describe('dayReplacements', () => {
  it('leaves the stored counts as entering the entries one by one did', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), fc.array(entry, { minLength: 1, maxLength: 12 }), (before, upload) => {
        const stored = oneByOne(new Map(), before);
        expect(applyDays(stored, dayReplacements('o', upload))).toEqual(oneByOne(stored, upload));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps one row per start, the last entry's, and lists each (desk, day) once", () => {
    const e = (hour: number | null, count: number, deskId: string | null = null): PlacedEntry => ({
      deskId,
      day: 1,
      hourly: hour !== null,
      start: 100 + (hour ?? 0),
      end: 0,
      count,
    });
    expect(dayReplacements('o', [e(9, 1), e(9, 2), e(10, 3), e(9, 4, 'd1')])).toEqual([
      {
        officeId: 'o',
        deskId: null,
        day: 1,
        hourly: true,
        replaceAll: false,
        counts: [
          { start: 109, end: 0, count: 2 },
          { start: 110, end: 0, count: 3 },
        ],
      },
      { officeId: 'o', deskId: 'd1', day: 1, hourly: true, replaceAll: false, counts: [{ start: 109, end: 0, count: 4 }] },
    ]);
  });
});

/** Every clock hour of a day asked of Intl one by one (what localDay did for every day before). */
function hourByHour(day: number, zone: string): Map<number, { start: number; end: number }> {
  const midnight = startOfDay(day, zone);
  const end = nextBucketStart(midnight, zone, 'day');
  const hours = new Map<number, { start: number; end: number }>();
  for (let t = midnight; t < end; t = nextBucketStart(t, zone, 'hour')) {
    if (!hours.has(localHour(t, zone))) hours.set(localHour(t, zone), { start: t, end: nextBucketStart(t, zone, 'hour') });
  }
  return hours;
}

describe('localDay', () => {
  it.each(['Europe/Berlin', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'])(
    'gives the days of 2024 in %s the hours Intl gives one by one',
    (zone) => {
      // Every clock-change day and the days either side, and every fifth day.
      const days: number[] = [];
      for (let t = Date.UTC(2024, 0, 1), i = 0; t < Date.UTC(2025, 0, 1); t += 86_400_000, i++) {
        const { span } = localDay(utcToDay(t), zone);
        if (span.end - span.start !== 86_400_000) days.push(utcToDay(t - 86_400_000), utcToDay(t), utcToDay(t + 86_400_000));
        else if (i % 5 === 0) days.push(utcToDay(t));
      }
      for (const day of days) expect(localDay(day, zone).hours, `${day}`).toEqual(hourByHour(day, zone));
    },
  );

  const hours = (day: number, zone: string) =>
    [...localDay(day, zone).hours].map(([h, s]) => [h, new Date(s.start).toISOString().slice(11, 16), (s.end - s.start) / 3_600_000]);
  it.each([
    ['a 24-hour day', 20240115, 'Europe/Berlin', 24, [0, '23:00', 1], [23, '22:00', 1]],
    ['spring forward: 2:00 is skipped', 20240331, 'Europe/Berlin', 23, [1, '00:00', 1], [3, '01:00', 1]],
    ['fall back: 2:00 twice, the first kept', 20241027, 'Europe/Berlin', 24, [2, '00:00', 1], [3, '02:00', 1]],
    ['a half-hour zone', 20240115, 'Asia/Kolkata', 24, [0, '18:30', 1], [5, '23:30', 1]],
  ])('%s', (_, day, zone, count, first, later) => {
    const h = hours(day, zone);
    expect(h.length).toBe(count);
    expect(h).toContainEqual(first);
    expect(h).toContainEqual(later);
  });
});
