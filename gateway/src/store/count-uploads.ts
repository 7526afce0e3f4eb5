/**
 * Visitor and sales uploads, all or nothing, without holding the event loop (SQLite writes on it; the
 * largest upload, 10 000 hourly entries, took 2–10 s in one transaction while no kiosk was acked):
 * 1. Staged: the upload's rows go to `staged_counts` in transactions of at most
 *    `driver.maxRowsPerTransaction` rows. Each (desk, day) lies whole in one `chunk`. Nothing shows yet;
 *    an upload that dies here is dropped an hour later.
 * 2. Applied: one transaction per chunk replaces its days' counts and deletes its staged rows. The first
 *    also marks the upload `ready`, its commit point: after a crash the next start applies the rest
 *    (finishPending) before the API answers.
 * Only the commit point waits for the disk (fsync): it makes the staged rows durable with it, and every
 * later chunk is redone from them should a power cut lose it. One fsync per upload, not one per chunk.
 * Readers in this process wait while an upload is applied (`settled`), so none sees half of one. On
 * PostgreSQL, where several gateways read, maxRowsPerTransaction is unbounded: the apply is one transaction.
 */
import { ulid } from 'ulid';
import { nextTurn } from '../lib/event-loop.js';
import { dayToUtc } from '../scoring/calendar.js';
import type { DayCounts } from '../domain/score.js';
import { all, insertMany, run, type Q, type SqlDriver } from './sql.js';

export type CountTable = 'visitors' | 'sales';
const tableName = (table: string): CountTable => (table === 'sales' ? 'sales' : 'visitors');

const HOUR = 3_600_000;
const STALE_MS = HOUR;
const COLUMNS = [
  'i',
  'upload',
  'chunk',
  'office_id',
  'desk_id',
  'day',
  'from_ms',
  'to_ms',
  'hourly',
  'replace_all',
  'start_ms',
  'end_ms',
  'count',
];
const PG_TYPES = ['int', 'text', 'int', 'text', 'text', 'int', 'bigint', 'bigint', 'int', 'int', 'bigint', 'bigint', 'bigint'];

/** Replaces the counts of one chunk's days by its staged rows, then forgets them. */
function* applyChunk(table: CountTable, upload: string, chunk: number): Q<void> {
  // A day's stored rows are found through the primary key: from_ms/to_ms bound where any zone's local day
  // can start, `day` picks the day exactly. A row of over two hours is a day's; shorter, an hour's.
  yield* run(
    `DELETE FROM ${table} WHERE (office_id, desk_id, start_ms) IN (SELECT c.office_id, c.desk_id, c.start_ms
    FROM (SELECT DISTINCT office_id, desk_id, day, from_ms, to_ms, hourly, replace_all FROM staged_counts WHERE upload = ? AND chunk = ?) d
    JOIN ${table} c ON c.office_id = d.office_id AND c.desk_id = d.desk_id AND c.start_ms >= d.from_ms AND c.start_ms < d.to_ms AND c.day = d.day
    WHERE d.replace_all = 1 OR (CASE WHEN c.end_ms - c.start_ms > 7200000 THEN 0 ELSE 1 END) <> d.hourly)`,
    upload,
    chunk,
  );
  yield* run(
    `INSERT INTO ${table} (office_id, desk_id, start_ms, end_ms, day, count)
    SELECT office_id, desk_id, start_ms, end_ms, day, count FROM staged_counts WHERE upload = ? AND chunk = ?
    ON CONFLICT (office_id, desk_id, start_ms) DO UPDATE SET end_ms = excluded.end_ms, day = excluded.day, count = excluded.count`,
    upload,
    chunk,
  );
  yield* run('DELETE FROM staged_counts WHERE upload = ? AND chunk = ?', upload, chunk);
}

/** A chunk's rows for staged_counts, each with its day's instructions. */
function stagedRows(upload: string, chunk: number, days: DayCounts[]): unknown[][] {
  const rows: unknown[][] = [];
  for (const d of days) {
    const from = dayToUtc(d.day) - 15 * HOUR; // zones run from UTC−12 to UTC+14
    const to = dayToUtc(d.day) + 39 * HOUR;
    for (const c of d.counts) {
      rows.push([
        rows.length,
        upload,
        chunk,
        d.officeId,
        d.deskId ?? '',
        d.day,
        from,
        to,
        d.hourly ? 1 : 0,
        d.replaceAll ? 1 : 0,
        c.start,
        c.end,
        c.count,
      ]);
    }
  }
  return rows;
}

function* dropStale(now: number): Q<void> {
  yield* run('DELETE FROM staged_counts WHERE upload IN (SELECT id FROM count_uploads WHERE ready = 0 AND created_ms < ?)', now - STALE_MS);
  yield* run('DELETE FROM count_uploads WHERE ready = 0 AND created_ms < ?', now - STALE_MS);
}

export class CountUploads {
  /** The upload being applied, if any; uploads are applied one at a time. */
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly driver: SqlDriver) {}

  /** Resolves once no upload is being applied: readers wait for it. */
  settled(): Promise<void> {
    return this.applying;
  }

  async put(table: CountTable, days: DayCounts[]): Promise<void> {
    const upload = ulid();
    const chunks = this.chunked(days);
    const now = Date.now();
    await this.driver.transaction(function* () {
      yield* dropStale(now);
      yield* run('INSERT INTO count_uploads (id, tbl, created_ms) VALUES (?, ?, ?)', upload, table, now);
    });
    for (const [c, chunk] of chunks.entries()) {
      await nextTurn();
      const rows = stagedRows(upload, c, chunk);
      await this.driver.transaction(() => insertMany({ table: 'staged_counts', columns: COLUMNS, pgTypes: PG_TYPES, rows }), {
        lazy: true,
      });
    }
    await this.serially(() =>
      this.apply(
        table,
        upload,
        chunks.map((_, c) => c),
      ),
    );
  }

  /** Applies uploads that passed their commit point before a crash; drops stale staged ones. */
  async finishPending(): Promise<void> {
    const now = Date.now();
    await this.driver.transaction(() => dropStale(now));
    const pending = await this.driver.query(() =>
      all<{ id: string; tbl: string }>('SELECT id, tbl FROM count_uploads WHERE ready = 1 ORDER BY created_ms, id'),
    );
    for (const u of pending) {
      const left = await this.driver.query(() =>
        all<{ chunk: number }>('SELECT DISTINCT chunk FROM staged_counts WHERE upload = ? ORDER BY chunk', u.id),
      );
      await this.serially(() =>
        this.apply(
          tableName(u.tbl),
          u.id,
          left.map((r) => r.chunk),
        ),
      );
    }
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const done = this.applying.then(work);
    this.applying = done.catch(() => undefined);
    return done;
  }

  private async apply(table: CountTable, upload: string, chunks: number[]): Promise<void> {
    if (chunks.length === 0) chunks = [-1]; // nothing (left) to apply: only the upload's record to drop
    for (const [n, chunk] of chunks.entries()) {
      await this.driver.transaction(
        function* () {
          if (n === 0) yield* run('UPDATE count_uploads SET ready = 1 WHERE id = ?', upload);
          yield* applyChunk(table, upload, chunk);
          if (n === chunks.length - 1) yield* run('DELETE FROM count_uploads WHERE id = ?', upload);
        },
        { lazy: n > 0 },
      );
      if (n < chunks.length - 1) await nextTurn();
    }
  }

  /** The days in chunks of whole days of at most maxRowsPerTransaction rows (a day has at most 25). */
  private chunked(days: DayCounts[]): DayCounts[][] {
    const chunks: DayCounts[][] = [];
    let chunk: DayCounts[] = [];
    let rows = 0;
    for (const d of days) {
      if (rows > 0 && rows + d.counts.length > this.driver.maxRowsPerTransaction) {
        chunks.push(chunk);
        chunk = [];
        rows = 0;
      }
      chunk.push(d);
      rows += d.counts.length;
    }
    if (rows > 0) chunks.push(chunk);
    return chunks;
  }
}
