/**
 * Gateway ingest rate through the real path (kiosks → embedded broker → validate → SQLite → ack),
 * against raw batched better-sqlite3 inserts of the same rows on the same disk in the same run.
 *
 * Two baselines, both 500 rows per transaction, WAL + synchronous=FULL (one fsync per commit, as the
 * gateway), rows in the order the gateway sees them (500-event batches, kiosks round-robin):
 * - same schema: the gateway's own migrations on a fresh file and its own INSERT statement (so the
 *   rowid, the UNIQUE event id and the (kiosk_id, seq) index are paid for on both sides). The target
 *   ratio is against this one: it isolates what the ingest pipeline (broker, parsing, validation,
 *   idempotency checks, gap tracking, acks) costs on top of storing the rows, from the choice of
 *   schema, which is justified separately (gateway/src/store/migrations.ts: dedup key, cursor, per-kiosk seq).
 * - minimal table: one TEXT primary key and no other index; the cheapest way to store these rows at
 *   all, reported so the price of the schema itself stays visible.
 *
 * Kiosk window: 4 batches in flight, the device agent's default (`outbox.inFlightBatches`).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ProtocolKiosk, makeEvents } from '../scripts/protocol-kiosk.js';
import { registerKiosk, startGateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { MAX_EVENTS_PER_BATCH, type Event } from '../shared/src/index.js';
import { migrate, openDatabase } from '../gateway/src/store/sqlite.js';
import { INSERT_EVENT_SQL } from '../gateway/src/store/ingest-writer.js';
import { median, type BenchResult } from './stats.js';

const KIOSK_WINDOW = 4;

type Row = { kioskId: string; e: Event };

/** Rows in 500-event slices, kiosks taking turns: the order in which the gateway commits them. */
function interleave(fleet: { id: string; events: Event[] }[]): Row[][] {
  const slices: Row[][] = [];
  const longest = Math.max(...fleet.map((k) => k.events.length));
  for (let i = 0; i < longest; i += MAX_EVENTS_PER_BATCH) {
    for (const k of fleet) {
      const part = k.events.slice(i, i + MAX_EVENTS_PER_BATCH);
      if (part.length) slices.push(part.map((e) => ({ kioskId: k.id, e })));
    }
  }
  return slices;
}

function timeSlices(db: Database.Database, slices: Row[][], insertSlice: (slice: Row[]) => void): number {
  const batch = db.transaction(insertSlice);
  const rows = slices.reduce((n, s) => n + s.length, 0);
  const t0 = performance.now();
  for (const slice of slices) batch(slice);
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return rows / seconds;
}

/** The gateway's schema and INSERT, on a fresh file opened like the gateway opens its own. */
function sameSchemaRate(slices: Row[][]): number {
  const db = openDatabase(join(tempDir('raw-same'), 'gateway.db'));
  migrate(db);
  const insert = db.prepare(INSERT_EVENT_SQL);
  return timeSlices(db, slices, (slice) => {
    const receivedAt = Date.now();
    for (const { kioskId, e } of slice) {
      insert.run(
        e.id,
        kioskId,
        e.seq,
        e.panel,
        e.button,
        Date.parse(e.at),
        e.clockSynced ? 1 : 0,
        e.bootId,
        e.uptimeMs,
        JSON.stringify(e.flags),
        receivedAt,
        e.ticket ?? null,
      );
    }
  });
}

/** The cheapest table that holds these rows: TEXT primary key, no rowid alias, no secondary index. */
function minimalTableRate(slices: Row[][]): number {
  const db = new Database(join(tempDir('raw-min'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, panel TEXT NOT NULL,
    button TEXT NOT NULL, at TEXT NOT NULL, clock_synced INTEGER NOT NULL, boot_id TEXT NOT NULL, uptime_ms INTEGER NOT NULL,
    flags TEXT NOT NULL, received_at TEXT NOT NULL)`);
  const insert = db.prepare('INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)');
  return timeSlices(db, slices, (slice) => {
    const now = new Date().toISOString();
    for (const { kioskId, e } of slice) {
      insert.run(e.id, kioskId, e.seq, e.panel, e.button, e.at, e.clockSynced ? 1 : 0, e.bootId, e.uptimeMs, JSON.stringify(e.flags), now);
    }
  });
}

/** One gateway, fresh data dir, `kiosks` protocol kiosks delivering `perKiosk` events each; events/s. */
async function gatewayRound(opts: {
  kiosks: number;
  perKiosk: number;
}): Promise<{ rate: number; fleet: { id: string; events: Event[] }[] }> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  try {
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const fleet = await Promise.all(
      Array.from({ length: opts.kiosks }, async (_, i) => {
        const id = `bench-${i}`;
        // Made before connecting: making 50 000 events blocks this process for seconds, and a kiosk
        // whose CONNECT waits that long behind it is closed by the broker's connect timeout.
        const events = makeEvents(opts.perKiosk);
        const creds = await registerKiosk(gw, id);
        const kiosk = new ProtocolKiosk({ url, kioskId: id, password: creds.password, window: KIOSK_WINDOW, retransmitMs: 30_000 });
        await kiosk.connect();
        return { id, kiosk, events };
      }),
    );
    const t0 = performance.now();
    await Promise.all(fleet.map((k) => k.kiosk.deliver(k.events)));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(fleet.map((k) => k.kiosk.close()));
    return { rate: (opts.kiosks * opts.perKiosk) / seconds, fleet };
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}

const spread = (xs: number[]): string => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

/**
 * Medians of ROUNDS rounds each (a fresh gateway per round, a fresh file per baseline round): single
 * runs on a shared 2-core VM vary by ±25 %, enough to flip the verdict either way.
 */
const ROUNDS = 3;

export async function benchIngest(opts: { kiosks: number; perKiosk: number }): Promise<BenchResult> {
  const ingest: number[] = [];
  const same: number[] = [];
  const minimal: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { rate, fleet } = await gatewayRound(opts);
    ingest.push(rate);
    const slices = interleave(fleet);
    same.push(sameSchemaRate(slices));
    minimal.push(minimalTableRate(slices));
  }
  const ingestRate = median(ingest);
  const sameSchema = median(same);
  const minimalRate = median(minimal);
  const ratio = ingestRate / sameSchema;
  return {
    name: 'gateway ingest',
    figures: {
      events: opts.kiosks * opts.perKiosk,
      kiosks: opts.kiosks,
      'kiosk window (batches in flight)': KIOSK_WINDOW,
      rounds: ROUNDS,
      'ingest events/s (median)': Math.round(ingestRate),
      'ingest events/s (min–max)': spread(ingest),
      'raw insert, gateway schema, rows/s (baseline, median)': Math.round(sameSchema),
      'raw insert, gateway schema, rows/s (min–max)': spread(same),
      'raw insert, minimal table, rows/s (median)': Math.round(minimalRate),
      'raw insert, minimal table, rows/s (min–max)': spread(minimal),
      'ratio to baseline (gateway schema)': Number(ratio.toFixed(3)),
      'ratio to minimal table': Number((ingestRate / minimalRate).toFixed(3)),
    },
    target: 'ratio to the same-schema baseline ≥ 0.50 (medians)',
    pass: ratio >= 0.5,
  };
}
