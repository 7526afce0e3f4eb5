/**
 * Gateway ingest rate through the real path (kiosks → embedded broker → validate → SQLite → ack),
 * against a raw batched better-sqlite3 insert of the same rows on the same disk in the same run.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { ProtocolKiosk, makeEvents } from '../scripts/protocol-kiosk.js';
import { registerKiosk, startGateway, tempDir } from '../test/support/processes.js';
import type { Event } from '../shared/src/index.js';
import type { BenchResult } from './stats.js';

function rawInsertRate(rows: { kioskId: string; e: Event }[]): number {
  const db = new Database(join(tempDir('raw'), 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (id TEXT PRIMARY KEY, kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, panel TEXT NOT NULL,
    button TEXT NOT NULL, at TEXT NOT NULL, clock_synced INTEGER NOT NULL, boot_id TEXT NOT NULL, uptime_ms INTEGER NOT NULL,
    flags TEXT NOT NULL, received_at TEXT NOT NULL)`);
  const insert = db.prepare('INSERT OR IGNORE INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)');
  const batch = db.transaction((slice: { kioskId: string; e: Event }[]) => {
    const now = new Date().toISOString();
    for (const { kioskId, e } of slice) {
      insert.run(e.id, kioskId, e.seq, e.panel, e.button, e.at, e.clockSynced ? 1 : 0, e.bootId, e.uptimeMs, JSON.stringify(e.flags), now);
    }
  });
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 500) batch(rows.slice(i, i + 500));
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return rows.length / seconds;
}

export async function benchIngest(opts: { kiosks: number; perKiosk: number }): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  try {
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const fleet = await Promise.all(
      Array.from({ length: opts.kiosks }, async (_, i) => {
        const id = `bench-${i}`;
        const creds = await registerKiosk(gw, id);
        const kiosk = new ProtocolKiosk({ url, kioskId: id, password: creds.password, window: 4, retransmitMs: 30_000 });
        await kiosk.connect();
        return { id, kiosk, events: makeEvents(opts.perKiosk) };
      }),
    );
    const total = opts.kiosks * opts.perKiosk;
    const t0 = performance.now();
    await Promise.all(fleet.map((k) => k.kiosk.deliver(k.events)));
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all(fleet.map((k) => k.kiosk.close()));
    const ingestRate = total / seconds;
    const baseline = rawInsertRate(fleet.flatMap((k) => k.events.map((e) => ({ kioskId: k.id, e }))));
    const ratio = ingestRate / baseline;
    return {
      name: 'gateway ingest',
      figures: {
        events: total,
        kiosks: opts.kiosks,
        'ingest events/s': Math.round(ingestRate),
        'raw batched insert rows/s (baseline)': Math.round(baseline),
        'ratio to baseline': Number(ratio.toFixed(3)),
      },
      target: 'ratio ≥ 0.50',
      pass: ratio >= 0.5,
    };
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}
