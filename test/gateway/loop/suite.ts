/**
 * The closed loop end to end, with hand-computed statistics: presses scripted through the real ingest path
 * into a real SQLite store, interventions recorded over REST, and their before/after effect checked against
 * numbers worked out here from the scripted counts, with this file's own Wilson interval and normal tail
 * (numerical integration), not the code under test. Also reference values (versioned, current version used),
 * mystery-shopper visits beside an employee's scores, and scope. Run by loop-sqlite.test.ts and loop-postgres.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_ADMIN_KEY_NAME } from '../../../gateway/src/bootstrap.js';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';
import { startGateway } from '../helpers.js';
import { wilsonByHand, Z } from '../by-hand.js';
import { call, ingest, loyaltyPanel, mix, ok, spaced, staffPanel } from '../org-helpers.js';

// ---- independent arithmetic (not shared/src) ----
/** Two-sided normal p-value by Simpson's rule on the density from |z| to 12. */
function pByHand(z: number): number {
  const a = Math.abs(z);
  const steps = 20_000;
  const h = (12 - a) / steps;
  const f = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(12);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return 2 * ((sum * h) / 3);
}

export function loopSuite(database: 'sqlite' | 'postgres'): void {
  let app: FastifyInstance;
  let pg: Postgres | undefined;
  const keys: Record<'msk' | 'spb', Record<string, string>> = {} as never;

  beforeAll(async () => {
    if (database === 'postgres') pg = await startPostgres();
    const databaseUrl = pg ? await pg.newDatabase('lb_loop') : undefined;
    ({ app } = await startGateway(databaseUrl ? { databaseUrl } : {}));
    await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' });
    await ok(app, 'POST', '/offices', { id: 'spb', name: 'Saint Petersburg', timeZone: 'Europe/Moscow' });
    await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
    await ok(app, 'POST', '/employees', { id: 'elena', name: 'Elena Ivanova', officeId: 'msk' });
    await ok(app, 'POST', '/assignments', { deskId: 'msk-1', employeeId: 'elena', from: '2026-01-01T00:00:00Z' });
    await ok(app, 'POST', '/kiosks', { id: 'k-msk', officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'msk-1' }, loyaltyPanel()] });
    // Outside every window (before 03-08): must not count.
    await ingest(app, 'k-msk', spaced('k-msk', 'desk', mix(0, 0, 5), '2026-03-01T07:00:00Z'));
    // Before window [03-08, 03-15): staff 15 good, 5 neutral, 20 bad; loyalty 20 good, 10 neutral, 10 bad.
    await ingest(app, 'k-msk', spaced('k-msk', 'desk', mix(15, 5, 20), '2026-03-10T07:00:00Z'));
    await ingest(app, 'k-msk', spaced('k-msk', 'loyalty', mix(20, 10, 10), '2026-03-10T07:00:00Z'));
    // The day of the intervention, 03-15: in neither window.
    await ingest(app, 'k-msk', spaced('k-msk', 'desk', mix(0, 0, 10), '2026-03-15T07:00:00Z'));
    // After window [03-16, 03-23): staff 30 good, 2 neutral, 8 bad; loyalty 30 good, 5 neutral, 5 bad.
    await ingest(app, 'k-msk', spaced('k-msk', 'desk', mix(30, 2, 8), '2026-03-18T07:00:00Z'));
    await ingest(app, 'k-msk', spaced('k-msk', 'loyalty', mix(30, 5, 5), '2026-03-18T07:00:00Z'));
    for (const office of ['msk', 'spb'] as const) {
      const res = await ok(app, 'POST', '/api-keys', { name: `manager of ${office}`, role: 'manager', offices: [office] });
      keys[office] = { authorization: `Bearer ${res.key}` };
    }
  });
  afterAll(async () => {
    await app?.close();
    await pg?.stop();
  });

  const training = {
    subject: { level: 'employee', id: 'elena' },
    date: '2026-03-15',
    kind: 'training',
    description: 'Complaint handling course',
  };

  describe('interventions', () => {
    it('a manager records one in its scope, named by its key; out of scope is 404, a bad kind is 400', async () => {
      const res = await call(app, 'POST', '/interventions', training, keys.msk);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ ...training, officeId: 'msk', who: 'manager of msk' });
      expect((await call(app, 'POST', '/interventions', training, keys.spb)).status).toBe(404);
      expect((await call(app, 'POST', '/interventions', { ...training, kind: 'magic' }, keys.msk)).status).toBe(400);
      expect((await call(app, 'POST', '/interventions', { ...training, date: '2026-02-30' }, keys.msk)).status).toBe(400);
      // The other office's manager neither lists nor reads it.
      expect((await call(app, 'GET', '/interventions', undefined, keys.spb)).body.items).toEqual([]);
      expect((await call(app, 'GET', `/interventions/${res.body.id}`, undefined, keys.spb)).status).toBe(404);
      expect((await call(app, 'GET', `/interventions/${res.body.id}/effect`, undefined, keys.spb)).status).toBe(404);
      const mine = (await call(app, 'GET', '/interventions?level=employee&id=elena', undefined, keys.msk)).body.items;
      expect(mine.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
      // Filtered by office: the office's own, its desks' and its employees' interventions, none of another's.
      const inMsk = (await call(app, 'GET', '/interventions?officeId=msk')).body.items;
      expect(inMsk.map((i: { id: string }) => i.id)).toEqual([res.body.id]);
      expect((await call(app, 'GET', '/interventions?officeId=spb')).body.items).toEqual([]);
      expect((await call(app, 'GET', '/interventions?officeId=msk', undefined, keys.spb)).body.items).toEqual([]);
    });

    it('employee before/after over 7-day windows: ИНК B/P and CSAT, by hand', async () => {
      const created = await ok(app, 'POST', '/interventions', training);
      const e = await ok(app, 'GET', `/interventions/${created.id}/effect?days=7`);
      expect(e.windows).toEqual({ before: { from: '2026-03-08', to: '2026-03-15' }, after: { from: '2026-03-16', to: '2026-03-23' } });
      const staff = e.kinds.staff;
      expect(staff.status).toBe('ok');
      // The 5 presses of 03-01 and the 10 of 03-15 are in neither window.
      expect(staff.presses).toEqual({ before: 40, after: 40 });
      // ИНК (employee: visitors unknown) = B / P: 20/40 → 8/40.
      const ink = staff.indices.ink;
      expect(ink.before.value).toBe(0.5);
      expect(ink.after.value).toBe(0.2);
      const pooled = 28 / 80;
      const z = (0.2 - 0.5) / Math.sqrt(pooled * (1 - pooled) * (1 / 40 + 1 / 40));
      expect(z).toBeCloseTo(-2.8129, 3);
      expect(ink.difference.value).toBeCloseTo(-0.3, 12);
      expect(ink.difference.test.test).toBe('two-proportion z');
      expect(ink.difference.test.z).toBeCloseTo(z, 9);
      expect(ink.difference.test.p).toBeCloseTo(pByHand(z), 5);
      expect(ink.difference.test.p).toBeLessThan(0.01);
      expect(ink.difference.verdict).toBe('better'); // less dissatisfaction
      // Newcombe: d − √((p2 − l2)² + (u1 − p1)²), d + √((u2 − p2)² + (p1 − l1)²).
      const [l1, u1] = wilsonByHand(20, 40);
      const [l2, u2] = wilsonByHand(8, 40);
      expect(ink.difference.ci95[0]).toBeCloseTo(-0.3 - Math.sqrt((0.2 - l2) ** 2 + (u1 - 0.5) ** 2), 9);
      expect(ink.difference.ci95[1]).toBeCloseTo(-0.3 + Math.sqrt((u2 - 0.2) ** 2 + (0.5 - l1) ** 2), 9);
      // CSAT = G / P: 15/40 → 30/40.
      const csat = staff.indices.csat;
      const pc = 45 / 80;
      const zc = (0.75 - 0.375) / Math.sqrt(pc * (1 - pc) * (2 / 40));
      expect(csat.difference.test.z).toBeCloseTo(zc, 9);
      expect(csat.difference.test.p).toBeCloseTo(pByHand(zc), 5);
      expect(csat.difference.verdict).toBe('better');
      expect(staff.indices.coverage).toBeUndefined(); // no visitors for employees
    });

    it('office before/after: ИЭЛ by the net-score z-test, by hand', async () => {
      const created = await ok(app, 'POST', '/interventions', { ...training, subject: { level: 'office', id: 'msk' }, kind: 'premises' });
      const e = await ok(app, 'GET', `/interventions/${created.id}/effect?days=7`);
      const iel = e.kinds.loyalty.indices.iel;
      expect(iel.before.value).toBe(25); // (20 − 10) / 40
      expect(iel.after.value).toBe(62.5); // (30 − 5) / 40
      const v1 = 20 / 40 + 10 / 40 - (10 / 40) ** 2;
      const v2 = 30 / 40 + 5 / 40 - (25 / 40) ** 2;
      const se = Math.sqrt(v1 / 40 + v2 / 40);
      const z = (0.625 - 0.25) / se;
      expect(iel.difference.value).toBeCloseTo(37.5, 9);
      expect(iel.difference.test.z).toBeCloseTo(z, 9);
      expect(iel.difference.test.p).toBeCloseTo(pByHand(z), 5);
      expect(iel.difference.test.significant).toBe(true);
      expect(iel.difference.ci95[0]).toBeCloseTo((0.375 - Z * se) * 100, 6);
      expect(iel.difference.ci95[1]).toBeCloseTo((0.375 + Z * se) * 100, 6);
      expect(iel.difference.verdict).toBe('better');
      // The office staff panel: the same counts as the employee's (one desk, always assigned).
      expect(e.kinds.staff.indices.ink.difference.test.z).toBeCloseTo(-2.8129, 3);
    });

    it('"not enough data yet" until both windows have minSample presses; the default window is 28 days', async () => {
      const created = await ok(app, 'POST', '/interventions', { ...training, date: '2026-03-25' });
      const e = await ok(app, 'GET', `/interventions/${created.id}/effect?days=7`);
      expect(e.kinds.staff.status).toBe('notEnoughData');
      expect(e.kinds.staff.message).toMatch(/not enough data yet/);
      expect(e.kinds.staff.presses).toEqual({ before: 40, after: 0 });
      expect(e.kinds.staff.indices.ink.difference).toBeUndefined();
      const wide = await ok(app, 'GET', `/interventions/${created.id}/effect`);
      expect(wide.days).toBe(28);
      expect(wide.windows.before).toEqual({ from: '2026-02-25', to: '2026-03-25' });
      // 28 days before 03-25 hold every staff press (5 + 40 + 10 + 40); after it, none.
      expect(wide.kinds.staff.presses).toEqual({ before: 95, after: 0 });
      expect(wide.kinds.staff.status).toBe('notEnoughData');
    });
  });

  describe('reference values', () => {
    it('versioned per business type: each PUT a new version, admin only; managers read', async () => {
      const v1 = await call(app, 'PUT', '/references/bank', {
        values: { staff: { ink: 0.5, csat: 0.75 }, loyalty: { iel: 20 } },
        note: 'first',
      });
      expect(v1.status).toBe(201);
      expect(v1.body).toMatchObject({ businessType: 'bank', version: 1, note: 'first', createdBy: ENV_ADMIN_KEY_NAME });
      expect((await call(app, 'PUT', '/references/bank', { values: { staff: { ink: 0.4 } } }, keys.msk)).status).toBe(403);
      expect((await call(app, 'PUT', '/references/bank', { values: { staff: { ink: 1.5 } } })).status).toBe(400);
      const listed = await call(app, 'GET', '/references/bank', undefined, keys.msk);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
    });

    it('scores say better / worse / not different from the current version, by the one-sample score test', async () => {
      await ok(app, 'PUT', '/offices/msk', { name: 'Moscow', timeZone: 'Europe/Moscow', businessType: 'bank' });
      expect((await ok(app, 'GET', '/offices/msk')).businessType).toBe('bank');
      const after = '/offices/msk/scores?from=2026-03-16&to=2026-03-23';
      let r = (await ok(app, 'GET', after)).reference;
      expect(r).toMatchObject({ businessType: 'bank', version: 1 });
      // ИНК 8/40 = 0.2 against 0.5: z = (0.2 − 0.5) / √(0.5·0.5/40).
      const z1 = (0.2 - 0.5) / Math.sqrt((0.5 * 0.5) / 40);
      expect(r.checks.staff.ink.test.z).toBeCloseTo(z1, 9);
      expect(r.checks.staff.ink.test.p).toBeCloseTo(pByHand(z1), 5);
      expect(r.checks.staff.ink.verdict).toBe('better');
      // CSAT 30/40 = 0.75 against 0.75: no difference.
      expect(r.checks.staff.csat).toMatchObject({ value: 0.75, reference: 0.75, verdict: 'notDifferent' });
      // ИЭЛ 62.5 against 20, with the adjusted variance (¾ to G and B, 3 to P).
      const n = 43;
      const pg = 30.75 / n;
      const pb = 5.75 / n;
      const zi = (0.625 - 0.2) / Math.sqrt((pg + pb - (pg - pb) ** 2) / n);
      expect(r.checks.loyalty.iel.test.z).toBeCloseTo(zi, 9);
      expect(r.checks.loyalty.iel.verdict).toBe('better');

      // A new version: the old one is kept, the scores use the new one.
      await ok(app, 'PUT', '/references/bank', { values: { staff: { ink: 0.15, csat: 0.95 } } });
      expect((await ok(app, 'GET', '/references/bank')).items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      r = (await ok(app, 'GET', after)).reference;
      expect(r.version).toBe(2);
      const z2 = (0.2 - 0.15) / Math.sqrt((0.15 * 0.85) / 40);
      expect(r.checks.staff.ink.test.z).toBeCloseTo(z2, 9);
      expect(r.checks.staff.ink.verdict).toBe('notDifferent'); // z ≈ 0.886
      const z3 = (0.75 - 0.95) / Math.sqrt((0.95 * 0.05) / 40);
      expect(r.checks.staff.csat.test.z).toBeCloseTo(z3, 9);
      expect(r.checks.staff.csat.verdict).toBe('worse');
      expect(r.checks.loyalty).toBeUndefined(); // version 2 has no loyalty value
    });

    it('a subject below minSample gets no verdict; the company default type applies to offices without one', async () => {
      const thin = (await ok(app, 'GET', '/offices/msk/scores?from=2026-03-01&to=2026-03-02')).reference;
      expect(thin.checks.staff.ink.verdict).toBe('insufficientData');
      expect(thin.checks.staff.ink.test).toBeUndefined();
      expect((await ok(app, 'GET', '/offices/spb/scores?from=2026-03-16&to=2026-03-23')).reference).toBeUndefined();
      await ok(app, 'PUT', '/company/business-type', { businessType: 'bank' });
      expect((await ok(app, 'GET', '/offices/spb/scores?from=2026-03-16&to=2026-03-23')).reference.businessType).toBe('bank');
      expect((await call(app, 'PUT', '/company/business-type', { businessType: 'retail' }, keys.msk)).status).toBe(403);
    });
  });

  describe('mystery-shopper visits', () => {
    it("are recorded per employee and shown beside the employee's scores for the same period", async () => {
      const a = await call(
        app,
        'POST',
        '/employees/elena/mystery-shopper',
        { date: '2026-03-18', score: 80, notes: 'greeted, solved' },
        keys.msk,
      );
      expect(a.status).toBe(201);
      expect(a.body).toMatchObject({ employeeId: 'elena', officeId: 'msk', score: 80, who: 'manager of msk' });
      await ok(app, 'POST', '/employees/elena/mystery-shopper', { date: '2026-03-20', score: 70 });
      await ok(app, 'POST', '/employees/elena/mystery-shopper', { date: '2026-03-30', score: 20 });
      expect((await call(app, 'POST', '/employees/elena/mystery-shopper', { date: '2026-03-18', score: 101 })).status).toBe(400);
      expect((await call(app, 'POST', '/employees/elena/mystery-shopper', { date: '2026-03-18', score: 50 }, keys.spb)).status).toBe(404);
      const s = await ok(app, 'GET', '/employees/elena/scores?from=2026-03-16&to=2026-03-23');
      expect(s.mysteryShopper.visits.map((v: { score: number }) => v.score)).toEqual([80, 70]);
      expect(s.mysteryShopper.meanScore).toBe(75);
      expect(s.total.scores.staff.counts.total).toBe(40);
      expect((await ok(app, 'GET', '/employees/elena/mystery-shopper')).items).toHaveLength(3);
      // Offices have no mystery-shopper block.
      expect((await ok(app, 'GET', '/offices/msk/scores?from=2026-03-16&to=2026-03-23')).mysteryShopper).toBeUndefined();
    });
  });
}
