/** Runs store work on better-sqlite3: synchronous underneath, every statement prepared once and cached. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { insertRowSql, type InsertMany, type Op, type Q, type Row, type SqlDriver } from './sql.js';

/**
 * The database holds key hashes and every press: the gateway's user only. A folder we create is 0700;
 * the file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database
 * file's mode), and one left looser by an older version is taken back.
 */
function ownerOnly(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
}

export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') ownerOnly(file);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // An acked press must survive a power cut: fsync on every commit (group commit keeps this cheap).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  // 32 MB of page cache instead of SQLite's 2 MB: a month's ranking reads ~5 MB of one index (−15 % at 10 M presses).
  db.pragma('cache_size = -32768');
  return db;
}

/** Applies pending migrations; `PRAGMA user_version` records how far we got. */
export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  readonly forShare = '';
  // About 1 ms of writing (lazy commits, see count-uploads.ts): far inside the 50 ms a request may hold the loop.
  readonly maxRowsPerTransaction = 250;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly many = new Map<string, { statement: Database.Statement; names: string[] }>();
  private readonly inTransaction: <T>(work: () => Q<T>) => T;

  constructor(file: string) {
    this.db = openDatabase(file);
    this.inTransaction = this.db.transaction(<T>(work: () => Q<T>): T => this.drive(work())) as <T>(work: () => Q<T>) => T;
  }

  async migrate(): Promise<number> {
    return migrate(this.db);
  }

  async transaction<T>(work: () => Q<T>, opts: { lazy?: boolean } = {}): Promise<T> {
    if (!opts.lazy) return this.inTransaction(work);
    // WAL with synchronous=NORMAL commits without fsync; the next FULL commit syncs the log, this one included.
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.inTransaction(work);
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  isTransient(): boolean {
    return false; // one writer: nothing to retry
  }

  async query<T>(work: () => Q<T>): Promise<T> {
    return this.drive(work());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private drive<T>(gen: Q<T>): T {
    let step = gen.next();
    while (!step.done) {
      let result: unknown;
      try {
        result = this.exec(step.value);
      } catch (err) {
        step = gen.throw(err);
        continue;
      }
      step = gen.next(result);
    }
    return step.value;
  }

  private insertMany(o: InsertMany): Array<number | undefined> {
    const key = `m${o.table}:${o.columns.join(',')}`;
    let s = this.statements.get(key);
    if (!s) this.statements.set(key, (s = this.db.prepare(insertRowSql(o.table, o.columns))));
    const out: Array<number | undefined> = [];
    for (const row of o.rows) {
      const info = s.run(row);
      out.push(info.changes === 1 ? Number(info.lastInsertRowid) : undefined);
    }
    return out;
  }

  private exec(o: Op): unknown {
    if (o.op === 'insertMany') return this.insertMany(o);
    if (o.op === 'all') return this.all(o.sql, o.args);
    const key = o.op === 'value' ? `v${o.sql}` : o.sql;
    let s = this.statements.get(key);
    if (!s) {
      s = this.db.prepare(o.sql);
      if (o.op === 'value') s.pluck();
      this.statements.set(key, s);
    }
    // An array binds its items as the anonymous parameters (cheaper than spreading 18 arguments).
    return o.op === 'run' ? s.run(o.args).changes : s.get(o.args);
  }

  /**
   * Rows as objects, built here from better-sqlite3's raw arrays: its own row objects cost about twice as
   * much (≈ 0.6 µs a value), which was half of a year's office scores at 10 M presses.
   */
  private all(sql: string, args: readonly unknown[]): Row[] {
    let q = this.many.get(sql);
    if (!q) {
      const statement = this.db.prepare(sql).raw(true);
      this.many.set(sql, (q = { statement, names: statement.columns().map((c) => c.name) }));
    }
    const { statement, names } = q;
    const rows = statement.all(args) as unknown[][];
    const out: Row[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const o: Row = {};
      for (let j = 0; j < names.length; j++) o[names[j]!] = r[j];
      out[i] = o;
    }
    return out;
  }
}
