/**
 * The PostgreSQL test infrastructure itself (scripts/lib/postgres.ts): a real throwaway cluster
 * whose fresh databases can be written and read, kept apart from each other, and gone after stop().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('throwaway PostgreSQL cluster', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('creates an empty database that can be written and read back after commit', async () => {
    const url = await server.newDatabase();
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/lb_[0-9a-f]{12}$/);
    const tables = await withClient(url, (c) =>
      c.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'"),
    );
    expect(tables.rows[0].n).toBe(0);

    await withClient(url, async (c) => {
      await c.query('CREATE TABLE presses (id text PRIMARY KEY, seq int NOT NULL, button text NOT NULL)');
      await c.query('BEGIN');
      await c.query("INSERT INTO presses VALUES ('a', 1, 'good'), ('b', 2, 'bad'), ('c', 3, 'neutral ☺')");
      await c.query('COMMIT');
    });
    // A second connection sees exactly what the first committed.
    const rows = await withClient(url, (c) => c.query('SELECT id, seq, button FROM presses ORDER BY seq'));
    expect(rows.rows).toEqual([
      { id: 'a', seq: 1, button: 'good' },
      { id: 'b', seq: 2, button: 'bad' },
      { id: 'c', seq: 3, button: 'neutral ☺' },
    ]);
    const info = await withClient(url, (c) =>
      c.query(
        "SELECT current_setting('fsync') AS fsync, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()",
      ),
    );
    expect(info.rows[0]).toEqual({ fsync: 'on', enc: 'UTF8' });
  });

  it('keeps databases apart and refuses a second database of the same name', async () => {
    const a = await server.newDatabase('lb_infra_a');
    const b = await server.newDatabase('lb_infra_b');
    await withClient(a, (c) => c.query('CREATE TABLE only_in_a (x int)'));
    const inB = await withClient(b, (c) => c.query("SELECT to_regclass('only_in_a') AS t"));
    expect(inB.rows[0].t).toBeNull();
    await expect(server.newDatabase('lb_infra_a')).rejects.toThrow(/already exists/);
    await expect(server.newDatabase('bad name; DROP')).rejects.toThrow(/not a plain database name/);
  });

  it('stops the server: it no longer accepts connections', async () => {
    const other = await startPostgres();
    const url = await other.newDatabase();
    await withClient(url, (c) => c.query('SELECT 1'));
    await other.stop();
    await expect(withClient(url, (c) => c.query('SELECT 1'))).rejects.toThrow(/ECONNREFUSED/);
  });
});
