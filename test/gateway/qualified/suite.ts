/**
 * Where qualified-out negatives go (issue 13), end to end with figures worked out by hand: presses scripted
 * through the real ingest path, cases classified over HTTP by a reviewer key, and the scores, previous-period
 * change, CSV and rankings read back. The expected values are computed below from the scripted counts with
 * this file's own Wilson interval, not the code under test. The database is then put back as it was before
 * the migration that added the office/product rollup columns, and the gateway started again must count the
 * classifications already made. Run by qualified-sqlite.test.ts and qualified-postgres.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';
import { admin, startGateway } from '../helpers.js';
import { wilsonByHand } from '../by-hand.js';
import { call, ingest, mix, officePanel, ok, spaced, staffPanel, twoOffices } from '../org-helpers.js';

// ---- independent arithmetic (not shared/src) ----
/** A share x / n with its interval, as the scores must show it (to 12 places). */
function expectShare(e: { value: number; ci95: [number, number]; n: number } | null, x: number, n: number): void {
  expect(e).not.toBeNull();
  expect(e!.value).toBeCloseTo(x / n, 12);
  expect(e!.n).toBe(n);
  const [lo, hi] = wilsonByHand(x, n);
  expect(e!.ci95[0]).toBeCloseTo(lo, 9);
  expect(e!.ci95[1]).toBeCloseTo(hi, 9);
}

/** The rollup columns migration 18 (PostgreSQL 16) added. */
const NEW_COLUMNS = ['off_bad', 'off_neutral', 'prod_bad', 'prod_neutral'];
/**
 * Undoes the five migrations after it: the settings-change cursors (23, 22 / PG 21, 20); and those that name
 * those columns: the month rows (21 / PG 19), the month cells (20 / PG 18) and the covering indexes (19 / PG 17).
 */
const DROP_LATER =
  'ALTER TABLE settings DROP COLUMN rejudge_after; ALTER TABLE settings DROP COLUMN crm_neutral_after; DROP TABLE rollup_month; DROP TABLE rollup_cell; DROP INDEX rollup_day_by_day; DROP INDEX rollup_day_employee;';

/*
 * The ledger (Europe/Moscow, UTC+3; a minute between presses, so no misuse):
 *   03-09, Elena (desk msk-1, staff panel): good 6, bad 4. One bad → office. msk visitors: 20.
 *   03-10, Elena: good 10, neutral 2, bad 8 (b0…b7, n0, n1). b0 b1 b2 → office (queue screen dead),
 *          b3 b4 → product (price rise), b5 → customer, b6 → staff, b7 pending; n0 → office, n1 pending.
 *          msk office panel: good 3, bad 2. msk visitors: 50.
 *   03-10, Olga (desk spb-1, spb): good 3, bad 2; one bad → product, one pending. spb has no visitor counts.
 */
export function qualifiedSuite(database: 'sqlite' | 'postgres'): void {
  let app: FastifyInstance;
  let server: Postgres | undefined;
  let databaseUrl: string | undefined;
  let dir: string | undefined;
  let reviewer: Record<string, string> = {};
  const config = () => (databaseUrl ? { databaseUrl } : { dbFile: path.join(dir!, 'gateway.db') });

  const classify = async (ids: string[], cause: string, note: string) => {
    const res = await call(app, 'POST', '/cases/classify', { ids, cause, note }, reviewer);
    expect(res.body).toMatchObject({ changed: ids.length });
  };

  beforeAll(async () => {
    if (database === 'postgres') {
      server = await startPostgres();
      databaseUrl = await server.newDatabase('lb_qualified');
    } else dir = mkdtempSync(path.join(tmpdir(), 'lb-qualified-'));
    ({ app } = await startGateway(config()));
    await twoOffices(app, [
      ['msk-1', 'msk', 'elena'],
      ['spb-1', 'spb', 'olga'],
    ]);
    await ok(app, 'POST', '/kiosks', { id: 'k1', officeId: 'msk', panels: [{ ...staffPanel('d1'), deskId: 'msk-1' }, officePanel('o')] });
    await ok(app, 'POST', '/kiosks', { id: 'k3', officeId: 'spb', panels: [{ ...staffPanel('d3'), deskId: 'spb-1' }] });
    const before = spaced('k1', 'd1', mix(6, 0, 4), '2026-03-09T07:00:00Z');
    const elena = spaced('k1', 'd1', mix(10, 2, 8), '2026-03-10T07:00:00Z');
    const office = spaced('k1', 'o', mix(3, 0, 2), '2026-03-10T10:00:00Z');
    const olga = spaced('k3', 'd3', mix(3, 0, 2), '2026-03-10T08:00:00Z');
    await ingest(app, 'k1', [...before, ...elena, ...office]);
    await ingest(app, 'k3', olga);
    await ok(app, 'PUT', '/offices/msk/visitors', {
      entries: [
        { date: '2026-03-09', count: 20 },
        { date: '2026-03-10', count: 50 },
      ],
    });
    const { key } = await ok(app, 'POST', '/api-keys', { name: 'Rita Reviewer', role: 'reviewer', offices: ['msk', 'spb'] });
    reviewer = { authorization: `Bearer ${key}` };
    const b = elena.slice(12).map((e) => e.id);
    const [n0] = elena.slice(10, 12).map((e) => e.id);
    await classify([before[6]!.id], 'office', 'queue screen dead');
    await classify(b.slice(0, 3), 'office', 'queue screen dead');
    await classify(b.slice(3, 5), 'product', 'price rise');
    await classify([b[5]!], 'customer', 'wanted a loan they cannot get');
    await classify([b[6]!], 'staff', 'confirmed');
    await classify([olga[3]!.id], 'product', 'price rise');
    // A neutral press is a case only while neutral counts as dissatisfied: classified then, counted by that setting.
    const settings = await ok(app, 'GET', '/settings');
    await ok(app, 'PUT', '/settings', { ...settings, neutralCountsAsDissatisfied: true });
    await classify([n0!], 'office', 'queue screen dead');
    await ok(app, 'PUT', '/settings', settings);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const day = 'from=2026-03-10&to=2026-03-11';

  /** Everything the hand-worked figures say, for the state the ledger leaves (neutral not dissatisfied). */
  async function expectLedgerFigures() {
    // Elena, 03-10 (no queue system: visitors unknown, over P): P 20, B 8, X = 3 office + 2 product + 1 customer = 6.
    const elena = await ok(app, 'GET', `/employees/elena/scores?${day}`);
    const staff = elena.total.scores.staff;
    expectShare(staff.ink, 8, 20);
    expectShare(staff.inkQualified, 8 - 6, 20);
    expect(staff.inkQualified).toMatchObject({ pending: 1, removed: 6 });
    expectShare(staff.causedBy.office, 3, 20);
    expectShare(staff.causedBy.product, 2, 20);
    expectShare(staff.causedBy.customer, 1, 20);
    expect([staff.causedBy.office.count, staff.causedBy.product.count, staff.causedBy.customer.count]).toEqual([3, 2, 1]);
    // Nothing is lost: ИНК = qualified + office + product + customer (2 + 3 + 2 + 1 = 8 of 20).
    const parts = staff.inkQualified.value + staff.causedBy.office.value + staff.causedBy.product.value + staff.causedBy.customer.value;
    expect(parts).toBeCloseTo(staff.ink.value, 12);
    // The previous period (03-09): B 4 of P 10, one office → ИНК 4/10, qualified 3/10. Change: 0 and 2/20 − 3/10.
    expectShare(elena.previous.scores.staff.inkQualified, 3, 10);
    expect(elena.change.staff.ink).toBeCloseTo(0, 12);
    expect(elena.change.staff.inkQualified).toBeCloseTo(2 / 20 - 3 / 10, 12);
    // Each cause's share, now minus before: office 3/20 − 1/10, product 2/20 − 0, customer 1/20 − 0.
    expect(elena.change.staff.causedBy.office).toBeCloseTo(3 / 20 - 1 / 10, 12);
    expect(elena.change.staff.causedBy.product).toBeCloseTo(2 / 20, 12);
    expect(elena.change.staff.causedBy.customer).toBeCloseTo(1 / 20, 12);

    // msk, staff panels, visitors known: V 50, P 20, S 30 → ИНК (8 + 30)/50, qualified (2 + 30)/50, each cause over V.
    const msk = await ok(app, 'GET', `/offices/msk/scores?${day}`);
    const mskStaff = msk.total.scores.staff;
    expectShare(mskStaff.ink, 38, 50);
    expectShare(mskStaff.inkQualified, 32, 50);
    expectShare(mskStaff.causedBy.office, 3, 50);
    expectShare(mskStaff.causedBy.product, 2, 50);
    expectShare(mskStaff.causedBy.customer, 1, 50);
    // Previous day: V 20, P 10, S 10 → qualified (3 + 10)/20; change (32/50 − 13/20), ИНК's (38/50 − 14/20).
    expect(msk.change.staff.inkQualified).toBeCloseTo(32 / 50 - 13 / 20, 12);
    expect(msk.change.staff.ink).toBeCloseTo(38 / 50 - 14 / 20, 12);
    // The causes over V: office 3/50 − 1/20, product 2/50 − 0, customer 1/50 − 0.
    expect(msk.change.staff.causedBy.office).toBeCloseTo(3 / 50 - 1 / 20, 12);
    expect(msk.change.staff.causedBy.product).toBeCloseTo(2 / 50, 12);
    expect(msk.change.staff.causedBy.customer).toBeCloseTo(1 / 50, 12);
    // ИНК Офис (the office panel's own question) is unchanged beside it: V 50, P 5, B 2, S 45 → 47/50.
    expectShare(msk.total.scores.office.ink, 47, 50);
    expect(msk.total.scores.office.causedBy).toBeNull();
    expect(msk.change.office.inkQualified).toBeNull();
    expect(msk.change.office.causedBy).toBeNull();

    // The company: spb has presses and no visitor counts, so over P: P 25, B 10; X 6 + Olga's product 1.
    const company = (await ok(app, 'GET', `/company/scores?${day}`)).total.scores.staff;
    expectShare(company.inkQualified, 10 - 7, 25);
    expect(company.inkQualified.pending).toBe(2);
    expectShare(company.causedBy.office, 3, 25);
    expectShare(company.causedBy.product, 3, 25);
    expectShare(company.causedBy.customer, 1, 25);
  }

  describe(`office- and product-caused negatives (${database})`, () => {
    it('move out of ИНК Персонал, qualified, into the office and product figures, by hand, with change', expectLedgerFigures);

    it('with neutral counted as dissatisfied, the classified neutral press moves too', async () => {
      const settings = await ok(app, 'GET', '/settings');
      await ok(app, 'PUT', '/settings', { ...settings, neutralCountsAsDissatisfied: true });
      try {
        // B′ = 8 + 2 = 10 of 20; X = 6 + n0 (office) = 7; pending b7 and n1.
        const staff = (await ok(app, 'GET', `/employees/elena/scores?${day}`)).total.scores.staff;
        expectShare(staff.ink, 10, 20);
        expectShare(staff.inkQualified, 3, 20);
        expect(staff.inkQualified).toMatchObject({ pending: 2, removed: 7 });
        expectShare(staff.causedBy.office, 4, 20);
        expectShare(staff.causedBy.product, 2, 20);
        expectShare(staff.causedBy.customer, 1, 20);
      } finally {
        await ok(app, 'PUT', '/settings', settings);
      }
    });

    it('the score CSV carries the office and product figures and the qualified change', async () => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/employees/elena/scores?${day}`,
        headers: { ...admin, accept: 'text/csv' },
      });
      expect(res.statusCode).toBe(200);
      const [header, row] = res.body.split(/\r?\n/);
      const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
      expect(cells['scores.staff.causedBy.office.value']).toBe('0.15');
      expect(cells['scores.staff.causedBy.office.count']).toBe('3');
      expect(cells['scores.staff.causedBy.product.value']).toBe('0.1');
      expect(cells['scores.staff.causedBy.product.count']).toBe('2');
      expect(cells['scores.staff.inkQualified.value']).toBe('0.1');
    });

    it('rankings by the qualified index carry pending and, asked, the change against the previous period', async () => {
      const settings = await ok(app, 'GET', '/settings');
      await ok(app, 'PUT', '/settings', { ...settings, minSample: 1 });
      try {
        const q = `/rankings?level=employee&index=inkQualified&${day}`;
        const plain = await ok(app, 'GET', q);
        expect(plain.previous).toBeUndefined();
        expect(plain.items[0].change).toBeUndefined();
        const ranked = await ok(app, 'GET', `${q}&change=true`);
        expect(ranked.previous).toEqual({ from: '2026-03-09', to: '2026-03-10' });
        // Elena 2/20 (pending b7), change 2/20 − 3/10; Olga (2 − 1)/5 with one pending, not ranked the day before.
        expect(ranked.items.map((i: { id: string; value: number; pending: number }) => [i.id, i.value, i.pending])).toEqual([
          ['elena', 2 / 20, 1],
          ['olga', 1 / 5, 1],
        ]);
        expect(ranked.items[0].change).toBeCloseTo(2 / 20 - 3 / 10, 12);
        expect(ranked.items[1].change).toBeNull();
        // Offices by ИНК qualified (staff, basis visitors): msk (2 + 30)/50 against (3 + 10)/20; spb's visitors unknown.
        const offices = await ok(app, 'GET', `/rankings?level=office&index=inkQualified&${day}&change=true`);
        expect(offices).toMatchObject({ index: 'inkQualified', kind: 'staff', basis: 'visitors', leftOutReasons: { visitorsUnknown: 1 } });
        expect(offices.items[0].change).toBeCloseTo(32 / 50 - 13 / 20, 12);
        const csv = await app.inject({ method: 'GET', url: `/api/v1${q}&change=true`, headers: { ...admin, accept: 'text/csv' } });
        const [header, row] = csv.body.split(/\r?\n/);
        const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
        expect(cells).toMatchObject({ id: 'elena', value: '0.1', pending: '1', change: '-0.2' });
      } finally {
        await ok(app, 'PUT', '/settings', settings);
      }
    });

    it('a database from before the office/product columns counts the classifications already made', async () => {
      await app.close();
      // Back to the schema and data before the office/product columns: the later migrations undone (the
      // covering indexes as they were before), then the columns gone; the version six lower.
      if (databaseUrl) {
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`${DROP_LATER}
          CREATE INDEX rollup_day_by_day ON rollup_day (kind, day, employee_id, office_id) INCLUDE (good, neutral, bad, excl);
          CREATE INDEX rollup_day_employee ON rollup_day (employee_id, day) WHERE employee_id <> ''`);
        for (const table of ['rollup_hour', 'rollup_day']) {
          await client.query(`ALTER TABLE ${table} ${NEW_COLUMNS.map((c) => `DROP COLUMN ${c}`).join(', ')}`);
        }
        await client.query('DELETE FROM schema_migrations WHERE version > (SELECT max(version) - 6 FROM schema_migrations)');
        await client.end();
      } else {
        const db = new Database(path.join(dir!, 'gateway.db'));
        db.exec(`${DROP_LATER}
          CREATE INDEX rollup_day_by_day ON rollup_day (kind, day, employee_id, office_id, good, neutral, bad, excl);
          CREATE INDEX rollup_day_employee ON rollup_day (employee_id, day) WHERE employee_id <> ''`);
        for (const table of ['rollup_hour', 'rollup_day']) {
          for (const c of NEW_COLUMNS) db.exec(`ALTER TABLE ${table} DROP COLUMN ${c}`);
        }
        db.pragma(`user_version = ${(db.pragma('user_version', { simple: true }) as number) - 6}`);
        db.close();
      }
      ({ app } = await startGateway(config()));
      await expectLedgerFigures();
    });
  });
}
