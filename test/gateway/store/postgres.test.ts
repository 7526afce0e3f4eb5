/**
 * The PostgreSQL store on a real throwaway server: the same contract suites as SQLite, plus what only
 * PostgreSQL has (versioned migrations shared by several gateways, one database written by two stores).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { PG_MIGRATIONS } from '../../../gateway/src/store/pg-migrations.js';
import { PgStore } from '../../../gateway/src/store/postgres.js';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';
import { event } from '../helpers.js';
import { describeScoring } from './scoring-contract.js';
import { describeOrgStore } from './org-contract.js';
import { describeStore } from './store-contract.js';

let server: Postgres;
let shared: string | undefined;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

/**
 * A migrated store on an emptied database: one database reused (TRUNCATE is far quicker than
 * CREATE DATABASE), so the property suites can afford their hundred runs.
 */
async function freshStore(): Promise<PgStore> {
  if (!shared) {
    shared = await server.newDatabase();
    await new PgStore(shared).migrate().then(() => undefined);
  }
  const store = new PgStore(shared);
  await store.migrate();
  const tables = await store.driver.pool.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'settings')",
  );
  await store.driver.pool.query(`TRUNCATE ${tables.rows.map((t) => t.tablename).join(', ')} RESTART IDENTITY CASCADE`);
  await store.driver.pool.query('DELETE FROM settings; INSERT INTO settings (id) VALUES (1)');
  return store;
}

describeStore('PgStore', freshStore);
describeScoring('PgStore', freshStore);
describeOrgStore('PgStore', freshStore);

describe('PgStore specifics', () => {
  it('runs versioned migrations once, even when several gateways start at the same time', async () => {
    const url = await server.newDatabase();
    const stores = [new PgStore(url), new PgStore(url), new PgStore(url)];
    await Promise.all(stores.map((s) => s.migrate()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const versions = await client.query('SELECT version FROM schema_migrations ORDER BY version');
    await client.end();
    expect(versions.rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
    await Promise.all(stores.map((s) => s.close()));
  });

  it('lets gateways starting together bootstrap the same admin key without a clash', async () => {
    const url = await server.newDatabase();
    const stores = Array.from({ length: 4 }, () => new PgStore(url));
    await Promise.all(stores.map((s) => s.migrate()));
    await Promise.all(stores.map((s) => s.upsertApiKey({ name: 'admin (LB_ADMIN_TOKEN)', role: 'admin', hash: 'h1' })));
    expect((await stores[0]!.listApiKeys()).map((k) => k.name)).toEqual(['admin (LB_ADMIN_TOKEN)']);
    await stores[0]!.upsertApiKey({ name: 'admin (LB_ADMIN_TOKEN)', role: 'admin', hash: 'h2' }); // token changed
    expect(await stores[1]!.apiKeyByHash('h1')).toBeUndefined();
    expect((await stores[1]!.apiKeyByHash('h2'))!.role).toBe('admin');
    await Promise.all(stores.map((s) => s.close()));
  });

  it('keeps a dead letter whose payload holds a NUL byte (PostgreSQL text cannot), with U+FFFD in its place', async () => {
    const store = await freshStore();
    await store.createKiosk({ id: 'k', passwordHash: 'h' });
    const [out] = await store.commitIngest({
      batches: [{ kioskId: 'k', events: [event(1)], rejected: [] }],
      statuses: [],
      deadLetters: [{ topic: 'lb/v1/k/events', kioskId: 'k', reason: 'not JSON', payload: 'ab\u0000cd' }],
    });
    expect(out!.inserted).toBe(1);
    expect((await store.listDeadLetters(1))[0]!.payload).toBe('ab\uFFFDcd');
    await store.close();
  });

  it("two stores on one database (two gateways) store a kiosk's interleaved batches exactly once, seq gaps exact", async () => {
    const url = await server.newDatabase();
    const [a, b] = [new PgStore(url), new PgStore(url)];
    await a.migrate();
    await b.migrate();
    await a.createKiosk({ id: 'k', passwordHash: 'h' });
    const events = Array.from({ length: 400 }, (_, i) => event(i + 1));
    // Batches of 10 dealt alternately to both stores, all at once, each batch also resent to the other.
    const batches = Array.from({ length: 40 }, (_, i) => events.slice(i * 10, i * 10 + 10));
    const work = (evs: typeof events) => ({ batches: [{ kioskId: 'k', events: evs, rejected: [] }], statuses: [], deadLetters: [] });
    await Promise.all(batches.flatMap((evs, i) => [(i % 2 ? a : b).commitIngest(work(evs)), (i % 2 ? b : a).commitIngest(work(evs))]));
    const k = (await a.getKiosk('k'))!;
    expect(k.counters).toMatchObject({ received: 400, duplicates: 400, lastSeq: 400 });
    expect(await b.kioskGaps('k')).toEqual([]);
    expect((await a.listEvents('k', 0, 1000)).map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    await a.close();
    await b.close();
  });
});
