import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapAdminKey } from '../../../gateway/src/bootstrap.js';
import { hashSecret } from '../../../gateway/src/lib/secrets.js';
import { MIGRATIONS } from '../../../gateway/src/store/migrations.js';
import { SqliteStore } from '../../../gateway/src/store/sqlite.js';
import type { Store } from '../../../gateway/src/store/store.js';
import { event } from '../helpers.js';
import { describeScoring } from './scoring-contract.js';
import { describeOrgStore } from './org-contract.js';
import { describeStore } from './store-contract.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-gw-store-'));
  dirs.push(dir);
  return path.join(dir, 'gateway.db');
}

describeStore('SqliteStore (file)', async () => {
  const store = new SqliteStore(tempFile());
  await store.migrate();
  return store;
});

const memoryStore = async () => {
  const store = new SqliteStore(':memory:');
  await store.migrate();
  return store;
};
describeScoring('SqliteStore (memory)', memoryStore);
describeOrgStore('SqliteStore (memory)', memoryStore);

describe('SqliteStore specifics', () => {
  it('runs migrations once, records the version, and keeps data across reopen', async () => {
    const file = tempFile();
    const first = new SqliteStore(file);
    await first.migrate();
    expect(first.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(first.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(first.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await first.createKiosk({ id: 'k', passwordHash: hashSecret('p') });
    await first.commitIngest({ batches: [{ kioskId: 'k', events: [event(1)], rejected: [] }], statuses: [], deadLetters: [] });
    await first.close();
    const second = new SqliteStore(file);
    await second.migrate(); // nothing pending: must not fail or wipe
    expect((await second.getKiosk('k'))!.counters.received).toBe(1);
    await second.close();
  });

  it('rolls a failing batch back completely', async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    await store.createKiosk({ id: 'k', passwordHash: hashSecret('p') });
    store.db.exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.seq = 3 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const work = {
      batches: [{ kioskId: 'k', events: [event(1), event(2), event(3)], rejected: [] }],
      statuses: [],
      deadLetters: [{ topic: 't', kioskId: 'k', reason: 'r', payload: 'p' }],
    };
    await expect(store.commitIngest(work)).rejects.toThrow(/disk on fire/);
    expect(await store.listEvents('k', 0, 10)).toEqual([]);
    expect(await store.listDeadLetters(10)).toEqual([]);
    expect((await store.getKiosk('k'))!.counters).toEqual({ received: 0, duplicates: 0, rejected: 0, lastSeq: 0 });
    await store.close();
  });
});

describe('admin bootstrap', () => {
  async function fresh(): Promise<Store> {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    return store;
  }

  it('generates one admin key on first start only, storing its hash', async () => {
    const store = await fresh();
    const key = await bootstrapAdminKey(store, undefined);
    expect(key).toMatch(/^[\w-]{40,}$/);
    expect((await store.apiKeyByHash(hashSecret(key!)))?.role).toBe('admin');
    expect(await bootstrapAdminKey(store, undefined)).toBeUndefined();
    expect(await store.countApiKeys('admin')).toBe(1);
  });

  it('uses LB_ADMIN_TOKEN and replaces it when it changes', async () => {
    const store = await fresh();
    expect(await bootstrapAdminKey(store, 'first-token')).toBeUndefined();
    await bootstrapAdminKey(store, 'second-token');
    expect(await store.apiKeyByHash(hashSecret('first-token'))).toBeUndefined();
    expect((await store.apiKeyByHash(hashSecret('second-token')))?.name).toBe('LB_ADMIN_TOKEN');
  });
});
