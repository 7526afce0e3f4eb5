/** The default store: one SQLite file (better-sqlite3), WAL, fsync on every commit. */
import type Database from 'better-sqlite3';
import { SqliteDriver } from './sqlite-driver.js';
import { SqlStore } from './sql-store.js';

export { migrate, openDatabase } from './sqlite-driver.js';

export class SqliteStore extends SqlStore {
  declare readonly driver: SqliteDriver;

  constructor(file: string) {
    super(new SqliteDriver(file));
  }

  /** The open database, for tests and benchmarks that look underneath. */
  get db(): Database.Database {
    return this.driver.db;
  }
}
