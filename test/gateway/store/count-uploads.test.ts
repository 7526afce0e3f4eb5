/**
 * A visitor upload on SQLite is written in many small transactions (so it never holds the event loop),
 * yet it is all or nothing: a reader in the meantime sees it all or not at all, and an upload that passed
 * its commit point before a crash is finished by the next start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteStore } from '../../../gateway/src/store/sqlite.js';
import type { DayCounts } from '../../../gateway/src/domain/score.js';
import { dayNumber } from '../../../gateway/src/scoring/calendar.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-uploads-'));
  dirs.push(dir);
  return path.join(dir, 'gateway.db');
}

const H = 3_600_000;
const FROM = Date.UTC(2026, 0, 1);
/** `n` office days of 24 hourly counts each (Europe/London in winter: local days are UTC days). */
const hourlyDays = (n: number, count: number): DayCounts[] =>
  Array.from({ length: n }, (_, i) => ({
    officeId: 'o',
    deskId: null,
    day: dayNumber(2026, 1, 1 + i),
    hourly: true,
    replaceAll: false,
    counts: Array.from({ length: 24 }, (_, h) => ({ start: FROM + (i * 24 + h) * H, end: FROM + (i * 24 + h + 1) * H, count })),
  }));

async function openStore(file: string): Promise<SqliteStore> {
  const store = new SqliteStore(file);
  await store.migrate();
  return store;
}

const total = async (store: SqliteStore) =>
  (await store.listCounts('visitors', ['o'], null, dayNumber(2026, 1, 1), dayNumber(2026, 3, 1))).reduce((s, c) => s + c.count, 0);

it('lets a reader see a many-transaction upload whole or not at all', async () => {
  const store = await openStore(tempFile());
  await store.createOrg('office', { id: 'o', name: 'O', timeZone: 'Europe/London', regionId: null, k: null });
  await store.putCounts('visitors', hourlyDays(40, 1)); // 960 rows: several transactions
  const seen = new Set<number>();
  let writing = true;
  const upload = store.putCounts('visitors', hourlyDays(40, 2)).finally(() => (writing = false));
  while (writing) {
    seen.add(await total(store));
    await new Promise((r) => setImmediate(r));
  }
  await upload;
  seen.add(await total(store));
  expect([...seen].every((t) => t === 960 || t === 1920)).toBe(true);
  expect(seen.has(1920)).toBe(true);
  await store.close();
});

it('finishes, at the next start, an upload that a crash stopped after its commit point', async () => {
  const file = tempFile();
  const store = await openStore(file);
  await store.createOrg('office', { id: 'o', name: 'O', timeZone: 'Europe/London', regionId: null, k: null });
  await store.putCounts('visitors', hourlyDays(40, 1));
  // The crash: the process dies once the commit point and the first chunk are written.
  let transactions = 0;
  const real = store.driver.transaction.bind(store.driver);
  store.driver.transaction = (async (work: never, opts?: { lazy?: boolean }) => {
    if (++transactions > 6 && opts?.lazy) throw new Error('process killed');
    return real(work, opts);
  }) as typeof store.driver.transaction;
  await expect(store.putCounts('visitors', hourlyDays(40, 2))).rejects.toThrow('process killed');
  const halfway = await total(store);
  expect(halfway).toBeGreaterThan(960);
  expect(halfway).toBeLessThan(1920);
  await store.close();

  const restarted = await openStore(file);
  expect(await total(restarted)).toBe(1920);
  expect(restarted.db.prepare('SELECT count(*) FROM staged_counts').pluck().get()).toBe(0);
  expect(restarted.db.prepare('SELECT count(*) FROM count_uploads').pluck().get()).toBe(0);
  await restarted.close();
});

it('drops an upload that a crash stopped before its commit point, once it is an hour old', async () => {
  const file = tempFile();
  const store = await openStore(file);
  await store.createOrg('office', { id: 'o', name: 'O', timeZone: 'Europe/London', regionId: null, k: null });
  let transactions = 0;
  const real = store.driver.transaction.bind(store.driver);
  store.driver.transaction = (async (work: never, opts?: { lazy?: boolean }) => {
    if (++transactions === 3) throw new Error('process killed'); // while staging
    return real(work, opts);
  }) as typeof store.driver.transaction;
  await expect(store.putCounts('visitors', hourlyDays(40, 2))).rejects.toThrow('process killed');
  store.db.prepare('UPDATE count_uploads SET created_ms = created_ms - 3600001').run();
  await store.close();

  const restarted = await openStore(file);
  expect(await total(restarted)).toBe(0);
  expect(restarted.db.prepare('SELECT count(*) FROM staged_counts').pluck().get()).toBe(0);
  await restarted.close();
});
