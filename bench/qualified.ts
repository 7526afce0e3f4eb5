/**
 * ИНК Персонал, qualified, at size (issue 13): the score targets (office and employee scores for a year by
 * month p95 ≤ 20 ms, rankings p95 ≤ 100 ms) on the 10 M-press database (bench/bulk-seed.ts, cached) with
 * 1 M of its dissatisfied presses classified. The same queries are timed on the same copy before the
 * classification (every case pending: the same-run baseline), then after it.
 *
 * Classifying in bulk, straight into the file (as the seed writes presses): 80 % of the counted bad presses
 * on staff and office panels (≈ 1.0 M of 1.25 M), chosen by a hash of the row id so every office, desk and
 * month has classified cases and a pending rest; causes staff 40 %, office 20 %, product 15 %, customer 15 %,
 * unknown 10 %. Then the rollups' rev_* / ext_* / off_* / prod_* columns, as the scoring pass keeps them (month cells refilled from the hours): per hour row from
 * the classified presses (the seed's zones all have whole-hour offsets, so a press's local hour starts at
 * its UTC hour), per day row from the hour rows; the totals are checked against the presses. Left out:
 * case_notes and case_audit rows (no score query reads them), and reviewers classifying while managers read.
 */
import { join } from 'node:path';
import { buildApp } from '../gateway/src/app.js';
import { testConfig } from '../gateway/src/lib/config.js';
import { ROLLUP_CELL_FILL, ROLLUP_MONTH_FILL } from '../gateway/src/store/migrations.js';
import { SqliteStore } from '../gateway/src/store/sqlite.js';
import { Prng } from '../scripts/fleet/prng.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { cachedPressDb } from './bulk-seed.js';
import { ADMIN, timeQueries } from './scores.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const DAY = 86_400_000;
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);
const NOT_STAFF = `('office', 'product', 'customer')`;

/** Classifies the cases in the file and brings the rollups along; returns how many were classified. */
function classify(db: SqliteStore['db']): number {
  return db.transaction(() => {
    const { changes } = db
      .prepare(
        `UPDATE events SET cause = CASE
           WHEN (rid * 40503) % 100 < 40 THEN 'staff' WHEN (rid * 40503) % 100 < 60 THEN 'office'
           WHEN (rid * 40503) % 100 < 75 THEN 'product' WHEN (rid * 40503) % 100 < 90 THEN 'customer' ELSE 'unknown' END
         WHERE excl = 0 AND button = 'bad' AND kind IN ('staff', 'office') AND (rid * 2654435761) % 1000 < 800`,
      )
      .run();
    db.exec(`CREATE TEMP TABLE classified AS
      SELECT office_id, (t / 3600000) * 3600000 AS hour_start, kind, coalesce(desk_id, '') AS desk_id, coalesce(employee_id, '') AS employee_id,
        sum(button = 'bad') AS rb, sum(button = 'neutral') AS rn,
        sum(button = 'bad' AND cause IN ${NOT_STAFF}) AS xb, sum(button = 'neutral' AND cause IN ${NOT_STAFF}) AS xn,
        sum(button = 'bad' AND cause = 'office') AS ob, sum(button = 'neutral' AND cause = 'office') AS obn,
        sum(button = 'bad' AND cause = 'product') AS pb, sum(button = 'neutral' AND cause = 'product') AS pbn
      FROM events WHERE cause IS NOT NULL AND excl = 0 GROUP BY 1, 2, 3, 4, 5`);
    db.exec(`UPDATE rollup_hour AS h SET rev_bad = c.rb, rev_neutral = c.rn, ext_bad = c.xb, ext_neutral = c.xn,
      off_bad = c.ob, off_neutral = c.obn, prod_bad = c.pb, prod_neutral = c.pbn FROM classified c
      WHERE h.office_id = c.office_id AND h.hour_start = c.hour_start AND h.kind = c.kind AND h.desk_id = c.desk_id AND h.employee_id = c.employee_id`);
    db.exec(`UPDATE rollup_day AS d SET rev_bad = x.rb, rev_neutral = x.rn, ext_bad = x.xb, ext_neutral = x.xn,
      off_bad = x.ob, off_neutral = x.obn, prod_bad = x.pb, prod_neutral = x.pbn FROM
      (SELECT office_id, day, kind, desk_id, employee_id, sum(rev_bad) AS rb, sum(rev_neutral) AS rn, sum(ext_bad) AS xb, sum(ext_neutral) AS xn,
        sum(off_bad) AS ob, sum(off_neutral) AS obn, sum(prod_bad) AS pb, sum(prod_neutral) AS pbn
       FROM rollup_hour WHERE rev_bad + rev_neutral > 0 GROUP BY 1, 2, 3, 4, 5) x
      WHERE d.office_id = x.office_id AND d.day = x.day AND d.kind = x.kind AND d.desk_id = x.desk_id AND d.employee_id = x.employee_id`);
    db.exec('DROP TABLE classified');
    db.exec('DELETE FROM rollup_month');
    db.exec(ROLLUP_MONTH_FILL);
    db.exec('DELETE FROM rollup_cell');
    db.exec(ROLLUP_CELL_FILL);
    type Totals = { rev: number; ext: number; off: number; prod: number };
    const sum = (table: string) =>
      db
        .prepare(`SELECT sum(rev_bad) AS rev, sum(ext_bad) AS ext, sum(off_bad) AS off, sum(prod_bad) AS prod FROM ${table}`)
        .get() as Totals;
    const want = db
      .prepare(
        `SELECT count(*) AS rev, sum(cause IN ${NOT_STAFF}) AS ext, sum(cause = 'office') AS off, sum(cause = 'product') AS prod
         FROM events WHERE cause IS NOT NULL AND excl = 0`,
      )
      .get() as Totals;
    for (const table of ['rollup_hour', 'rollup_day', 'rollup_month', 'rollup_cell']) {
      const got = sum(table);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        throw new Error(
          `${table}: classified / not staff / office / product ${JSON.stringify(got)}, the presses say ${JSON.stringify(want)}`,
        );
      }
    }
    return changes;
  })();
}

export async function benchQualified(opts: { kiosks: number; pressesPerKiosk: number; queries: number }): Promise<BenchResult> {
  const dir = tempDir('qualified-bench');
  const lastDay = utcDay(Date.now() - DAY);
  const seeded = await cachedPressDb(dir, { kiosks: opts.kiosks, pressesPerKiosk: opts.pressesPerKiosk, lastDay });
  const offices = seeded.offices;
  const end = Date.parse(`${lastDay}T00:00:00Z`) + DAY;
  const year = `from=${utcDay(end - 365 * DAY)}&to=${utcDay(end)}&bucket=month`;
  const prng = new Prng(13);
  const pick = (n: number) => Math.floor(prng.next() * n);
  const officeUrls = Array.from({ length: opts.queries }, () => `/api/v1/offices/o${pick(offices)}/scores?${year}`);
  const employeeUrls = Array.from(
    { length: opts.queries },
    () => `/api/v1/employees/o${pick(offices)}-d${pick(3)}-e${pick(2)}/scores?${year}`,
  );
  // Calendar months, as pay is ranked; "this month" in the console, from its first day to one of its days
  // (its month less the days to come); and 30 days ending on a random day, which hold at most one month's
  // rows in rollup_month (the rest are day rows): the worst case for a ranking of that length.
  const starts = Array.from({ length: 40 }, () => {
    const m = new Date(end);
    m.setUTCDate(1);
    m.setUTCMonth(m.getUTCMonth() - 1 - pick(12));
    return m.getTime();
  });
  const months = starts.map((from) => {
    const to = new Date(from);
    to.setUTCMonth(to.getUTCMonth() + 1);
    return `from=${utcDay(from)}&to=${utcDay(to.getTime())}`;
  });
  const monthSoFar = starts.map((from) => `from=${utcDay(from)}&to=${utcDay(from + (1 + pick(27)) * DAY)}`);
  const rolling = Array.from({ length: 40 }, () => {
    const to = end - pick(330) * DAY;
    return `from=${utcDay(to - 30 * DAY)}&to=${utcDay(to)}`;
  });
  const rankingUrls = (index: string, basis = '', periods = months) =>
    periods.map((m) => `/api/v1/rankings?level=employee&index=${index}${basis}&${m}`);

  const store = new SqliteStore(join(dir, 'gateway.db'));
  await store.migrate();
  // A long-running gateway's log is checkpointed; the migrations of an older cached file leave it large.
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const app = await buildApp(testConfig({ adminToken: ADMIN, dataDir: dir }), { store });
  await app.ready();
  // A running gateway's rollups are in the OS page cache; a fresh copy of the file is not (the kernel copies
  // without caching the new file's pages), so each rollup table is read through once before timing.
  for (const table of ['rollup_day', 'rollup_hour', 'rollup_month', 'rollup_cell'])
    store.db.prepare(`SELECT sum(good) FROM ${table} NOT INDEXED`).get();
  const time = async () => {
    await timeQueries(app, officeUrls.slice(0, 10)); // warm-up: statement cache
    return {
      office: await timeQueries(app, officeUrls),
      employee: await timeQueries(app, employeeUrls),
      rankingInk: await timeQueries(app, rankingUrls('ink')),
      rankingQualified: await timeQueries(app, rankingUrls('inkQualified')),
      rankingSoFar: await timeQueries(app, rankingUrls('inkQualified', '', monthSoFar)),
      rankingRolling: await timeQueries(app, rankingUrls('inkQualified', '', rolling)),
      // The seed has no queue data: no employee's visitors can be known, so the default ranking reads no
      // employee days; basis=visitors reads them all and names every day lacking a count (the worst case).
      rankingVisitors: await timeQueries(app, rankingUrls('inkQualified', '&basis=visitors')),
    };
  };
  let before: Awaited<ReturnType<typeof time>>;
  let after: typeof before;
  let cases: number;
  let classifySeconds: number;
  let sample: { value: number; removed: number } | undefined;
  let caused: Record<'office' | 'product' | 'customer', { value: number; count: number }> | undefined;
  try {
    before = await time();
    const t0 = performance.now();
    cases = classify(store.db);
    classifySeconds = (performance.now() - t0) / 1000;
    store.db.pragma('optimize');
    // As a gateway that classified them over months would be: the log checkpointed (the bulk UPDATE left it
    // ~1 GB, and every read then looks its pages up in the log's index first).
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    after = await time();
    // The answers carry the classification: a sample office's qualified ИНК Персонал has cases removed.
    const res = await app.inject({ method: 'GET', url: officeUrls[0]!, headers: { authorization: `Bearer ${ADMIN}` } });
    sample = res.json().total.scores.staff?.inkQualified;
    caused = res.json().total.scores.staff?.causedBy;
    if (!sample || !(sample.removed > 0) || !caused || !(caused.office.count > 0 && caused.product.count > 0))
      throw new Error(`${officeUrls[0]}: no cases removed after classifying (${JSON.stringify({ sample, caused })})`);
  } finally {
    await app.close();
  }

  const p95 = (xs: number[]) => percentile(xs, 95);
  const pair = (b: number[], a: number[]) => `${fmt(p95(b))} → ${fmt(p95(a))}`;
  return {
    name: 'ИНК Персонал, qualified, at size',
    figures: {
      presses: seeded.events,
      'classified cases (staff and office panels, bad)': cases,
      'classification and rollups written in, s': fmt(classifySeconds, 1),
      'a sample office, the year: qualified ИНК Персонал, cases removed': `${fmt(sample.value, 3)}, ${sample.removed}`,
      'the same office: office-, product-, customer-caused (count)': (['office', 'product', 'customer'] as const)
        .map((c) => `${fmt(caused![c].value, 3)} (${caused![c].count})`)
        .join(', '),
      [`office year by month p95 ms, pending → classified (${opts.queries} random offices)`]: pair(before.office, after.office),
      [`employee year by month p95 ms, pending → classified (${opts.queries} random employees)`]: pair(before.employee, after.employee),
      'employee rankings index=ink, one calendar month, p95 ms, pending → classified (40 months)': pair(
        before.rankingInk,
        after.rankingInk,
      ),
      'employee rankings index=inkQualified, one calendar month, p95 ms, pending → classified': pair(
        before.rankingQualified,
        after.rankingQualified,
      ),
      'employee rankings index=inkQualified, a month so far (its 1st to a random day of it), p95 ms, pending → classified': pair(
        before.rankingSoFar,
        after.rankingSoFar,
      ),
      'employee rankings index=inkQualified, 30 days to a random day (not a calendar month), p95 ms, pending → classified': pair(
        before.rankingRolling,
        after.rankingRolling,
      ),
      'employee rankings index=inkQualified basis=visitors (every employee left out, every day named), p95 ms, pending → classified': pair(
        before.rankingVisitors,
        after.rankingVisitors,
      ),
    },
    target:
      'with 1 M classified cases: office and employee scores (carrying inkQualified) p95 ≤ 20 ms; rankings by inkQualified p95 ≤ 100 ms',
    pass: p95(after.office) <= 20 && p95(after.employee) <= 20 && p95(after.rankingQualified) <= 100,
  };
}
