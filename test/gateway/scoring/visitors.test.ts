/**
 * The period-visitors rule as a pure function, table-driven: which periods' visitors are known, their
 * sum, and which days (hours) lack a count. Every expected value is worked out by hand from the rows.
 */
import { describe, expect, it } from 'vitest';
import { countsBySpan, nameMissing, type ActiveUnit, type CountEntry } from '../../../gateway/src/scoring/visitors.js';

const day = (d: number) => 20260300 + d; // 2026-03-dd
const days = (officeId: string, ...ds: number[]): ActiveUnit[] => ds.map((d) => ({ officeId, at: day(d) }));
const dayCount = (officeId: string, d: number, count: number): CountEntry => ({ officeId, start: day(d), end: day(d) + 1, count });
const period = (from: number, to: number) => ({ start: day(from), end: day(to) });

const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00+03:00'); // Moscow midnight
const hour = (h: number) => T0 + h * H;
const hours = (officeId: string, ...hs: number[]): ActiveUnit[] => hs.map((h) => ({ officeId, at: hour(h) }));
const hourCount = (officeId: string, h: number, count: number): CountEntry => ({ officeId, start: hour(h), end: hour(h + 1), count });
const wholeDay = (officeId: string, count: number): CountEntry => ({ officeId, start: hour(0), end: hour(24), count });

interface Case {
  name: string;
  spans: Array<{ start: number; end: number }>;
  active: ActiveUnit[];
  entries: CountEntry[];
  expected: Array<{ total: number | null; missing: Array<{ officeId: string; units: number[] }> }>;
}

const cases: Case[] = [
  {
    name: 'Moscow: presses on 3 days, counts for 2 → unknown, the third day named',
    spans: [period(2, 5)],
    active: days('msk', 2, 3, 4),
    entries: [dayCount('msk', 2, 10), dayCount('msk', 3, 8)],
    expected: [{ total: null, missing: [{ officeId: 'msk', units: [day(4)] }] }],
  },
  {
    name: 'every day with presses counted → known, V = 10 + 8 + 6',
    spans: [period(2, 5)],
    active: days('msk', 2, 3, 4),
    entries: [dayCount('msk', 2, 10), dayCount('msk', 3, 8), dayCount('msk', 4, 6)],
    expected: [{ total: 24, missing: [] }],
  },
  {
    name: 'a closed day (neither presses nor a count) does not make V unknown',
    spans: [period(2, 6)],
    active: days('spb', 2, 3, 5),
    entries: [dayCount('spb', 2, 12), dayCount('spb', 3, 9), dayCount('spb', 5, 6)],
    expected: [{ total: 27, missing: [] }],
  },
  {
    name: 'no count at all → unknown, every day with presses named',
    spans: [period(2, 6)],
    active: days('kzn', 2, 4),
    entries: [],
    expected: [{ total: null, missing: [{ officeId: 'kzn', units: [day(2), day(4)] }] }],
  },
  {
    name: 'no count and no presses → unknown, nothing to name',
    spans: [period(2, 6)],
    active: [],
    entries: [],
    expected: [{ total: null, missing: [] }],
  },
  {
    name: 'counts but no presses → known (every visitor silent)',
    spans: [period(2, 4)],
    active: [],
    entries: [dayCount('msk', 3, 7)],
    expected: [{ total: 7, missing: [] }],
  },
  {
    name: 'a count of 0 is a count',
    spans: [period(2, 3)],
    active: days('msk', 2),
    entries: [dayCount('msk', 2, 0)],
    expected: [{ total: 0, missing: [] }],
  },
  {
    name: 'a region where one office lacks a day → unknown, naming that office and day only',
    spans: [period(2, 6)],
    active: [...days('msk', 2, 3, 4), ...days('spb', 2, 3, 5)],
    entries: [dayCount('msk', 2, 10), dayCount('msk', 3, 8), dayCount('spb', 2, 12), dayCount('spb', 3, 9), dayCount('spb', 5, 6)],
    expected: [{ total: null, missing: [{ officeId: 'msk', units: [day(4)] }] }],
  },
  {
    name: 'a region with an idle office (no presses, no counts) → known from the others',
    spans: [period(2, 6)],
    active: days('spb', 2, 3),
    entries: [dayCount('spb', 2, 12), dayCount('spb', 3, 9)],
    expected: [{ total: 21, missing: [] }],
  },
  {
    name: 'buckets follow the rule each on its own: day buckets of the Moscow case',
    spans: [period(2, 3), period(3, 4), period(4, 5), period(5, 6)],
    active: days('msk', 2, 3, 4),
    entries: [dayCount('msk', 2, 10), dayCount('msk', 3, 8)],
    expected: [
      { total: 10, missing: [] },
      { total: 8, missing: [] },
      { total: null, missing: [{ officeId: 'msk', units: [day(4)] }] },
      { total: null, missing: [] }, // closed and uncounted: nothing is known, nothing is missing
    ],
  },
  {
    name: 'a count outside the period is not part of it',
    spans: [period(3, 4)],
    active: days('msk', 3),
    entries: [dayCount('msk', 2, 10), dayCount('msk', 4, 6)],
    expected: [{ total: null, missing: [{ officeId: 'msk', units: [day(3)] }] }],
  },
  {
    name: 'hour level: every hour with presses needs an hourly count',
    spans: [
      { start: hour(0), end: hour(24) },
      { start: hour(10), end: hour(11) },
      { start: hour(11), end: hour(12) },
    ],
    active: hours('msk', 10, 11),
    entries: [hourCount('msk', 10, 5)],
    expected: [
      { total: null, missing: [{ officeId: 'msk', units: [hour(11)] }] },
      { total: 5, missing: [] },
      { total: null, missing: [{ officeId: 'msk', units: [hour(11)] }] },
    ],
  },
  {
    name: "hour level: a day entry covers the day's hours when the span holds the whole day, never an hour bucket",
    spans: [
      { start: hour(0), end: hour(24) },
      { start: hour(10), end: hour(11) },
      { start: hour(12), end: hour(13) },
    ],
    active: hours('msk', 10),
    entries: [wholeDay('msk', 10)],
    expected: [
      { total: 10, missing: [] },
      { total: null, missing: [{ officeId: 'msk', units: [hour(10)] }] },
      { total: null, missing: [] },
    ],
  },
];

describe('period visitors: known only when every day (hour) with presses has a count', () => {
  const decided = (...args: Parameters<typeof countsBySpan>) => countsBySpan(...args).map(({ total, missing }) => ({ total, missing }));

  it.each(cases)('$name', ({ spans, active, entries, expected }) => {
    expect(decided(spans, active, entries)).toEqual(expected);
  });

  it('says how many entries lie inside each span (a period with none has nothing uploaded)', () => {
    const counted = countsBySpan([period(2, 4), period(4, 6)], days('msk', 2, 4), [dayCount('msk', 2, 10), dayCount('msk', 3, 8)]);
    expect(counted.map((c) => c.entries)).toEqual([2, 0]);
  });

  it('does not depend on the order rows come in', () => {
    const active = [...days('spb', 5, 2), ...days('msk', 4, 2, 3)];
    const entries = [dayCount('spb', 5, 6), dayCount('msk', 3, 8), dayCount('spb', 2, 12), dayCount('msk', 2, 10)];
    expect(decided([period(2, 6)], active, entries)).toEqual([{ total: null, missing: [{ officeId: 'msk', units: [day(4)] }] }]);
  });

  it('names missing days as local dates and hours as local times with their offset', () => {
    expect(nameMissing([{ officeId: 'msk', units: [day(4), day(31)] }], 'day')).toEqual([
      { officeId: 'msk', days: ['2026-03-04', '2026-03-31'] },
    ]);
    expect(nameMissing([{ officeId: 'msk', units: [hour(11)] }], { hourIn: 'Europe/Moscow' })).toEqual([
      { officeId: 'msk', hours: ['2026-03-02T11:00:00+03:00'] },
    ]);
    // Berlin on the spring-forward night: 01:00 CET, then 03:00 CEST.
    const berlin = Date.parse('2026-03-29T00:00:00Z');
    expect(nameMissing([{ officeId: 'ber', units: [berlin, berlin + H] }], { hourIn: 'Europe/Berlin' })).toEqual([
      { officeId: 'ber', hours: ['2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00'] },
    ]);
  });
});
