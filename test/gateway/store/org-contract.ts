/**
 * Organisation model and score queries every `Store` must answer alike (SQLite and PostgreSQL):
 * pagination order, scoping, references, assignment overlaps, count replacement, rollup queries.
 */
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../shared/src/index.js';
import { dayNumber } from '../../../gateway/src/scoring/calendar.js';
import type { Store } from '../../../gateway/src/store/store.js';

/** Rank rows carry the review columns (issue 13); none of these presses was classified. */
/** A ranking's review counts (rankCounts reads no cause counts: a ranking shows none). */
const NOT_REVIEWED = { revBad: 0, revNeutral: 0, extBad: 0, extNeutral: 0 };

const ZONE = 'Asia/Vladivostok'; // UTC+10, no DST: local day = UTC day + 10 h
const at = (iso: string) => Date.parse(iso);

function press(seq: number, panel: string, button: Event['button'], iso: string, extra: Partial<Event> = {}): Event {
  return { id: ulid(), seq, panel, button, at: iso, clockSynced: true, bootId: 'b', uptimeMs: seq * 1000, flags: [], ...extra };
}

async function seed(store: Store): Promise<void> {
  await store.createOrg('region', { id: 'east', name: 'East' });
  for (const id of ['b-office', 'B-office', 'a-office']) {
    await store.createOrg('office', { id, name: id, timeZone: ZONE, regionId: id === 'a-office' ? null : 'east', k: null });
  }
  await store.createOrg('desk', { id: 'd1', officeId: 'b-office', name: 'Desk 1' });
  await store.createOrg('employee', { id: 'elena', name: 'Elena Ivanova', officeId: 'b-office' });
  await store.createOrg('employee', { id: 'ivan', name: 'Ivan Petrov', officeId: 'b-office' });
  await store.createKiosk({ id: 'k', officeId: 'b-office', passwordHash: 'h' });
  await store.putBinding({ kioskId: 'k', panel: 'desk', kind: 'staff', officeId: 'b-office', deskId: 'd1' });
  await store.putBinding({ kioskId: 'k', panel: 'door', kind: 'office', officeId: 'b-office', deskId: null });
}

const ingest = (store: Store, events: Event[]) =>
  store.commitIngest({ batches: [{ kioskId: 'k', events, rejected: [] }], statuses: [], deadLetters: [] });

export function describeOrgStore(name: string, open: () => Promise<Store>): void {
  describe(`Store contract, organisation and scores: ${name}`, () => {
    it('pages org lists in byte order of ids, scoped to offices when asked', async () => {
      const store = await open();
      await seed(store);
      const page1 = await store.listOrg('office', undefined, 2);
      expect(page1.map((o) => o.id)).toEqual(['B-office', 'a-office']);
      expect((await store.listOrg('office', page1[1]!.id, 2)).map((o) => o.id)).toEqual(['b-office']);
      expect((await store.listOrg('office', undefined, 10, ['a-office'])).map((o) => o.id)).toEqual(['a-office']);
      expect(await store.listOrg('employee', undefined, 10, [])).toEqual([]);
      expect((await store.officesInRegions(['east'])).sort()).toEqual(['B-office', 'b-office']);
      expect(await store.getOrg('employee', 'elena')).toEqual({ id: 'elena', name: 'Elena Ivanova', officeId: 'b-office' });
      await store.close();
    });

    it('refuses a taken id, reports a missing one, and refuses to delete what is referenced', async () => {
      const store = await open();
      await seed(store);
      expect(await store.createOrg('desk', { id: 'd1', officeId: 'b-office', name: 'again' })).toBe(false);
      expect(await store.updateOrg('desk', { id: 'nope', officeId: 'b-office', name: 'x' })).toBe(false);
      expect(await store.updateOrg('desk', { id: 'd1', officeId: 'b-office', name: 'Window 1' })).toBe(true);
      expect((await store.getOrg('desk', 'd1'))!.name).toBe('Window 1');
      expect(await store.deleteOrg('office', 'b-office')).toEqual({ result: 'referenced', by: 'desks' });
      expect(await store.deleteOrg('office', 'a-office')).toEqual({ result: 'deleted' });
      expect(await store.deleteOrg('office', 'a-office')).toEqual({ result: 'missing' });
      await store.close();
    });

    it('refuses overlapping assignments, attributes by press time, and re-attributes on a correction', async () => {
      const store = await open();
      await seed(store);
      const shift = { id: 's1', deskId: 'd1', employeeId: 'elena', from: at('2026-05-01T00:00:00Z'), to: at('2026-05-01T04:00:00Z') };
      expect(await store.putAssignment(shift)).toMatchObject({ ok: true, reattributed: 0 });
      const overlap = await store.putAssignment({ ...shift, id: 's2', employeeId: 'ivan', from: at('2026-05-01T03:00:00Z'), to: null });
      expect(overlap.ok).toBe(false);
      await ingest(store, [
        press(1, 'desk', 'good', '2026-05-01T01:00:00Z'),
        press(2, 'desk', 'bad', '2026-05-01T05:00:00Z'), // nobody assigned yet: unattributed
        press(3, 'door', 'neutral', '2026-05-01T05:30:00Z'),
      ]);
      const day = dayNumber(2026, 5, 1);
      const byDay = async (s: Parameters<Store['countsByDay']>[0]) =>
        (await store.countsByDay(s, day, day + 1))
          .map((r) => ({ kind: r.kind, unattributed: r.unattributed, good: r.good, neutral: r.neutral, bad: r.bad, excluded: r.excluded }))
          .sort((a, b) => `${a.kind}${a.unattributed}`.localeCompare(`${b.kind}${b.unattributed}`));
      expect(await byDay({ level: 'employee', id: 'elena' })).toEqual([
        { kind: 'staff', unattributed: false, good: 1, neutral: 0, bad: 0, excluded: 0 },
      ]);
      expect(await byDay({ level: 'office', id: 'b-office' })).toEqual([
        { kind: 'office', unattributed: false, good: 0, neutral: 1, bad: 0, excluded: 0 },
        { kind: 'staff', unattributed: false, good: 1, neutral: 0, bad: 0, excluded: 0 },
        { kind: 'staff', unattributed: true, good: 0, neutral: 0, bad: 1, excluded: 0 },
      ]);
      // Ivan was at the desk after all from 04:00: the 05:00 press becomes his.
      expect(
        await store.putAssignment({ id: 's2', deskId: 'd1', employeeId: 'ivan', from: at('2026-05-01T04:00:00Z'), to: null }),
      ).toMatchObject({ ok: true, reattributed: 1 });
      expect(await byDay({ level: 'employee', id: 'ivan' })).toEqual([
        { kind: 'staff', unattributed: false, good: 0, neutral: 0, bad: 1, excluded: 0 },
      ]);
      expect((await store.listAssignments({ officeIds: ['b-office'] }, undefined, 10)).map((a) => a.id)).toEqual(['s1', 's2']);
      expect(await store.listAssignments({ officeIds: ['a-office'] }, undefined, 10)).toEqual([]);
      expect(await store.deleteAssignment('s2')).toEqual({ reattributed: 1 });
      expect(await byDay({ level: 'employee', id: 'ivan' })).toEqual([]);
      await store.close();
    });

    it('answers hour, breakdown and ranking queries from the rollups, and counts presses of unknown time', async () => {
      const store = await open();
      await seed(store);
      await store.putAssignment({ id: 's1', deskId: 'd1', employeeId: 'elena', from: 0, to: null });
      await ingest(store, [
        press(1, 'desk', 'good', '2026-05-01T01:10:00Z'),
        press(2, 'desk', 'good', '2026-05-01T01:20:00Z'),
        press(3, 'desk', 'bad', '2026-05-01T02:10:00Z'),
        press(4, 'desk', 'bad', '2026-05-01T02:10:01Z'), // within the lock-out: excluded as misuse
        press(5, 'desk', 'good', '2021-01-01T00:00:00Z', { clockSynced: false, bootId: 'never-synced' }),
      ]);
      const hours = await store.countsByHour({ level: 'office', id: 'b-office' }, at('2026-05-01T00:00:00Z'), at('2026-05-02T00:00:00Z'));
      expect(hours.map((h) => [h.hourStart, h.localHour, h.good, h.bad, h.excluded])).toEqual(
        expect.arrayContaining([
          [at('2026-05-01T01:00:00Z'), 11, 2, 0, 0],
          [at('2026-05-01T02:00:00Z'), 12, 0, 1, 1],
        ]),
      );
      const day = dayNumber(2026, 5, 1);
      const split = await store.breakdown({ level: 'employee', id: 'elena' }, { fromDay: day, toDay: day + 1 });
      expect(split.map((h) => [h.localHour, h.weekday, h.good, h.bad])).toEqual(
        expect.arrayContaining([
          [11, 5, 2, 0],
          [12, 5, 0, 1],
        ]),
      );
      expect(await store.rankCounts('employee', 'staff', day, day + 1)).toEqual([
        { id: 'elena', officeId: 'b-office', good: 2, neutral: 0, bad: 1, excluded: 1, ...NOT_REVIEWED },
      ]);
      expect(await store.rankCounts('office', 'staff', day, day + 1)).toEqual([
        { id: 'b-office', officeId: 'b-office', good: 2, neutral: 0, bad: 1, excluded: 1, ...NOT_REVIEWED },
      ]);
      // Without the review counts (a ranking by another index than inkQualified).
      expect(await store.rankCounts('employee', 'staff', day, day + 1, undefined, false)).toEqual([
        { id: 'elena', officeId: 'b-office', good: 2, neutral: 0, bad: 1, excluded: 1 },
      ]);
      // Within offices (the office page): the same rows for its own, none for another.
      for (const level of ['employee', 'desk', 'office'] as const) {
        expect(await store.rankCounts(level, 'staff', day, day + 1, ['b-office'])).toEqual(
          await store.rankCounts(level, 'staff', day, day + 1),
        );
        expect(await store.rankCounts(level, 'staff', day, day + 1, ['a-office'])).toEqual([]);
      }
      expect(await store.employeePressDays(day, day + 1, ['elena'])).toEqual([{ employeeId: 'elena', days: [day] }]);
      expect(await store.employeePressDays(day, day + 1, ['ivan'])).toEqual([]);
      expect(await store.timeUncertain(['b-office'])).toBe(1);
      expect(await store.timeUncertain([])).toBe(0);
      await store.close();
    });

    it('sums whole months from the month rows and the days around them from the day rows', async () => {
      const store = await open();
      await seed(store);
      await store.putAssignment({ id: 's1', deskId: 'd1', employeeId: 'elena', from: 0, to: null });
      // Local noon (UTC+10) on 04-30, 05-01, 05-31, 06-01, 06-02; a door press mid-May.
      await ingest(store, [
        press(1, 'desk', 'good', '2026-04-30T02:00:00Z'),
        press(2, 'desk', 'bad', '2026-05-01T02:00:00Z'),
        press(3, 'door', 'good', '2026-05-15T02:00:00Z'),
        press(4, 'desk', 'good', '2026-05-31T02:00:00Z'),
        press(5, 'desk', 'neutral', '2026-06-01T02:00:00Z'),
        press(6, 'desk', 'good', '2026-06-02T02:00:00Z'),
      ]);
      const [apr30, may1, jun1, jun2] = [dayNumber(2026, 4, 30), dayNumber(2026, 5, 1), dayNumber(2026, 6, 1), dayNumber(2026, 6, 2)];
      const counts = (good: number, neutral: number, bad: number) => ({ good, neutral, bad, excluded: 0, ...NOT_REVIEWED });
      // Ranges with a whole month (May) and a day either side, with only the days around, with none; May
      // less its first day (read as the month less that day), and less its first and last (nobody left).
      const [may2, may31] = [dayNumber(2026, 5, 2), dayNumber(2026, 5, 31)];
      const ranges: Array<[number, number, ReturnType<typeof counts> | null]> = [
        [apr30, jun2, counts(2, 1, 1)],
        [may1, jun1, counts(1, 0, 1)],
        [apr30, jun1, counts(2, 0, 1)],
        [may1, jun2, counts(1, 1, 1)],
        [apr30, may1, counts(1, 0, 0)],
        [may2, jun1, counts(1, 0, 0)],
        [may2, may31, null],
      ];
      for (const [from, to, want] of ranges) {
        const one = (id: string) => (want ? [{ id, officeId: 'b-office', ...want }] : []);
        expect(await store.rankCounts('employee', 'staff', from, to), `${from}–${to}`).toEqual(one('elena'));
        expect(await store.rankCounts('desk', 'staff', from, to, ['b-office'])).toEqual(one('d1'));
        expect(await store.rankCounts('office', 'staff', from, to)).toEqual(one('b-office'));
        expect(await store.rankCounts('employee', 'staff', from, to, ['b-office'])).toEqual(one('elena'));
        expect(await store.rankCounts('employee', 'staff', from, to, ['a-office'])).toEqual([]);
      }
      // An office's counts by month: a summed row per month and kind, carrying a day of its month.
      const office = { level: 'office', id: 'b-office' } as const;
      const rows = (r: Awaited<ReturnType<Store['countsByDay']>>) =>
        r
          .map((x) => [Math.floor(x.day / 100), x.kind, x.good, x.neutral, x.bad])
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(rows(await store.countsByDay(office, apr30, jun2, 'month'))).toEqual([
        [202604, 'staff', 1, 0, 0],
        [202605, 'office', 1, 0, 0],
        [202605, 'staff', 1, 0, 1],
        [202606, 'staff', 0, 1, 0],
      ]);
      // Over the whole range: the parts' rows add up to the period's counts, each dated within it.
      const period = await store.countsByDay(office, apr30, jun2, 'period');
      expect(period.every((r) => r.day >= apr30 && r.day < jun2)).toBe(true);
      const staff = period.filter((r) => r.kind === 'staff');
      expect([
        staff.reduce((n, r) => n + r.good, 0),
        staff.reduce((n, r) => n + r.neutral, 0),
        staff.reduce((n, r) => n + r.bad, 0),
      ]).toEqual([2, 1, 1]);
      expect(rows(await store.countsByDay({ level: 'region', id: 'east' }, may1, jun1, 'period'))).toEqual([
        [202605, 'office', 1, 0, 0],
        [202605, 'staff', 1, 0, 1],
      ]);
      await store.close();
    });

    it('registers a kiosk and its panel bindings in one transaction: a binding that fails leaves no kiosk', async () => {
      const store = await open();
      await seed(store);
      const desk = { kioskId: 'k3', panel: 'desk', kind: 'staff' as const, officeId: 'b-office', deskId: 'd1' };
      expect(await store.createKiosk({ id: 'k3', passwordHash: 'h', bindings: [desk] })).toBe(true);
      expect(await store.listBindings('k3')).toEqual([desk]);
      // A taken id writes nothing, bindings included.
      expect(await store.createKiosk({ id: 'k3', passwordHash: 'h', bindings: [{ ...desk, panel: 'other' }] })).toBe(false);
      expect(await store.listBindings('k3')).toEqual([desk]);
      // The second binding names an office that does not exist: the whole registration is undone.
      const good = { kioskId: 'k4', panel: 'desk', kind: 'staff' as const, officeId: 'b-office', deskId: 'd1' };
      await expect(
        store.createKiosk({
          id: 'k4',
          passwordHash: 'h',
          bindings: [good, { ...good, panel: 'door', kind: 'office', officeId: 'ghost', deskId: null }],
        }),
      ).rejects.toThrow();
      expect(await store.kioskExists('k4')).toBe(false);
      expect(await store.listBindings('k4')).toEqual([]);
      await store.close();
    });

    it('judges a press as if a refused press of its batch (an id another kiosk owns) had never been there', async () => {
      const store = await open();
      await seed(store);
      await store.createKiosk({ id: 'k2', passwordHash: 'h' });
      const t0 = at('2026-05-01T01:00:00Z');
      const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
      const stolen = press(1, 'door', 'good', iso(0));
      await store.commitIngest({ batches: [{ kioskId: 'k2', events: [stolen], rejected: [] }], statuses: [], deadLetters: [] });
      await ingest(store, [press(1, 'door', 'good', iso(0))]);
      // 6 s later a press whose id k2 already owns (refused), 8 s later a press: 8 s after the last
      // accepted one, so counted — not a repeat of the refused press 2 s before it.
      const [out] = await ingest(store, [{ ...press(2, 'door', 'good', iso(6)), id: stolen.id }, press(3, 'door', 'bad', iso(8))]);
      expect(out!.rejected.map((r) => r.reason)).toEqual(['event id is already used by another kiosk']);
      const day = dayNumber(2026, 5, 1);
      expect((await store.rankCounts('office', 'office', day, day + 1))[0]).toMatchObject({ good: 1, bad: 1, excluded: 0 });
      await store.close();
    });

    it("keeps one visitor figure per period: a day entry replaces that day's hourly ones", async () => {
      const store = await open();
      await seed(store);
      const day = dayNumber(2026, 5, 1);
      const hour = (h: number, count: number) => ({
        start: at('2026-04-30T14:00:00Z') + h * 3_600_000,
        end: at('2026-04-30T14:00:00Z') + (h + 1) * 3_600_000,
        count,
      });
      const office = { officeId: 'b-office', deskId: null, day, replaceAll: false };
      await store.putCounts('visitors', [{ ...office, hourly: true, counts: [hour(9, 10), hour(10, 12)] }]);
      expect((await store.listCounts('visitors', ['b-office'], null, day, day + 1)).map((c) => c.count)).toEqual([10, 12]);
      await store.putCounts('visitors', [
        { ...office, hourly: false, counts: [{ start: at('2026-04-30T14:00:00Z'), end: at('2026-05-01T14:00:00Z'), count: 30 }] },
      ]);
      expect(await store.listCounts('visitors', ['b-office'], null, day, day + 1)).toEqual([
        { officeId: 'b-office', deskId: null, start: at('2026-04-30T14:00:00Z'), end: at('2026-05-01T14:00:00Z'), day, count: 30 },
      ]);
      expect(await store.listCounts('sales', ['b-office'], null, day, day + 1)).toEqual([]);
      // The zones farthest from UTC: Kiritimati's day starts 14 h before its UTC date, the last hour of a
      // day at UTC−12 ends 36 h after it. Each entry is listed for its own day, none for the next.
      const may2 = dayNumber(2026, 5, 2);
      const far = [
        { officeId: 'a-office', deskId: null, start: at('2026-05-01T10:00:00Z'), end: at('2026-05-02T10:00:00Z'), day: may2, count: 1 }, // UTC+14
        { officeId: 'B-office', deskId: null, start: at('2026-05-03T11:00:00Z'), end: at('2026-05-03T12:00:00Z'), day: may2, count: 2 }, // 23:00 at UTC−12
      ];
      await store.putCounts(
        'visitors',
        far.map(({ start, end, count, ...key }) => ({
          ...key,
          hourly: end - start < 86_400_000,
          replaceAll: false,
          counts: [{ start, end, count }],
        })),
      );
      const both = async (from: number, to: number) =>
        (await store.listCounts('visitors', ['a-office', 'B-office'], null, from, to)).sort((a, b) => a.count - b.count);
      expect(await both(may2, may2 + 1)).toEqual(far);
      expect(await both(may2 + 1, may2 + 2)).toEqual([]);
      expect(await both(day, may2)).toEqual([]);
      await store.close();
    });

    it("tells the local days and hours on which each office had presses (misuse too), and lists desks' own counts", async () => {
      const store = await open();
      await seed(store);
      await store.createOrg('office', { id: 'idle', name: 'idle', timeZone: ZONE, regionId: null, k: null });
      // Vladivostok is UTC+10: 2026-05-01T01:10Z is 11:10 on May 1; 13:59:58Z is 23:59:58 on May 1 and
      // 14:00:01Z is 00:00:01 on May 2 — a repeat within the lock-out, so May 2 has only a misuse press.
      await ingest(store, [
        press(1, 'desk', 'good', '2026-05-01T01:10:00Z'),
        press(2, 'door', 'bad', '2026-05-01T02:20:00Z'),
        press(3, 'desk', 'good', '2026-05-01T13:59:58Z'),
        press(4, 'desk', 'bad', '2026-05-01T14:00:01Z'),
        press(5, 'door', 'good', '2026-05-03T00:30:00Z'),
        press(6, 'desk', 'good', '2021-01-01T00:00:00Z', { clockSynced: false, bootId: 'never-synced' }), // time unknown: no day
        press(7, 'loose', 'good', '2026-05-04T00:30:00Z'), // unbound panel: stored, scored nowhere
      ]);
      const byOffice = <T extends { officeId: string }>(rows: T[]) =>
        [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
      expect(byOffice(await store.pressDays(['b-office', 'idle'], dayNumber(2026, 4, 1), dayNumber(2026, 6, 1)))).toEqual([
        { officeId: 'b-office', day: dayNumber(2026, 5, 1) },
        { officeId: 'b-office', day: dayNumber(2026, 5, 2) },
        { officeId: 'b-office', day: dayNumber(2026, 5, 3) },
      ]);
      expect(await store.pressDays(['b-office'], dayNumber(2026, 5, 2), dayNumber(2026, 5, 3))).toEqual([
        { officeId: 'b-office', day: dayNumber(2026, 5, 2) },
      ]);
      expect(await store.pressDays(['idle'], dayNumber(2026, 1, 1), dayNumber(2027, 1, 1))).toEqual([]);
      expect(byOffice(await store.pressHours(['b-office', 'idle'], at('2026-05-01T00:00:00Z'), at('2026-05-02T00:00:00Z')))).toEqual([
        { officeId: 'b-office', hourStart: at('2026-05-01T01:00:00Z') },
        { officeId: 'b-office', hourStart: at('2026-05-01T02:00:00Z') },
        { officeId: 'b-office', hourStart: at('2026-05-01T13:00:00Z') },
        { officeId: 'b-office', hourStart: at('2026-05-01T14:00:00Z') },
      ]);
      expect(await store.rankCounts('desk', 'staff', dayNumber(2026, 5, 1), dayNumber(2026, 5, 3))).toEqual([
        { id: 'd1', officeId: 'b-office', good: 2, neutral: 0, bad: 0, excluded: 1, ...NOT_REVIEWED },
      ]);

      const day = dayNumber(2026, 5, 1);
      const span = { start: at('2026-04-30T14:00:00Z'), end: at('2026-05-01T14:00:00Z'), day };
      const wholeDay = (deskId: string | null, count: number) => ({
        officeId: 'b-office',
        deskId,
        day,
        hourly: false,
        replaceAll: false,
        counts: [{ start: span.start, end: span.end, count }],
      });
      await store.putCounts('visitors', [wholeDay(null, 30), wholeDay('d1', 12)]);
      expect(await store.listDeskCounts('visitors', ['b-office', 'idle'], day, day + 1)).toEqual([
        { officeId: 'b-office', deskId: 'd1', ...span, count: 12 },
      ]);
      expect(await store.listDeskCounts('sales', ['b-office'], day, day + 1)).toEqual([]);
      await store.close();
    });

    it('applies an upload of more days than one transaction holds, whole, each day replacing what it names', async () => {
      const store = await open();
      await seed(store);
      const H = 3_600_000;
      const from = at('2026-01-01T00:00:00Z');
      const days = (n: number, hourly: boolean, count: number, deskId: string | null = null) =>
        Array.from({ length: n }, (_, i) => ({
          officeId: 'b-office',
          deskId,
          day: dayNumber(2026, 1, 1 + i),
          hourly,
          replaceAll: false,
          counts: hourly
            ? Array.from({ length: 24 }, (_, h) => ({ start: from + i * 24 * H + h * H, end: from + i * 24 * H + (h + 1) * H, count }))
            : [{ start: from + i * 24 * H, end: from + (i + 1) * 24 * H, count }],
        }));
      const list = (deskId: string | null = null) =>
        store.listCounts('visitors', ['b-office'], deskId, dayNumber(2026, 1, 1), dayNumber(2026, 2, 1));
      await store.putCounts('visitors', [...days(30, true, 2), ...days(30, true, 5, 'd1')]); // 1 440 rows
      expect((await list()).length).toBe(720);
      expect((await list('d1')).reduce((s, c) => s + c.count, 0)).toBe(720 * 5);
      // Day entries for the first ten days replace their hours; the other twenty days keep theirs.
      await store.putCounts('visitors', days(10, false, 40));
      const after = await list();
      expect(after.length).toBe(10 + 20 * 24);
      expect(after.reduce((s, c) => s + c.count, 0)).toBe(10 * 40 + 20 * 24 * 2);
      expect((await list('d1')).length).toBe(720);
      await store.close();
    });

    it('stores a served ticket once per desk, ticket and instant, and counts served tickets and fed days per local day', async () => {
      const store = await open();
      await seed(store);
      await store.createOrg('desk', { id: 'd2', officeId: 'b-office', name: 'Desk 2' });
      const served = (id: string, deskId: string, employeeId: string, ticket: string, iso: string) =>
        ({ id, type: 'served', deskId, employeeId, ticket, at: at(iso) }) as const;
      const first = await store.applyQueueEvents([
        { id: 'o-1', type: 'opened', deskId: 'd2', employeeId: 'ivan', at: at('2026-05-01T23:00:00Z') }, // 2 May in Vladivostok
        served('s-1', 'd1', 'elena', 'A1', '2026-05-01T01:00:00Z'),
        served('s-2', 'd1', 'elena', 'A2', '2026-05-01T02:00:00Z'),
        served('s-3', 'd1', 'elena', 'A3', '2026-05-01T15:00:00Z'), // 1 May 15:00 UTC = 2 May 01:00 local
      ]);
      expect(first).toMatchObject({ ok: true, stored: 4, duplicates: 0 });
      // The same ticket, desk and instant under another id (served.csv's) is a duplicate; another desk's A1 is not.
      const again = await store.applyQueueEvents([
        served('csv/d1/A1', 'd1', 'elena', 'A1', '2026-05-01T01:00:00Z'),
        served('s-4', 'd2', 'ivan', 'A1', '2026-05-01T01:00:00Z'),
      ]);
      expect(again).toMatchObject({ ok: true, stored: 1, duplicates: 1 });
      const may1 = dayNumber(2026, 5, 1);
      const may2 = dayNumber(2026, 5, 2);
      const byDay = <T extends { day: number }>(rows: T[]) => rows.sort((a, b) => a.day - b.day || (a > b ? 1 : -1));
      expect(byDay(await store.queueFedDays(['b-office', 'a-office'], may1, may2 + 1))).toEqual([
        { officeId: 'b-office', day: may1 },
        { officeId: 'b-office', day: may2 },
      ]);
      expect(byDay(await store.queueServed('employee', ['elena'], may1, may2 + 1))).toEqual([
        { id: 'elena', officeId: 'b-office', day: may1, served: 2 },
        { id: 'elena', officeId: 'b-office', day: may2, served: 1 },
      ]);
      // Ivan opened d2 on 2 May and served nobody there: a fed day, no served row.
      expect(await store.queueServed('desk', null, may2, may2 + 1)).toEqual([{ id: 'd1', officeId: 'b-office', day: may2, served: 1 }]);
      await store.close();
    });

    it('stores company settings; new misuse rules judge every stored press again', async () => {
      const store = await open();
      await seed(store);
      // Every 3 s: under the default 5 s lock-out every other press is a repeat.
      await ingest(
        store,
        [0, 3, 6, 9].map((s, i) => press(i + 1, 'door', 'good', new Date(at('2026-05-01T01:00:00Z') + s * 1000).toISOString())),
      );
      const day = dayNumber(2026, 5, 1);
      const office = async () => (await store.rankCounts('office', 'office', day, day + 1))[0];
      expect(await office()).toMatchObject({ good: 2, excluded: 2 });
      const s = {
        k: 0.25,
        neutralCountsAsDissatisfied: true,
        minSample: 12,
        misuse: { lockoutMs: 2000, burstCount: 5, burstWindowMs: 10000 },
      };
      expect(await store.putSettings(s)).toEqual({ reflagged: 2 });
      expect(await store.getSettings()).toEqual(s);
      expect(await office()).toMatchObject({ good: 4, excluded: 0 });
      expect(await store.putSettings({ ...s, k: 0.5 })).toEqual({ reflagged: 0 }); // rules unchanged: nothing re-judged
      // A press arriving after the change is judged by the new rules too.
      await ingest(store, [press(5, 'door', 'bad', new Date(at('2026-05-01T01:00:00Z') + 10_000).toISOString())]);
      expect(await office()).toMatchObject({ good: 4, bad: 0, excluded: 1 });
      await store.close();
    });
  });
}
