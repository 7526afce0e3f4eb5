/** The store for several gateways (or a bigger machine): PostgreSQL, same code as SQLite (sql-store.ts). */
import { PgDriver } from './pg-driver.js';
import { SqlStore } from './sql-store.js';

export class PgStore extends SqlStore {
  declare readonly driver: PgDriver;

  constructor(url: string) {
    super(new PgDriver(url));
  }
}
