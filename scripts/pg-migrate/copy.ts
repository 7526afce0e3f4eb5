/**
 * The copy itself: every table in ONE PostgreSQL transaction (all or nothing), batched multi-row INSERTs,
 * identity sequences moved past the copied maximum, then counts and sums compared with the SQLite file
 * before COMMIT, so a mismatch leaves the target as it was.
 */
import type pg from 'pg';
import type { SqliteSource } from './source.js';
import { SUMS, TABLES } from './tables.js';
import { occupiedTables, refuseOccupied } from './target.js';

/** PostgreSQL's limit on bind parameters in one statement. */
const MAX_PARAMS = 65_535;

export interface Progress {
  start(totalRows: number): void;
  table(name: string, rows: number): void;
  advance(rows: number): void;
  tableDone(name: string, rows: number, ms: number): void;
  stop(): void;
}

/** `nulReplaced`: text values in which U+0000 was replaced (see `withoutNul`). */
export interface TableResult {
  table: string;
  rows: number;
  ms: number;
  nulReplaced: number;
}
export interface Check {
  what: string;
  sqlite: number;
  postgres: number;
}
export interface CopyResult {
  tables: TableResult[];
  checks: Check[];
  sequences: Array<{ column: string; next: number }>;
}

function insertSql(table: string, columns: readonly string[], rows: number): string {
  let n = 0;
  const tuple = () => `(${columns.map(() => `$${++n}`).join(', ')})`;
  return `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${Array.from({ length: rows }, tuple).join(', ')}`;
}

/**
 * PostgreSQL text cannot hold U+0000, SQLite's can: a dead letter keeps a preview of whatever bytes a client
 * published, NUL bytes included. Such characters become U+FFFD (the replacement character) instead of failing
 * the copy; returns how many values changed.
 */
function withoutNul(rows: unknown[][]): number {
  let changed = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v === 'string' && v.includes('\u0000')) {
        row[i] = v.replaceAll('\u0000', '\uFFFD');
        changed++;
      }
    }
  }
  return changed;
}

async function targetColumns(client: pg.ClientBase, table: string): Promise<string[]> {
  const r = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  return r.rows.map((c) => c.column_name);
}

/** Runs the whole copy on `client` (a connection of the migrated PgStore's pool). */
export async function copyAll(
  source: SqliteSource,
  client: pg.ClientBase,
  url: string,
  batch: number,
  progress: Progress,
): Promise<CopyResult> {
  const counts = new Map(TABLES.map((t) => [t.name, source.count(t.name)]));
  await client.query('BEGIN');
  try {
    // No gateway may write while we copy, and the target must still be empty now that we hold the locks.
    await client.query(`LOCK TABLE ${TABLES.map((t) => t.name).join(', ')} IN EXCLUSIVE MODE`);
    refuseOccupied(url, await occupiedTables(client));

    progress.start([...counts.values()].reduce((a, b) => a + b, 0));
    const tables: TableResult[] = [];
    for (const t of TABLES) {
      const columns = source.columns(t.name);
      const pgColumns = await targetColumns(client, t.name);
      const missing = columns.filter((c) => !pgColumns.includes(c));
      const extra = pgColumns.filter((c) => !columns.includes(c));
      if (missing.length || extra.length) {
        throw new Error(
          `table ${t.name} differs between the databases (only in SQLite: ${missing.join(', ') || '-'}; only in PostgreSQL: ${extra.join(', ') || '-'})`,
        );
      }
      const started = Date.now();
      const rows = counts.get(t.name)!;
      progress.table(t.name, rows);
      if (t.name === 'settings') await client.query('DELETE FROM settings'); // the migration's default row: replaced by the file's
      const size = Math.max(1, Math.min(batch, Math.floor(MAX_PARAMS / columns.length)));
      const full = insertSql(t.name, columns, size);
      let copied = 0;
      let nulReplaced = 0;
      for (const b of source.batches(t, columns, size)) {
        nulReplaced += withoutNul(b);
        await client.query(b.length === size ? full : insertSql(t.name, columns, b.length), b.flat());
        copied += b.length;
        progress.advance(b.length);
      }
      if (copied !== rows) throw new Error(`table ${t.name}: read ${copied} rows, counted ${rows}`);
      const ms = Date.now() - started;
      progress.tableDone(t.name, rows, ms);
      tables.push({ table: t.name, rows, ms, nulReplaced });
    }

    // New rows must not collide with the copied ids: continue each identity after the copied maximum.
    const sequences: CopyResult['sequences'] = [];
    for (const t of TABLES.filter((x) => x.identity)) {
      const r = await client.query<{ next: number }>(
        `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(${t.identity}), 0) + 1, false) AS next FROM ${t.name}`,
        [t.name, t.identity],
      );
      sequences.push({ column: `${t.name}.${t.identity}`, next: Number(r.rows[0]!.next) });
    }

    const checks: Check[] = [];
    for (const t of TABLES) {
      const r = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.name}`);
      checks.push({ what: `${t.name} rows`, sqlite: counts.get(t.name)!, postgres: Number(r.rows[0]!.n) });
    }
    for (const s of SUMS) {
      const mine = source.sums(s.table, s.columns);
      const r = await client.query({
        text: `SELECT ${s.columns.map((c) => `coalesce(sum(${c}), 0)`).join(', ')} FROM ${s.table}`,
        rowMode: 'array',
      });
      const theirs = (r.rows[0] as unknown[]).map(Number);
      for (const [i, c] of s.columns.entries()) checks.push({ what: `sum(${s.table}.${c})`, sqlite: mine[i]!, postgres: theirs[i]! });
    }
    const bad = checks.filter((c) => c.sqlite !== c.postgres);
    if (bad.length) {
      throw new Error(
        `verification failed, nothing committed: ${bad.map((c) => `${c.what} SQLite ${c.sqlite} ≠ PostgreSQL ${c.postgres}`).join('; ')}`,
      );
    }
    await client.query('COMMIT');
    return { tables, checks, sequences };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    progress.stop();
  }
}
