/** The PostgreSQL side: a valid, reachable URL and a database that holds no gateway data yet. */
import pg from 'pg';
import { Refusal, TABLES } from './tables.js';

/** The URL without its password, for messages. */
export function showUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export function checkUrl(raw: string | undefined): string {
  if (raw === undefined || raw === '') {
    throw new Refusal('no PostgreSQL database given: use --to postgres://user:password@host:port/database or set LB_DATABASE_URL');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Refusal(`--to is not a URL (expected postgres://user:password@host:port/database)`);
  }
  if (!['postgres:', 'postgresql:'].includes(url.protocol)) {
    throw new Refusal(`--to must be a postgres:// or postgresql:// URL, got "${url.protocol}"`);
  }
  if (url.pathname.replace(/^\//, '') === '') {
    throw new Refusal(`--to names no database (expected postgres://user:password@host:port/database)`);
  }
  return raw;
}

/** Connects once (10 s at most) to tell "unreachable" apart from later failures. */
export async function checkReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const e = err as Error & { code?: string };
    const hint = e.code === '3D000' ? ' (create it first, e.g. createdb, or CREATE DATABASE …)' : '';
    throw new Refusal(`cannot reach PostgreSQL at ${showUrl(url)}: ${e.message || e.code || String(err)}${hint}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Gateway tables of the target that already hold rows (settings always has its one row: not counted).
 * Tables that do not exist yet count as empty.
 */
export async function occupiedTables(client: pg.ClientBase): Promise<Array<{ table: string; rows: number }>> {
  const out: Array<{ table: string; rows: number }> = [];
  for (const t of TABLES) {
    if (t.name === 'settings') continue;
    const exists = await client.query<{ r: string | null }>('SELECT to_regclass($1) AS r', [`public.${t.name}`]);
    if (!exists.rows[0]?.r) continue;
    const r = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.name}`);
    const n = Number(r.rows[0]!.n);
    if (n > 0) out.push({ table: t.name, rows: n });
  }
  return out;
}

export function refuseOccupied(url: string, occupied: Array<{ table: string; rows: number }>): void {
  if (occupied.length === 0) return;
  throw new Refusal(
    `${showUrl(url)} already holds gateway data (${occupied.map((o) => `${o.table}: ${o.rows}`).join(', ')}); ` +
      'this tool copies into an empty database only and never merges into a live one: create a new database and give that',
  );
}
