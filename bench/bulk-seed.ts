/**
 * A big press database fast: bench/scores.ts's organisation and year of presses, written straight into a
 * real SQLite file — scored `events` rows and the `rollup_hour` / `rollup_day` rows a recount gives —
 * instead of through the ingest writer (≈ 20 000 presses/s, so 10 M took 8+ minutes on a quiet machine).
 * The scoring is the gateway's own, done in bulk: the office's local hour from scoring/hour-buckets.ts,
 * the misuse flags from shared/src/misuse.ts replayed per panel in (t, seq) order, the employee from the
 * desk's monthly assignment. test/bench-seed.test.ts holds it to the ingest writer on a small year:
 * the same rollups row for row. Every kiosk's clock is synced (no clock correction to do).
 *
 * `cachedPressDb` keeps the file under .cache/bench/ (named by its size and its last day), so a rerun
 * on the same day copies it instead of seeding again.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../gateway/src/store/sqlite.js';
import { HourBuckets } from '../gateway/src/scoring/hour-buckets.js';
import { DEFAULT_MISUSE_RULES, emptyHistory, flagPress, type PanelHistory } from '../shared/src/misuse.js';
import { Prng } from '../scripts/fleet/prng.js';
import { ROOT } from '../scripts/lib/processes.js';
import { seedOrg, week, type Kiosk } from './scores.js';
import { ROLLUP_CELL_FILL, ROLLUP_MONTH_FILL } from '../gateway/src/store/migrations.js';

const DAY = 86_400_000;
const KIND: Record<string, string> = { desk: 'staff', office: 'office', loyalty: 'loyalty' };
const ZONE_BY_OFFSET: Record<number, string> = {
  3: 'Europe/Moscow',
  1: 'Europe/Berlin',
  5: 'Asia/Yekaterinburg',
  [-5]: 'America/New_York',
  10: 'Asia/Vladivostok',
  0: 'Europe/London',
};
const EVENT_COLUMNS =
  'id, kiosk_id, seq, panel, button, at, clock_synced, boot_id, uptime_ms, flags, received_at, office_id, desk_id, employee_id, kind, t, time_source, excl';
/** Rows per INSERT statement (SQLite's default limit is 32 766 bound values; 18 columns each). */
const ROWS_PER_INSERT = 500;

export interface SeedOptions {
  kiosks: number;
  pressesPerKiosk: number;
  /** The first local day of the year, UTC midnight (epoch ms). */
  start: number;
  days: number;
}

export interface Seeded {
  events: number;
  offices: number;
  seconds: number;
}

type Rollup = { good: number; neutral: number; bad: number; excl: number };

/** Seeds a fresh SQLite file at `file` (migrated by the gateway's own migrations). */
export async function seedPressDb(file: string, o: SeedOptions): Promise<Seeded> {
  const t0 = performance.now();
  const offices = Math.max(1, Math.round(o.kiosks / 4));
  const store = new SqliteStore(file);
  await store.migrate();
  const db = store.db;
  db.pragma('synchronous = OFF'); // a bench file: rebuilt from scratch if the run dies
  const fleet = await seedOrg(store, offices, true, o.start);
  const first = new Date(o.start);
  const monthOf = (t: number) => {
    const d = new Date(t);
    return (d.getUTCFullYear() - first.getUTCFullYear()) * 12 + d.getUTCMonth() - first.getUTCMonth();
  };
  const insertRows = (n: number) =>
    db.prepare(
      `INSERT INTO events (${EVENT_COLUMNS}) VALUES ${Array(n)
        .fill(`(${'?,'.repeat(17)}?)`)
        .join(',')}`,
    );
  const insertFull = insertRows(ROWS_PER_INSERT);
  const hours = new HourBuckets();
  const histories = new Map<string, PanelHistory>();
  const hourRows = new Map<
    string,
    Rollup & { office: string; hour: number; kind: string; desk: string; employee: string; day: number; localHour: number; weekday: number }
  >();
  const prng = new Prng(42); // as bench/scores.ts: the same year every run
  const random = () => prng.next();
  const perDay = o.pressesPerKiosk / 365 / 1.05; // bursts add ~5 %
  const officeOf = (k: Kiosk) => `o${k.office}`;
  let events = 0;

  const hourInsert = db.prepare(
    'INSERT INTO rollup_hour (office_id, hour_start, kind, desk_id, employee_id, day, local_hour, weekday, good, neutral, bad, excl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const dayInsert = db.prepare(
    'INSERT INTO rollup_day (office_id, day, kind, desk_id, employee_id, good, neutral, bad, excl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // A week's presses, and its rollup rows: the presses of a week fall on local days no other week has.
  const writeWeek = db.transaction((rows: unknown[][]) => {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) insertFull.run(rows.slice(i, i + ROWS_PER_INSERT).flat());
    if (i < rows.length) insertRows(rows.length - i).run(rows.slice(i).flat());
    const days = new Map<string, Rollup & { office: string; day: number; kind: string; desk: string; employee: string }>();
    for (const r of hourRows.values()) {
      hourInsert.run(r.office, r.hour, r.kind, r.desk, r.employee, r.day, r.localHour, r.weekday, r.good, r.neutral, r.bad, r.excl);
      const dk = `${r.office}\u0000${r.day}\u0000${r.kind}\u0000${r.desk}\u0000${r.employee}`;
      const d = days.get(dk) ?? {
        office: r.office,
        day: r.day,
        kind: r.kind,
        desk: r.desk,
        employee: r.employee,
        good: 0,
        neutral: 0,
        bad: 0,
        excl: 0,
      };
      d.good += r.good;
      d.neutral += r.neutral;
      d.bad += r.bad;
      d.excl += r.excl;
      days.set(dk, d);
    }
    for (const d of days.values()) dayInsert.run(d.office, d.day, d.kind, d.desk, d.employee, d.good, d.neutral, d.bad, d.excl);
    hourRows.clear();
  });

  for (let day = 0; day < o.days; day += 7) {
    const rows: unknown[][] = [];
    for (const k of fleet) {
      const evs = week(k, day, Math.min(7, o.days - day), perDay, random, o.start);
      const office = officeOf(k);
      const zone = ZONE_BY_OFFSET[k.zoneOffsetH]!;
      // Misuse is judged per panel in time order (as flagPresses does for late presses); weeks never overlap.
      const at = evs.map((e) => Date.parse(e.at));
      const order = evs
        .map((_, i) => i)
        .sort((a, b) =>
          evs[a]!.panel < evs[b]!.panel ? -1 : evs[a]!.panel > evs[b]!.panel ? 1 : at[a]! - at[b]! || evs[a]!.seq - evs[b]!.seq,
        );
      for (const i of order) {
        const e = evs[i]!;
        const t = at[i]!;
        const key = `${k.id}\u0000${e.panel}`;
        const r = flagPress(histories.get(key) ?? emptyHistory(), t, DEFAULT_MISUSE_RULES);
        histories.set(key, r.history);
        const excl = r.flags.length > 0 ? 1 : 0;
        const kind = KIND[e.panel]!;
        const desk = kind === 'staff' ? `${office}-d${k.id.split('-')[1]}` : null;
        const employee = desk ? `${desk}-e${monthOf(t) % 2}` : null;
        rows.push([e.id, k.id, e.seq, e.panel, e.button, t, 1, e.bootId, e.uptimeMs, '[]', t, office, desk, employee, kind, t, 0, excl]);
        const h = hours.of(t, zone);
        const hk = `${office}\u0000${h.hourStart}\u0000${kind}\u0000${desk ?? ''}\u0000${employee ?? ''}`;
        let acc = hourRows.get(hk);
        if (!acc) {
          acc = {
            office,
            hour: h.hourStart,
            kind,
            desk: desk ?? '',
            employee: employee ?? '',
            day: h.day,
            localHour: h.localHour,
            weekday: h.weekday,
            good: 0,
            neutral: 0,
            bad: 0,
            excl: 0,
          };
          hourRows.set(hk, acc);
        }
        if (excl) acc.excl++;
        else acc[e.button]++;
      }
    }
    writeWeek(rows);
    events += rows.length;
  }

  db.transaction(() => {
    // The kiosks' counters and each boot's anchor (its earliest synced press), as ingest leaves them.
    const counters = db.prepare('UPDATE kiosks SET last_seq = ?, received = ? WHERE id = ?');
    for (const k of fleet) counters.run(k.seq, k.seq, k.id);
    const anchor = db.prepare(
      `INSERT INTO boot_anchors (kiosk_id, boot_id, uptime_ms, at)
       SELECT kiosk_id, boot_id, uptime_ms, at FROM events WHERE kiosk_id = ? ORDER BY uptime_ms LIMIT 1`,
    );
    for (const k of fleet) anchor.run(k.id);
    // The month rows and cells, from the day and hour rows, as ingest keeps them.
    db.exec(ROLLUP_MONTH_FILL);
    db.exec(ROLLUP_CELL_FILL);
  })();
  db.pragma('synchronous = FULL');
  db.pragma('optimize');
  db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  return { events, offices, seconds: (performance.now() - t0) / 1000 };
}

/**
 * A copy of the seeded database in `dir`/gateway.db: seeded into .cache/bench/ the first time on a given
 * last day (older seeds of the same size are removed), copied from there afterwards.
 */
export async function cachedPressDb(
  dir: string,
  o: Omit<SeedOptions, 'start' | 'days'> & { lastDay: string },
): Promise<Seeded & { cached: boolean; copySeconds: number }> {
  const cacheDir = join(ROOT, '.cache/bench');
  mkdirSync(cacheDir, { recursive: true });
  const prefix = `presses-${o.kiosks}k-${o.pressesPerKiosk}pk-v1-`;
  const name = `${prefix}${o.lastDay}`;
  const file = join(cacheDir, `${name}.db`);
  let seeded: Seeded | undefined;
  if (!existsSync(file)) {
    for (const f of readdirSync(cacheDir)) if (f.startsWith(prefix)) rmSync(join(cacheDir, f), { force: true });
    const tmp = join(cacheDir, `${name}.seeding.db`);
    const days = 365;
    seeded = await seedPressDb(tmp, {
      kiosks: o.kiosks,
      pressesPerKiosk: o.pressesPerKiosk,
      start: Date.parse(`${o.lastDay}T00:00:00Z`) - (days - 1) * DAY,
      days,
    });
    for (const suffix of ['-wal', '-shm']) rmSync(tmp + suffix, { force: true });
    renameSync(tmp, file);
  }
  const t0 = performance.now();
  copyFileSync(file, join(dir, 'gateway.db'));
  const copySeconds = (performance.now() - t0) / 1000;
  if (seeded) return { ...seeded, cached: false, copySeconds };
  const store = new SqliteStore(join(dir, 'gateway.db'));
  const events = store.db.prepare('SELECT max(rid) AS n FROM events').get() as { n: number };
  await store.close();
  return { events: events.n, offices: Math.max(1, Math.round(o.kiosks / 4)), seconds: 0, cached: true, copySeconds };
}
