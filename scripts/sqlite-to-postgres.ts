/**
 * `npm run migrate-to-postgres -- [--from ./data/gateway.db] [--to postgres://…] [--batch n]`: copies a
 * gateway's SQLite database into an EMPTY PostgreSQL database, for a customer outgrowing one gateway
 * (docs/postgres.md). The SQLite file is only read. The target schema is created by the gateway's own
 * PgStore migrations; every table is copied in one transaction, identity sequences continue after the
 * copied ids, and row counts and score sums are compared before the commit.
 * Exit codes: 0 copied and verified; 2 refused (nothing written), one line on stderr; 1 failed (rolled back).
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { PgStore } from '../gateway/src/store/postgres.js';
import { copyAll, type CopyResult, type Progress } from './pg-migrate/copy.js';
import { SqliteSource } from './pg-migrate/source.js';
import { Refusal } from './pg-migrate/tables.js';
import { checkReachable, checkUrl, occupiedTables, refuseOccupied, showUrl } from './pg-migrate/target.js';

interface Options {
  from: string;
  to?: string;
  batch: number;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Refusal(`--batch must be a positive integer, got "${v}"`);
  return n;
}

/** A bar on a terminal; otherwise plain lines (one per table, and every 5 s on a long one). */
function progressReporter(): Progress {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'copying {bar} {percentage}% | {value}/{total} rows | {table}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return {
      start: (total) => bar.start(total, 0, { table: '' }),
      table: (name) => bar.update({ table: name }),
      advance: (n) => bar.increment(n),
      tableDone: () => undefined,
      stop: () => bar.stop(),
    };
  }
  let table = '';
  let total = 0;
  let done = 0;
  let lastLine = 0;
  return {
    start: (rows) => console.log(`copying ${rows} rows`),
    table: (name, rows) => {
      table = name;
      total = rows;
      done = 0;
      lastLine = Date.now();
    },
    advance: (n) => {
      done += n;
      if (Date.now() - lastLine >= 5000) {
        lastLine = Date.now();
        console.log(`  ${table}: ${done}/${total} rows`);
      }
    },
    tableDone: (name, rows, ms) => console.log(`  ${name}: ${rows} rows (${(ms / 1000).toFixed(2)} s)`),
    stop: () => undefined,
  };
}

function summary(r: CopyResult, seconds: number): string[] {
  const rows = r.tables.reduce((n, t) => n + t.rows, 0);
  const width = Math.max(...r.tables.map((t) => t.table.length));
  return [
    'rows per table:',
    ...r.tables.map(
      (t) =>
        `  ${t.table.padEnd(width)} ${String(t.rows).padStart(10)}` +
        (t.nulReplaced ? `  (${t.nulReplaced} values held NUL characters, which PostgreSQL text cannot: replaced by U+FFFD)` : ''),
    ),
    `verified: ${r.checks.length} checks equal (row counts of ${r.tables.length} tables; sums of rollup_day, rollup_hour, rollup_month, rollup_cell and kiosk counters)`,
    `identity sequences continue at ${r.sequences.map((s) => `${s.column} ${s.next}`).join(', ')}`,
    `copied ${rows} rows in ${seconds.toFixed(2)} s (${Math.round(rows / Math.max(seconds, 0.001))} rows/s)`,
  ];
}

async function main(o: Options): Promise<number> {
  const url = checkUrl(o.to ?? process.env.LB_DATABASE_URL);
  const source = SqliteSource.open(o.from);
  try {
    await checkReachable(url);
    const store = new PgStore(url);
    try {
      // Refuse before creating anything in a database that already holds a gateway's data.
      const client = await store.driver.pool.connect();
      try {
        refuseOccupied(url, await occupiedTables(client));
      } finally {
        client.release();
      }
      if (source.walInUse) {
        console.warn(
          `warning: ${o.from}-wal holds data: is a gateway still running on this file? Stop it first; ` +
            'presses it acknowledges after this snapshot would not be copied',
        );
      }
      console.log(`from ${o.from} (SQLite, read-only) to ${showUrl(url)}`);
      const started = Date.now();
      await store.migrate(); // the gateway's own PostgreSQL schema, exactly as a gateway would create it
      const client2 = await store.driver.pool.connect();
      let result: CopyResult;
      try {
        result = await copyAll(source, client2, url, o.batch, progressReporter());
      } finally {
        client2.release();
      }
      for (const line of summary(result, (Date.now() - started) / 1000)) console.log(line);
      console.log(`done: start the gateway(s) with LB_DATABASE_URL=${showUrl(url)}`);
      return 0;
    } finally {
      await store.close();
    }
  } finally {
    source.close();
  }
}

new Command()
  .name('sqlite-to-postgres')
  .description("Copy a gateway's SQLite database into an empty PostgreSQL database (stop the gateway first; docs/postgres.md)")
  .option('--from <file>', "the gateway's SQLite database (opened read-only)", './data/gateway.db')
  .option('--to <url>', 'the PostgreSQL database, postgres://user:password@host:port/database (default $LB_DATABASE_URL)')
  .addOption(new Option('--batch <n>', 'rows per INSERT statement').default(1000).argParser(positiveInt))
  .action(async (o: Options) => {
    process.exitCode = await main(o);
  })
  .parseAsync()
  .catch((err: unknown) => {
    const refused = err instanceof Refusal;
    console.error(
      `sqlite-to-postgres: ${refused ? 'refused: ' : 'failed, no data copied: '}${err instanceof Error ? err.message : String(err)}`,
    );
    process.exitCode = refused ? 2 : 1;
  });
