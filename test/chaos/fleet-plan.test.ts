/** The simulator's plan and ledger rules, pure: same seed same fleet; gaps explained only by rejections. */
import { expect, it } from 'vitest';
import { planFleet, planTotals } from '../../scripts/fleet/patterns.js';
import { checkKiosk, expectationOf, expectedGaps, unexplainedSeqs } from '../../scripts/fleet/ledger.js';
import type { GatewayApi } from '../../scripts/fleet/api.js';
import { Ledger } from '../../scripts/fleet/ledger.js';
import { expectedByOffice } from '../../scripts/fleet/org.js';

const window = { from: Date.parse('2026-11-16T00:00:00Z'), to: Date.parse('2026-11-23T00:00:00Z') };

it('plans the same presses from the same seed, and other presses from another', () => {
  const a = planFleet({ seed: 42, kiosks: 12, idPrefix: 'k', ...window });
  const b = planFleet({ seed: 42, kiosks: 12, idPrefix: 'k', ...window });
  const c = planFleet({ seed: 43, kiosks: 12, idPrefix: 'k', ...window });
  expect([...b.presses.values()]).toEqual([...a.presses.values()]);
  expect(planTotals(c)).not.toEqual(planTotals(a));
});

it('presses only in opening hours of the kiosk office time zone, with misuse bursts flagged', () => {
  const plan = planFleet({ seed: 5, kiosks: 8, idPrefix: 'k', ...window, misuseChance: 0.2 });
  for (const k of plan.kiosks) {
    const hours = new Intl.DateTimeFormat('en-US', { timeZone: k.office.timeZone, hour: 'numeric', hourCycle: 'h23' });
    for (const p of plan.presses.get(k.id)!) {
      const hour = Number(hours.format(p.at));
      expect(hour >= Math.min(k.office.opens, 10) && hour < Math.max(k.office.closes, 14)).toBe(true);
    }
  }
  const totals = planTotals(plan);
  expect(totals.misuse).toBeGreaterThan(0);
  expect(totals.flagged).toBeGreaterThan(totals.misuse / 2);
  expect(totals.good).toBeGreaterThan(totals.bad);
});

it('plans an organisation: regions, offices in Russian time zones, a staff desk in each, two named employees per desk', () => {
  const plan = planFleet({ seed: 3, kiosks: 24, idPrefix: 'k', ...window, agents: 2 });
  expect(plan.offices.map((o) => o.timeZone)).toEqual([
    'Europe/Moscow',
    'Asia/Yekaterinburg',
    'Asia/Vladivostok',
    'Europe/Kaliningrad',
    'Europe/Moscow',
    'Asia/Novosibirsk',
  ]);
  expect(plan.regions.map((r) => r.name)).toEqual(['Central', 'Urals', 'Far East', 'North-West', 'Siberia']);
  for (const o of plan.offices) {
    const desks = plan.kiosks.filter((k) => k.office === o && k.desk);
    expect(desks.length).toBeGreaterThan(0);
    expect(o.employees.length).toBe(2 * desks.length);
    expect(new Set(o.employees.map((e) => e.name)).size).toBe(o.employees.length);
    expect(o.employees.map((e) => e.profile)).toEqual(expect.arrayContaining(['star', 'struggling']));
  }
  // Full agents have one staff panel: their kiosks are desks.
  expect(plan.kiosks.slice(-2).map((k) => [k.agent, k.panel.kind, !!k.desk])).toEqual([
    [true, 'staff', true],
    [true, 'staff', true],
  ]);
  expect(plan.offices.filter((o) => o.conversion !== null).length).toBe(3);
});

it('gives each desk a morning and an afternoon shift on weekdays, rotating half way, and each press the mix of whoever is on shift', () => {
  const plan = planFleet({ seed: 8, kiosks: 12, idPrefix: 'k', ...window, rate: 4 });
  const tally = { star: { good: 0, all: 0 }, struggling: { good: 0, all: 0 }, steady: { good: 0, all: 0 } };
  for (const k of plan.kiosks.filter((x) => x.desk)) {
    const o = k.office;
    const hour = new Intl.DateTimeFormat('en-US', { timeZone: o.timeZone, hour: 'numeric', hourCycle: 'h23' });
    const weekday = (t: number) => new Intl.DateTimeFormat('en-US', { timeZone: o.timeZone, weekday: 'short' }).format(t);
    const weekdays = k.shifts.filter((s) => !['Sat', 'Sun'].includes(weekday(s.from)));
    expect(weekdays.length).toBeGreaterThanOrEqual(10); // 5 weekdays (and a bit) × 2 shifts
    for (const [i, s] of weekdays.entries()) {
      const morning = Number(hour.format(s.from)) === o.opens;
      expect(morning ? Number(hour.format(s.to)) : Number(hour.format(s.from))).toBe(o.shiftChange);
      if (morning) expect(weekdays[i + 1]).toMatchObject({ from: s.to }); // the afternoon takes over
    }
    const mornings = weekdays.filter((s) => Number(hour.format(s.from)) === o.opens).map((s) => s.employee.id);
    expect(new Set(mornings).size).toBe(2); // the rota rotated once
    for (const p of plan.presses.get(k.id)!) {
      const s = k.shifts.find((x) => p.at >= x.from && p.at < x.to)!;
      expect(p.employee).toBe(s.employee.id);
      if (p.misuse) continue;
      tally[s.employee.profile].all++;
      if (p.button === 'good') tally[s.employee.profile].good++;
    }
  }
  const share = (t: { good: number; all: number }) => t.good / t.all;
  expect(share(tally.star)).toBeGreaterThan(0.8);
  expect(share(tally.struggling)).toBeLessThan(0.45);
  expect(share(tally.steady)).toBeGreaterThan(share(tally.struggling) + 0.15);
});

it('counts more visitors each office day than any panel kind has counted presses, and sales below visitors', () => {
  const plan = planFleet({ seed: 11, kiosks: 16, idPrefix: 'k', ...window });
  for (const o of plan.offices) {
    expect(o.days.length).toBe(8); // 7 UTC days touch 8 local dates east of UTC
    const date = new Intl.DateTimeFormat('en-CA', { timeZone: o.timeZone });
    const counted = new Map<string, number>(); // "kind date" → counted presses
    for (const k of plan.kiosks.filter((x) => x.office === o)) {
      for (const p of plan.presses.get(k.id)!.filter((x) => x.flags.length === 0)) {
        const key = `${k.panel.kind} ${date.format(p.at)}`;
        counted.set(key, (counted.get(key) ?? 0) + 1);
      }
    }
    for (const d of o.days) {
      for (const kind of ['staff', 'office', 'loyalty']) expect(d.visitors).toBeGreaterThanOrEqual(counted.get(`${kind} ${d.date}`) ?? 0);
      if (d.sales !== null) expect(d.sales).toBeLessThanOrEqual(d.visitors);
    }
    expect(o.days.reduce((n, d) => n + d.visitors, 0)).toBeGreaterThan(0);
  }
});

it('predicts from the ledger the same misuse exclusions per office as the plan flagged', () => {
  const plan = planFleet({ seed: 5, kiosks: 10, idPrefix: 'k', ...window, misuseChance: 0.2 });
  const ledger = new Ledger();
  for (const [id, presses] of plan.presses) {
    for (const [i, p] of presses.entries()) {
      ledger.add(id, {
        id: `${id}-${i}`,
        seq: i + 1,
        expect: 'stored',
        press: { panel: p.panel, button: p.button, at: p.at, clockSynced: true },
      });
    }
  }
  for (const [officeId, e] of expectedByOffice(plan, ledger)) {
    const presses = plan.kiosks.filter((k) => k.office.id === officeId).flatMap((k) => plan.presses.get(k.id)!);
    const excluded = [...e.byKind.values()].reduce((n, t) => n + t.excluded, 0);
    expect(excluded).toBe(presses.filter((p) => p.flags.length > 0).length);
    expect(e.stored).toBe(presses.length);
    expect(e.unattributed).toEqual({ good: 0, neutral: 0, bad: 0, excluded: 0 });
  }
});

it('expects a clock-synced press far ahead to be rejected, an unsynced one stored', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  expect(expectationOf({ at: '2026-11-27T12:00:00Z', clockSynced: true }, now)).toBe('rejected');
  expect(expectationOf({ at: '2026-11-27T12:00:00Z', clockSynced: false }, now)).toBe('stored');
  expect(expectationOf({ at: '1970-01-03T00:00:00Z', clockSynced: false }, now)).toBe('stored');
  expect(expectationOf({ at: '2026-11-24T10:00:00Z', clockSynced: true }, now)).toBe('stored');
});

it('explains seq gaps by rejected events only', () => {
  const e = (seq: number, expect: 'stored' | 'rejected') => ({ id: `id${seq}`, seq, expect });
  const entries = [e(1, 'stored'), e(2, 'rejected'), e(3, 'rejected'), e(4, 'stored'), e(6, 'stored'), e(7, 'rejected')];
  expect(expectedGaps(entries)).toEqual([
    { from: 2, to: 3 },
    { from: 5, to: 5 },
  ]);
  expect(unexplainedSeqs(entries)).toEqual([5]);
});

it('reports a lost event, a duplicate and an unexplained gap against the ledger', async () => {
  const e = (seq: number, expect: 'stored' | 'rejected' = 'stored') => ({ id: `id${seq}`, seq, expect });
  const ledger = [e(1), e(2), e(3, 'rejected'), e(4), e(5)];
  const gateway = {
    kiosk: async () => ({ id: 'k', counters: { received: 4, duplicates: 0, rejected: 1, lastSeq: 5 }, gaps: [{ from: 3, to: 3 }] }),
    events: async () => [
      { id: 'id1', seq: 1 },
      { id: 'id2', seq: 2 },
      { id: 'id4', seq: 4 },
      { id: 'id5', seq: 5 },
    ],
  } as unknown as GatewayApi;
  expect((await checkKiosk(gateway, 'k', ledger)).problems).toEqual([]);

  const lossy = {
    ...gateway,
    events: async () => [
      { id: 'id1', seq: 1 },
      { id: 'id4', seq: 4 },
      { id: 'id4', seq: 4 },
      { id: 'id5', seq: 5 },
    ],
  } as unknown as GatewayApi;
  const check = await checkKiosk(lossy, 'k', ledger);
  expect(check.lost).toBe(1);
  expect(check.duplicated).toBe(2); // one id twice, one seq twice
  const gappy = {
    ...gateway,
    kiosk: async () => ({ id: 'k', counters: { received: 4, duplicates: 0, rejected: 1, lastSeq: 5 }, gaps: [{ from: 2, to: 3 }] }),
  } as unknown as GatewayApi;
  expect((await checkKiosk(gappy, 'k', ledger)).problems).toEqual(['gaps: expected 3, gateway 2-3']);
});
