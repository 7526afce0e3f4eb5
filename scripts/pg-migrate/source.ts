/**
 * The SQLite side: opened read-only (the file is never written), checked to be a gateway database at the
 * schema version this code knows, read table by table in key order inside one read transaction (one
 * consistent snapshot of every table).
 */
import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../gateway/src/store/migrations.js';
import { IN_FLIGHT, Refusal, TABLES, type TableSpec } from './tables.js';

export class SqliteSource {
  private constructor(
    readonly file: string,
    readonly db: Database.Database,
    /** A write-ahead log with content lay beside the file before we opened it: a gateway may still be running on it. */
    readonly walInUse: boolean,
  ) {}

  /** Throws Refusal when the file is missing, not a gateway database, or at another schema version. */
  static open(file: string): SqliteSource {
    if (!existsSync(file))
      throw new Refusal(`no SQLite database at ${file} (give the gateway's file with --from, by default ./data/gateway.db)`);
    if (!statSync(file).isFile())
      throw new Refusal(`${file} is not a file (give the gateway's database file with --from, e.g. ./data/gateway.db)`);
    const wal = `${file}-wal`;
    const walInUse = existsSync(wal) && statSync(wal).size > 0;
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw new Refusal(`cannot open ${file} read-only: ${(err as Error).message}`);
    }
    const source = new SqliteSource(file, db, walInUse);
    try {
      source.check();
    } catch (err) {
      db.close();
      throw err;
    }
    db.exec('BEGIN'); // one snapshot for every table read below
    return source;
  }

  private check(): void {
    let tables: string[];
    try {
      tables = this.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
    } catch (err) {
      throw new Refusal(`${this.file} is not a gateway database (${(err as Error).message})`);
    }
    if (!tables.includes('kiosks') || !tables.includes('events')) {
      throw new Refusal(`${this.file} is not a gateway database (no kiosks and events tables)`);
    }
    const version = this.db.pragma('user_version', { simple: true }) as number;
    const known = MIGRATIONS.length;
    if (version < known) {
      throw new Refusal(
        `${this.file} has schema version ${version}, this tool copies version ${known}: start the current gateway once on it ` +
          `(it migrates the file at start), stop it, then run this again`,
      );
    }
    if (version > known) {
      throw new Refusal(
        `${this.file} has schema version ${version}, newer than this tool knows (${known}): ` +
          `run the migration tool of the gateway version that wrote it`,
      );
    }
    const unknown = tables.filter((t) => !TABLES.some((s) => s.name === t) && !IN_FLIGHT.includes(t));
    if (unknown.length)
      throw new Refusal(`${this.file} has tables this tool does not copy (${unknown.join(', ')}): it does not match this gateway version`);
    if (this.db.prepare('SELECT count(*) FROM count_uploads WHERE ready = 1').pluck().get()) {
      throw new Refusal(
        `${this.file} has a visitor upload half applied: start the gateway once on it (it finishes the upload), stop it, then run this again`,
      );
    }
    // The gateway's connections enforce foreign keys (better-sqlite3 turns them on), but a file edited with
    // another tool (the sqlite3 shell has them off) may not hold to them: name every row PostgreSQL would refuse.
    const broken = new Map<string, number>();
    for (const v of this.db.pragma('foreign_key_check') as Array<{ table: string; parent: string }>) {
      const key = `${v.table} → ${v.parent}`;
      broken.set(key, (broken.get(key) ?? 0) + 1);
    }
    if (broken.size) {
      throw new Refusal(
        `${this.file} has rows whose referenced row is missing, which PostgreSQL would refuse ` +
          `(${[...broken].map(([k, n]) => `${k}: ${n}`).join(', ')}): was the file edited by hand? Restore the gateway's own copy, or fix these rows first`,
      );
    }
  }

  /** The table's columns, in schema order. */
  columns(table: string): string[] {
    return (this.db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
  }

  count(table: string): number {
    return this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  }

  sums(table: string, columns: readonly string[]): number[] {
    const row = this.db
      .prepare(`SELECT ${columns.map((c) => `coalesce(sum(${c}), 0)`).join(', ')} FROM ${table}`)
      .raw()
      .get() as number[];
    return row;
  }

  /** The table's rows in key order, `size` at a time, each row as an array in `columns` order. */
  *batches(t: TableSpec, columns: readonly string[], size: number): Generator<unknown[][]> {
    const rows = this.db
      .prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${t.name} ORDER BY ${t.order}`)
      .raw()
      .iterate() as IterableIterator<unknown[]>;
    let batch: unknown[][] = [];
    for (const row of rows) {
      batch.push(row);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}
