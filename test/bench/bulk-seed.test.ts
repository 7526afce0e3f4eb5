/**
 * The console bench's fast seeder (bench/bulk-seed.ts) writes what the gateway's own ingest writer
 * writes for the same presses: the same scored events and the same hour and day rollups, row for row —
 * so a figure measured on the bulk-seeded 10 M-press file is a figure on a database the gateway built.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedPressDb } from '../../bench/bulk-seed.js';
import { generate, seedOrg } from '../../bench/scores.js';
import { SqliteStore } from '../../gateway/src/store/sqlite.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

const START = Date.parse('2026-03-02T00:00:00Z'); // a year across both DST changes of the zones that have them
const DAYS = 70;
const KIOSKS = 24; // 6 offices: one in each of the seeder's time zones
const PER_KIOSK = 4000;

const TABLES = {
  rollup_hour: 'SELECT * FROM rollup_hour ORDER BY office_id, hour_start, kind, desk_id, employee_id',
  rollup_day: 'SELECT * FROM rollup_day ORDER BY office_id, day, kind, desk_id, employee_id',
  rollup_month: 'SELECT * FROM rollup_month ORDER BY office_id, month, kind, desk_id, employee_id',
  rollup_cell: 'SELECT * FROM rollup_cell ORDER BY office_id, month, weekday, local_hour, kind',
  events:
    'SELECT id, kiosk_id, seq, panel, button, at, office_id, desk_id, employee_id, kind, t, time_source, excl FROM events ORDER BY id',
  boot_anchors: 'SELECT * FROM boot_anchors ORDER BY kiosk_id',
  kiosks: 'SELECT id, last_seq, received FROM kiosks ORDER BY id',
};

function dump(file: string): Record<string, unknown[]> {
  const store = new SqliteStore(file);
  const out = Object.fromEntries(Object.entries(TABLES).map(([name, sql]) => [name, store.db.prepare(sql).all()]));
  void store.close();
  return out;
}

describe('bench/bulk-seed.ts', () => {
  it('writes the same events and rollups as the ingest writer for the same year', async () => {
    const bulk = join(tempDir('bulk-seed'), 'bulk.db');
    const seeded = await seedPressDb(bulk, { kiosks: KIOSKS, pressesPerKiosk: PER_KIOSK, start: START, days: DAYS });

    const ingestFile = join(tempDir('bulk-seed'), 'ingest.db');
    const store = new SqliteStore(ingestFile);
    await store.migrate();
    const fleet = await seedOrg(store, KIOSKS / 4, true, START);
    const gen = await generate(store, fleet, PER_KIOSK / 365 / 1.05, DAYS, Infinity, START);
    await store.close();

    expect(seeded.events).toBe(gen.events);
    const a = dump(bulk);
    const b = dump(ingestFile);
    expect(a.rollup_hour!.length).toBeGreaterThan(1000);
    expect((a.rollup_hour as Array<{ excl: number }>).some((r) => r.excl > 0)).toBe(true); // misuse flags were judged
    for (const name of Object.keys(TABLES)) expect(a[name], name).toEqual(b[name]);
  }, 120_000);
});
