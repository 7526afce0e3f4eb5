/**
 * Listing a fleet with health, and scraping its metrics: a gateway process whose SQLite file holds
 * `kiosks` kiosks with a stored status each (written straight into the file before the gateway starts:
 * this bench measures the reads, not ingest; bench/load.ts covers statuses over MQTT). A mix of states:
 * healthy, offline, board unplugged, backlog growing, an old agent. Timed: every page of GET
 * /api/v1/kiosks (limit 1000, the `lb fleet` path), one filtered listing (?problem=, a scan of the whole
 * fleet), and /metrics; the event loop's longest block during each, from the loop-delay probe.
 * Target: the whole listing ≤ 1 s; no block > 50 ms.
 */
import Database from 'better-sqlite3';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { LOOP_DELAY_PROBE, startGateway, type Gateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { track, type HealthTrack } from '../gateway/src/domain/kiosk-health.js';
import type { StatusMessage } from '../shared/src/index.js';
import { fmt, median, type BenchResult } from './stats.js';

/** The longest event-loop block since the last call, wall clock, and the CPU the gateway used in its longest stall. */
async function loopMax(g: Gateway): Promise<{ maxMs: number; maxCpuMs: number }> {
  const seen = g.proc.lines.length;
  g.proc.child.kill('SIGWINCH');
  const line = await g.proc.waitFor((l) => l.msg === 'loop delay' && g.proc.lines.indexOf(l) >= seen, 'loop delay');
  return { maxMs: line.maxMs as number, maxCpuMs: line.maxCpuMs as number };
}
const block = (b: { maxMs: number; maxCpuMs: number }) => `${fmt(b.maxMs, 1)} (CPU ${fmt(b.maxCpuMs, 1)})`;

/** The i-th kiosk's stored status and health memory: mostly healthy, some of each problem. */
function kioskState(i: number, now: number): { status: StatusMessage; track: HealthTrack; at: string } {
  const at = new Date(now - 10_000).toISOString();
  const base: StatusMessage = {
    v: 1,
    state: 'online',
    version: i % 50 === 0 ? '0.9.0' : '1.0.0',
    bootId: `boot-${i}`,
    board: { connected: i % 33 !== 0, kind: 'firmata' },
    outbox: { pending: i % 20, oldestPendingAgeMs: i % 20 ? 2000 : null, memoryHeld: 0, lastSeq: 1000 + i },
    clockSynced: i % 97 !== 0,
    config: { rev: null },
    panels: [{ id: 'desk', kind: 'staff' }],
  };
  if (i % 25 === 0) {
    const off: StatusMessage = { v: 1, state: 'offline' };
    const gone = new Date(now - 3_600_000).toISOString();
    return { status: off, track: track(track(null, base, gone), off, gone), at: gone };
  }
  let tr = track(null, { ...base, outbox: { ...base.outbox!, pending: 0 } }, at);
  if (i % 40 === 1) for (const p of [1, 2, 3]) tr = track(tr, { ...base, outbox: { ...base.outbox!, pending: p } }, at);
  return { status: base, track: track(tr, base, at), at };
}

function seed(dbFile: string, kiosks: number): void {
  const db = new Database(dbFile);
  const insert = db.prepare(
    `INSERT INTO kiosks (id, office_id, panels, password_hash, created_at, status, status_state, status_at, health)
     VALUES (?, NULL, NULL, 'x', ?, ?, ?, ?, ?)`,
  );
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < kiosks; i++) {
      const s = kioskState(i, now);
      insert.run(
        `k-${String(i).padStart(5, '0')}`,
        new Date(now).toISOString(),
        JSON.stringify(s.status),
        s.status.state,
        s.at,
        JSON.stringify(s.track),
      );
    }
  })();
  db.close();
}

export async function benchFleetHealth(kiosks = 10_000): Promise<BenchResult> {
  const dataDir = tempDir('fleet-health');
  const first = await startGateway({ dataDir, logLevel: 'warn' }); // creates and migrates the database
  await first.proc.kill();
  seed(join(dataDir, 'gateway.db'), kiosks);
  const startedAt = performance.now();
  const gw = await startGateway({ dataDir, logLevel: 'warn', nodeArgs: ['--import', LOOP_DELAY_PROBE] });
  const startMs = performance.now() - startedAt;
  try {
    const metricsKey = (await gw.api('POST', '/api/v1/api-keys', { name: 'prometheus', role: 'metrics' })).body.key as string;
    const timed = async <T>(f: () => Promise<T>) => {
      const t = performance.now();
      const value = await f();
      return { ms: performance.now() - t, value };
    };
    // Warm-up: one listing and one scrape (JIT, SQLite page cache), not counted.
    await gw.api('GET', '/api/v1/kiosks?limit=1000');
    await fetch(`http://127.0.0.1:${gw.httpPort}/metrics`, { headers: { authorization: `Bearer ${metricsKey}` } }).then((r) => r.text());
    await loopMax(gw);

    const listings: number[] = [];
    const pages: number[] = [];
    let withProblems = 0;
    let listed = 0;
    for (let run = 0; run < 3; run++) {
      const whole = await timed(async () => {
        let after = '';
        let n = 0;
        for (;;) {
          const page = await timed(() => gw.api('GET', `/api/v1/kiosks?limit=1000${after ? `&after=${after}` : ''}`));
          pages.push(page.ms);
          const body = page.value.body as { items: Array<{ id: string; health: { problems: unknown[] } }>; next: string | null };
          n += body.items.length;
          if (run === 0) withProblems += body.items.filter((k) => k.health.problems.length > 0).length;
          if (!body.next) return n;
          after = body.next;
        }
      });
      listed = whole.value;
      listings.push(whole.ms);
    }
    const listLoopMs = await loopMax(gw);

    const filtered = await timed(() => gw.api('GET', '/api/v1/kiosks?problem=board-disconnected&limit=1000'));
    const filterLoopMs = await loopMax(gw);

    const scrapes: number[] = [];
    let bytes = 0;
    let backlogSeries = 0;
    for (let i = 0; i < 5; i++) {
      const s = await timed(() =>
        fetch(`http://127.0.0.1:${gw.httpPort}/metrics`, { headers: { authorization: `Bearer ${metricsKey}` } }).then((r) => r.text()),
      );
      scrapes.push(s.ms);
      bytes = s.value.length;
      backlogSeries = s.value.split('\n').filter((l) => l.startsWith('lb_kiosk_backlog{')).length;
    }
    const scrapeLoopMs = await loopMax(gw);

    const worstLoop = Math.max(listLoopMs.maxMs, filterLoopMs.maxMs, scrapeLoopMs.maxMs);
    const listing = median(listings);
    return {
      name: `Fleet health: ${kiosks} kiosks listed with health, filtered, scraped`,
      target: 'whole listing (GET /kiosks pages of 1000) ≤ 1 s; no event-loop block > 50 ms',
      pass: listed === kiosks && listing <= 1000 && worstLoop <= 50,
      figures: {
        'gateway start with the fleet (ms)': fmt(startMs, 0),
        'whole listing, median of 3 (ms)': `${fmt(listing, 0)} (${listings.map((x) => fmt(x, 0)).join(', ')}; ${listed} kiosks, ${withProblems} with problems)`,
        'one page of 1000, median / max (ms)': `${fmt(median(pages), 0)} / ${fmt(Math.max(...pages), 0)}`,
        'filtered listing ?problem=board-disconnected, one scan (ms)': `${fmt(filtered.ms, 0)} (${filtered.value.body.items.length} found)`,
        '/metrics scrape, median of 5 (ms)': `${fmt(median(scrapes), 0)} (${Math.round(bytes / 1024)} KiB, ${backlogSeries} backlog series)`,
        'longest event-loop block: listing / filter / scrape (ms)': `${block(listLoopMs)} / ${block(filterLoopMs)} / ${block(scrapeLoopMs)}`,
        'machine load average (1 min) at the end': fmt(loadavg()[0]!, 1),
      },
    };
  } finally {
    await gw.proc.kill();
  }
}
