/**
 * Runs store work on PostgreSQL (node-postgres pool): each yielded statement is awaited on the
 * transaction's connection, as a named (server-side prepared) statement.
 */
import pg from 'pg';
import { PG_MIGRATIONS } from './pg-migrations.js';
import type { InsertMany, Op, Q, SqlDriver } from './sql.js';

// int8 (counts, epoch ms) and numeric (sum of int8) as JS numbers, like SQLite gives them.
const NUMBER_TYPES = new Set<number>([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    NUMBER_TYPES.has(oid) ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Errors after which the whole transaction may simply be run again. */
const TRANSIENT = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * A transaction left idle this long is ended by the server and its row locks released. Our transactions
 * run their statements back to back (idle between them only for an event-loop turn), so only a gateway
 * that stopped mid-transaction (frozen by SIGSTOP, a suspended VM) reaches it. Without it, the kiosk
 * rows such a gateway locked would stall every other gateway's ingest of those kiosks until it died or
 * came back (test/gateway/store/pg-frozen-holder.test.ts).
 */
export const IDLE_IN_TRANSACTION_MS = 10_000;

interface Prepared {
  name: string;
  text: string;
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can): a NUL from a kiosk's payload (a dead letter's
 * preview, a reason quoting it) becomes U+FFFD instead of failing the whole transaction.
 */
const textSafe = (v: unknown): unknown => (typeof v === 'string' && v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v);

export class PgDriver implements SqlDriver {
  readonly dialect = 'postgres';
  readonly forUpdate = ' FOR UPDATE';
  readonly forShare = ' FOR SHARE';
  readonly maxRowsPerTransaction = Infinity;
  readonly pool: pg.Pool;
  private readonly prepared = new Map<string, Prepared>();

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, types, max: 8, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS });
    // An idle connection that dies (database restart) must not crash the gateway; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async migrate(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Several gateways may start at once: one migrates, the others wait and find nothing to do.
      await client.query('SELECT pg_advisory_xact_lock(7261001)');
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
      for (let v = r.rows[0]?.v ?? 0; v < PG_MIGRATIONS.length; v++) {
        await client.query(PG_MIGRATIONS[v]!);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, new Date().toISOString()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    return PG_MIGRATIONS.length;
  }

  async transaction<T>(work: () => Q<T>, opts: { lazy?: boolean } = {}): Promise<T> {
    const { client, lost, release } = await this.checkout();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // The commit returns before its WAL is flushed; a later synchronous commit flushes it too.
      if (opts.lazy) await client.query('SET LOCAL synchronous_commit = off');
      const out = await this.drive(client, work());
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw lost() ?? err; // the server's reason (e.g. 57P05, idle in transaction) over "not queryable"
    } finally {
      release(broken ?? lost());
    }
  }

  isTransient(err: unknown): boolean {
    return TRANSIENT.has((err as { code?: string }).code ?? '');
  }

  async query<T>(work: () => Q<T>): Promise<T> {
    const { client, lost, release } = await this.checkout();
    try {
      return await this.drive(client, work());
    } catch (err) {
      throw lost() ?? err;
    } finally {
      release(lost());
    }
  }

  /**
   * A pooled connection, listened to while it is ours: the pool only listens to idle ones, and a
   * connection the server ends while we hold it (idle-in-transaction timeout, a database restart)
   * emits 'error' — unheard, that would crash the gateway. Its queries then fail; `lost()` says why.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; lost: () => Error | undefined; release: (err?: Error) => void }> {
    const client = await this.pool.connect();
    let lostWith: Error | undefined;
    const onError = (err: Error) => (lostWith ??= err);
    client.on('error', onError);
    return {
      client,
      lost: () => lostWith,
      release: (err) => {
        client.off('error', onError);
        client.release(err);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async drive<T>(client: pg.PoolClient, gen: Q<T>): Promise<T> {
    let step = gen.next();
    while (!step.done) {
      let result: unknown;
      try {
        result = await this.exec(client, step.value);
      } catch (err) {
        step = gen.throw(err);
        continue;
      }
      step = gen.next(result);
    }
    return step.value;
  }

  private async insertMany(client: pg.PoolClient, o: InsertMany): Promise<Array<number | undefined>> {
    if (o.rows.length === 0) return [];
    const key = `m${o.table}:${o.columns.join(',')}`;
    let p = this.prepared.get(key);
    if (!p) {
      const arrays = o.pgTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
      const text = `INSERT INTO ${o.table} (${o.columns.join(', ')}) SELECT * FROM unnest(${arrays}) ON CONFLICT DO NOTHING RETURNING ${o.columns[0]} AS k, rid`;
      this.prepared.set(key, (p = { name: `lb${this.prepared.size}`, text }));
    }
    const values = o.columns.map((_, c) => o.rows.map((r) => textSafe(r[c])));
    const r = await client.query<{ k: string; rid: number }>({ name: p.name, text: p.text, values });
    const rids = new Map(r.rows.map((row) => [row.k, row.rid]));
    // A key twice in one batch is stored once: the first occurrence gets the rid, the later ones were ignored.
    return o.rows.map((row) => {
      const rid = rids.get(row[0] as string);
      rids.delete(row[0] as string);
      return rid;
    });
  }

  private async exec(client: pg.PoolClient, o: Op): Promise<unknown> {
    if (o.op === 'insertMany') return this.insertMany(client, o);
    const p = this.statement(o);
    const r = await client.query({ name: p.name, text: p.text, values: o.args.map(textSafe) });
    switch (o.op) {
      case 'get':
        return r.rows[0];
      case 'value':
        return r.rows[0] ? Object.values(r.rows[0] as object)[0] : undefined;
      case 'all':
        return r.rows;
      case 'run':
        return r.rowCount ?? 0;
    }
  }

  /** `?` placeholders become `$1…`; each distinct statement gets a name so the server plans it once. */
  private statement(o: Exclude<Op, InsertMany>): Prepared {
    const key = `${o.op}:${o.sql}`;
    let p = this.prepared.get(key);
    if (!p) {
      let n = 0;
      const text = o.sql.replace(/\?/g, () => `$${++n}`);
      p = { name: `lb${this.prepared.size}`, text };
      this.prepared.set(key, p);
    }
    return p;
  }
}
