/**
 * The alert engine's cost on a big SQLite database (in-process store, a file on disk): 10 offices, one
 * very busy (`busy` presses over 28 days, ~25 a minute with the default), nine with a tenth of that each.
 * Rows are written straight into `events` and `rollup_hour` (this bench measures the rules' reads, not
 * ingest). Timed, each `runs` times: one evaluation (AlertEngine.evaluate: its queries and verdict) of
 * - a threshold share rule over the busy office's last 60 minutes (events_office_t),
 * - the same in statistical mode (plus 28 days of hour rollups as the baseline),
 * - a company-wide share rule (every office's window).
 * On SQLite a query runs on the event loop, so an evaluation's time bounds the loop's block. Also: the
 * price of events_office_t on writes, as scored-press inserts per second with and without it, same run.
 * Target: every evaluation ≤ 50 ms (the loop rule) at p99; with the index, the gateway-like (fsync) insert
 * rate stays ≥ 0.75 × the rate without.
 * Left out: fleet rules (kiosk health reads: bench/fleet-health.ts), PostgreSQL.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import pino from 'pino';
import { ulid } from 'ulid';
import { AlertEngine } from '../gateway/src/alerts/engine.js';
import { DEFAULT_HEALTH_THRESHOLDS } from '../shared/src/index.js';
import type { AlertRule } from '../gateway/src/domain/alert-rule.js';
import { migrate, openDatabase, SqliteStore } from '../gateway/src/store/sqlite.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { fmt, median, percentile, type BenchResult } from './stats.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const OFFICES = 10;
const BUTTONS = ['good', 'good', 'good', 'neutral', 'bad'] as const;

const INSERT = `INSERT INTO events (id, kiosk_id, seq, panel, button, at, clock_synced, boot_id, uptime_ms, flags, received_at,
  office_id, desk_id, employee_id, kind, t, time_source, excl) VALUES (?, ?, ?, 'desk', ?, ?, 1, 'b', 0, '[]', ?, ?, NULL, NULL, 'staff', ?, 0, 0)`;

/** `n` presses of an office spread evenly over the 28 days before `now`, with their hour rollups. */
function seedOffice(db: Database.Database, office: string, n: number, now: number): void {
  const insert = db.prepare(INSERT);
  const rollup =
    db.prepare(`INSERT INTO rollup_hour (office_id, hour_start, kind, desk_id, employee_id, day, local_hour, weekday, good, neutral, bad, excl)
    VALUES (?, ?, 'staff', '', '', 0, 0, 0, ?, ?, ?, 0)`);
  const step = (28 * DAY) / n;
  const hours = new Map<number, { good: number; neutral: number; bad: number }>();
  const write = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const t = Math.round(now - 28 * DAY + i * step);
      const button = BUTTONS[i % BUTTONS.length]!;
      insert.run(`${office}-${i}`, `k-${office}`, i + 1, button, t, t, office, t);
      const h = Math.floor(t / HOUR) * HOUR;
      const c = hours.get(h) ?? { good: 0, neutral: 0, bad: 0 };
      c[button]++;
      hours.set(h, c);
    }
  });
  for (let i = 0; i < n; i += 50_000) write(i, Math.min(n, i + 50_000));
  db.transaction(() => {
    for (const [h, c] of hours) rollup.run(office, h, c.good, c.neutral, c.bad);
  })();
  db.prepare('INSERT INTO offices (id, name, time_zone) VALUES (?, ?, ?)').run(office, office, 'UTC');
}

/**
 * Scored-press inserts per second, 500 per transaction (as ingest commits), on a fresh file; `fsync`
 * false (synchronous = OFF) shows the index's CPU and page cost that the disk's fsync otherwise hides.
 */
function insertRate(withIndex: boolean, rows: number, fsync: boolean): number {
  const db = openDatabase(join(tempDir('alerts-idx'), 'gateway.db'));
  migrate(db);
  if (!fsync) db.pragma('synchronous = OFF');
  if (!withIndex) db.exec('DROP INDEX events_office_t');
  const insert = db.prepare(INSERT);
  const now = Date.now();
  const batch = db.transaction((from: number) => {
    for (let i = from; i < from + 500; i++) insert.run(ulid(), `k-${i % 40}`, i, BUTTONS[i % 5]!, now + i, now, `o${i % 10}`, now + i);
  });
  const t0 = performance.now();
  for (let i = 0; i < rows; i += 500) batch(i);
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return rows / seconds;
}

export async function benchAlerts(opts: { busy: number; runs: number; indexRows: number }): Promise<BenchResult> {
  const file = join(tempDir('alerts-bench'), 'gateway.db');
  const store = new SqliteStore(file);
  await store.migrate();
  const now = Date.now();
  seedOffice(store.db, 'o0', opts.busy, now);
  for (let o = 1; o < OFFICES; o++) seedOffice(store.db, `o${o}`, Math.round(opts.busy / 10), now);
  store.db.exec('ANALYZE');
  const engine = new AlertEngine(store, { tickMs: 600_000, health: DEFAULT_HEALTH_THRESHOLDS, log: pino({ level: 'silent' }) });
  const base = { enabled: true, officeIds: ['o0'], createdAt: '', createdBy: null, updatedAt: '' };
  const rules: Record<string, AlertRule> = {
    threshold: {
      ...base,
      id: 'r-threshold',
      name: 't',
      kind: 'share',
      mode: 'threshold',
      scope: { level: 'office', id: 'o0' },
      windowMinutes: 60,
      threshold: 0.9,
    },
    statistical: {
      ...base,
      id: 'r-stat',
      name: 's',
      kind: 'share',
      mode: 'statistical',
      scope: { level: 'office', id: 'o0' },
      windowMinutes: 60,
    },
    company: {
      ...base,
      id: 'r-company',
      name: 'c',
      kind: 'share',
      mode: 'threshold',
      scope: { level: 'company' },
      officeIds: [],
      windowMinutes: 60,
      threshold: 0.9,
    },
  };
  const figures: Record<string, number | string> = {
    'presses stored': opts.busy + (OFFICES - 1) * Math.round(opts.busy / 10),
    'busy office presses in its 60-min window': Math.round((opts.busy / (28 * 24)) * 1),
  };
  let worstP99 = 0;
  for (const [name, rule] of Object.entries(rules)) {
    await engine.evaluate(rule, Date.now()); // warm the page cache and statements
    const ms: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const t0 = performance.now();
      await engine.evaluate(rule, Date.now());
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    worstP99 = Math.max(worstP99, percentile(ms, 99));
    figures[`${name} rule: evaluation median / p99 / max ms`] =
      `${fmt(median(ms))} / ${fmt(percentile(ms, 99))} / ${fmt(ms[ms.length - 1]!)}`;
  }
  await store.close();
  let ratio = 1;
  for (const fsync of [true, false]) {
    const rates = { without: [] as number[], with: [] as number[] };
    for (let i = 0; i < 3; i++) {
      // With fsync a commit waits for the disk (~2 000 rows/s here): a tenth of the rows.
      const rows = fsync ? Math.round(opts.indexRows / 10) : opts.indexRows;
      rates.without.push(insertRate(false, rows, fsync));
      rates.with.push(insertRate(true, rows, fsync));
    }
    const r = median(rates.with) / median(rates.without);
    if (fsync) ratio = r;
    const how = fsync ? 'fsync per commit, as the gateway' : 'no fsync: CPU and pages only';
    figures[`inserts/s without / with events_office_t (${how}, median of 3)`] =
      `${Math.round(median(rates.without))} / ${Math.round(median(rates.with))} (ratio ${fmt(r, 3)})`;
  }
  return {
    name: 'alerts: rule evaluation on a big database, and the window index’s write cost',
    figures,
    target: 'every evaluation ≤ 50 ms at p99; with the index ≥ 0.75 × the insert rate without',
    pass: worstP99 <= 50 && ratio >= 0.75,
  };
}
