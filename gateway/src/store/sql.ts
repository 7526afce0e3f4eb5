/**
 * One store logic, two databases. Store code is written as generators that `yield` SQL operations; a
 * driver runs them: the SQLite driver answers each at once inside better-sqlite3's synchronous
 * transaction (no promise per statement on the ingest hot path), the PostgreSQL driver awaits each one
 * on a pooled connection. SQL is written once, in the subset both understand, with `?` placeholders.
 */
export type Row = Record<string, unknown>;

export type Op = { op: 'get' | 'all' | 'value' | 'run'; sql: string; args: readonly unknown[] } | InsertMany;

/**
 * Many rows into a table with a `rid` column, ignoring conflicts; answers each row's new rid or
 * undefined (ignored), in row order. `columns[0]` must be unique (it maps PostgreSQL's RETURNING back).
 * SQLite runs one prepared INSERT per row; PostgreSQL one statement for all (`unnest` of typed arrays):
 * one round trip per batch instead of one per press.
 */
export interface InsertMany {
  op: 'insertMany';
  table: string;
  columns: readonly string[];
  pgTypes: readonly string[];
  rows: unknown[][];
}

/** The one-row INSERT that `insertMany` runs per row on SQLite. */
export const insertRowSql = (table: string, columns: readonly string[]): string =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;

/** A unit of store work: runs to completion on either driver. */
export type Q<T> = Generator<Op, T, unknown>;

export function* get<T = Row>(sql: string, ...args: unknown[]): Q<T | undefined> {
  return (yield { op: 'get', sql, args }) as T | undefined;
}

export function* all<T = Row>(sql: string, ...args: unknown[]): Q<T[]> {
  return (yield { op: 'all', sql, args }) as T[];
}

/** The first column of the first row. */
export function* value<T>(sql: string, ...args: unknown[]): Q<T | undefined> {
  return (yield { op: 'value', sql, args }) as T | undefined;
}

/** Rows changed. */
export function* run(sql: string, ...args: unknown[]): Q<number> {
  return (yield { op: 'run', sql, args }) as number;
}

export function* insertMany(m: Omit<InsertMany, 'op'>): Q<Array<number | undefined>> {
  return (yield { op: 'insertMany', ...m }) as Array<number | undefined>;
}

/** `column IN (?, ?, …)` for a list of values (an empty list matches nothing). */
export function inList(column: string, values: readonly unknown[]): { sql: string; args: unknown[] } {
  if (values.length === 0) return { sql: '1 = 0', args: [] };
  return { sql: `${column} IN (${values.map(() => '?').join(', ')})`, args: [...values] };
}

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** Row-lock clauses: '' on SQLite, where the one writer holds the whole database. */
  readonly forUpdate: string;
  readonly forShare: string;
  /**
   * The most rows a bulk write (a visitor upload) puts in one transaction. SQLite runs on the event loop
   * and blocks it for as long as a transaction lasts, so its share stays small; PostgreSQL's run on the
   * server, so one transaction takes it all.
   */
  readonly maxRowsPerTransaction: number;
  /** Applies pending migrations; returns the schema version. */
  migrate(): Promise<number>;
  /**
   * Runs `work` in one transaction; any error rolls all of it back. `lazy`: the commit need not be on disk
   * when this returns (no fsync); a power cut may lose it, and the next ordinary commit makes it durable
   * with everything before it. Only for writes that are redone after such a loss (see count-uploads.ts).
   */
  transaction<T>(work: () => Q<T>, opts?: { lazy?: boolean }): Promise<T>;
  /** A failure after which the whole transaction may simply run again (deadlock, serialization). */
  isTransient(err: unknown): boolean;
  /** Runs `work` without an explicit transaction (reads, single statements). */
  query<T>(work: () => Q<T>): Promise<T>;
  close(): Promise<void>;
}
