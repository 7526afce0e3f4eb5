/** The simulator's plan and ledger rules, pure: same seed same fleet; gaps explained only by rejections. */
import { expect, it } from 'vitest';
import { planFleet, planTotals } from '../../scripts/fleet/patterns.js';
import { checkKiosk, expectationOf, expectedGaps, unexplainedSeqs } from '../../scripts/fleet/ledger.js';
import type { GatewayApi } from '../../scripts/fleet/api.js';

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
  expect(expectedGaps(entries)).toEqual([{ from: 2, to: 3 }, { from: 5, to: 5 }]);
  expect(unexplainedSeqs(entries)).toEqual([5]);
});

it('reports a lost event, a duplicate and an unexplained gap against the ledger', async () => {
  const e = (seq: number, expect: 'stored' | 'rejected' = 'stored') => ({ id: `id${seq}`, seq, expect });
  const ledger = [e(1), e(2), e(3, 'rejected'), e(4), e(5)];
  const gateway = {
    kiosk: async () => ({ id: 'k', counters: { received: 4, duplicates: 0, rejected: 1, lastSeq: 5 }, gaps: [{ from: 3, to: 3 }] }),
    events: async () => [{ id: 'id1', seq: 1 }, { id: 'id2', seq: 2 }, { id: 'id4', seq: 4 }, { id: 'id5', seq: 5 }],
  } as unknown as GatewayApi;
  expect((await checkKiosk(gateway, 'k', ledger)).problems).toEqual([]);

  const lossy = { ...gateway, events: async () => [{ id: 'id1', seq: 1 }, { id: 'id4', seq: 4 }, { id: 'id4', seq: 4 }, { id: 'id5', seq: 5 }] } as unknown as GatewayApi;
  const check = await checkKiosk(lossy, 'k', ledger);
  expect(check.lost).toBe(1);
  expect(check.duplicated).toBe(2); // one id twice, one seq twice
  const gappy = { ...gateway, kiosk: async () => ({ id: 'k', counters: { received: 4, duplicates: 0, rejected: 1, lastSeq: 5 }, gaps: [{ from: 2, to: 3 }] }) } as unknown as GatewayApi;
  expect((await checkKiosk(gappy, 'k', ledger)).problems).toEqual(['gaps: expected 3, gateway 2-3']);
});
