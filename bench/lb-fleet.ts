/**
 * `lb fleet` for 10 000 kiosks: the fleet is written into a fresh gateway database through the store
 * (kiosks in 100 offices, each with a realistic retained status through the ingest writer, a fifth of them
 * offline, some with a backlog), then the built gateway serves it and `lb fleet` runs as a technician runs
 * it — a new node process, end to end: start, page through GET /api/v1/kiosks (1 000 a page), print the
 * table (or --json). Wall time per run; target ≤ 1 s. Baseline in the same run: `node -e ''` (bare node
 * start) and `lb --help` (the CLI's own start), and the same pages fetched from a warm process (the gateway's share).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SqliteStore } from '../gateway/src/store/sqlite.js';
import type { StatusMessage } from '../shared/src/index.js';
import { ADMIN_TOKEN, ROOT, startGateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { fmt, median, type BenchResult } from './stats.js';

const LB_ENTRY = join(ROOT, 'dist/scripts/lb/main.js');

async function seed(file: string, kiosks: number): Promise<void> {
  const store = new SqliteStore(file);
  await store.migrate();
  store.db.pragma('synchronous = OFF'); // seeding only; the gateway reopens the file with its own settings
  const offices = 100;
  for (let o = 0; o < offices; o++)
    await store.createOrg('office', { id: `o${o}`, name: `Office ${o}`, timeZone: 'UTC', regionId: null, k: null });
  const statuses = [];
  for (let i = 0; i < kiosks; i++) {
    const id = `kiosk-${String(i).padStart(5, '0')}`;
    await store.createKiosk({ id, officeId: `o${i % offices}`, passwordHash: 'x' });
    const online = i % 5 !== 0;
    const payload: StatusMessage = online
      ? {
          v: 1,
          state: 'online',
          at: new Date().toISOString(),
          version: '0.1.0',
          bootId: `boot-${i}`,
          board: {
            connected: i % 50 !== 1,
            kind: 'serial:/dev/ttyACM0',
            ...(i % 50 === 1 ? { error: 'serial port /dev/ttyACM0 not present' } : {}),
          },
          outbox: { pending: i % 7 === 0 ? 12 : 0, oldestPendingAgeMs: i % 7 === 0 ? 95_000 : null, memoryHeld: 0, lastSeq: 1000 + i },
          clockSynced: i % 97 !== 3,
          config: { rev: null },
          panels: [{ id: 'desk', kind: 'staff' }],
          counters: { connects: 3, presses: 1000 + i },
        }
      : { v: 1, state: 'offline' };
    statuses.push({ kioskId: id, payload });
    if (statuses.length === 1000) await store.commitIngest({ batches: [], statuses: statuses.splice(0), deadLetters: [] });
  }
  if (statuses.length > 0) await store.commitIngest({ batches: [], statuses, deadLetters: [] });
  await store.close();
}

function timeRun(args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return { ms, stdout: res.stdout };
}

export async function benchLbFleet(kiosks = 10_000, runs = 7): Promise<BenchResult> {
  const dir = tempDir('lb-fleet');
  const t0 = performance.now();
  await seed(join(dir, 'gateway.db'), kiosks);
  const seedS = (performance.now() - t0) / 1000;
  const gw = await startGateway({ dataDir: dir, logLevel: 'warn' });
  try {
    const env = { ...process.env, LB_GATEWAY_URL: `http://127.0.0.1:${gw.httpPort}`, LB_API_KEY: ADMIN_TOKEN };
    // One warm-up each: the gateway's statement cache and the OS's page cache, as on a gateway in use.
    const check = timeRun([LB_ENTRY, 'fleet'], env);
    const lines = check.stdout.trimEnd().split('\n');
    if (lines.length !== kiosks + 2) throw new Error(`lb fleet printed ${lines.length} lines, expected ${kiosks + 2}`);
    timeRun([LB_ENTRY, '--json', 'fleet'], env);
    const table: number[] = [];
    const json: number[] = [];
    const node: number[] = [];
    const help: number[] = [];
    for (let i = 0; i < runs; i++) {
      table.push(timeRun([LB_ENTRY, 'fleet'], env).ms);
      json.push(timeRun([LB_ENTRY, '--json', 'fleet'], env).ms);
      node.push(timeRun(['-e', ''], env).ms);
      help.push(timeRun([LB_ENTRY, '--help'], env).ms);
    }
    const offline = timeRun([LB_ENTRY, 'fleet', '--offline'], env);
    // The gateway's share: the same paging from this (warm) process, fetch + JSON.parse, no node start, no table.
    const paging: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      let after: string | null = null;
      let seen = 0;
      do {
        const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/kiosks?limit=1000${after ? `&after=${after}` : ''}`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        const page = (await res.json()) as { items: unknown[]; next: string | null };
        seen += page.items.length;
        after = page.next;
      } while (after);
      if (seen !== kiosks) throw new Error(`paging saw ${seen} kiosks, expected ${kiosks}`);
      paging.push(performance.now() - t);
    }
    const max = (xs: number[]) => Math.max(...xs);
    return {
      name: `lb fleet: ${kiosks} kiosks, a new process end to end (${runs} runs each)`,
      target: '≤ 1 s',
      pass: max(table) <= 1000 && max(json) <= 1000,
      figures: {
        'seed (store writes)': `${fmt(seedS, 1)} s`,
        'lb fleet (table), median / max': `${fmt(median(table), 0)} / ${fmt(max(table), 0)} ms`,
        'lb --json fleet, median / max': `${fmt(median(json), 0)} / ${fmt(max(json), 0)} ms`,
        'lb fleet --offline (server pages all, one run)': `${fmt(offline.ms, 0)} ms, ${offline.stdout.trimEnd().split('\n').length - 2} rows`,
        'of which the gateway: the 10 pages fetched in-process, median': `${fmt(median(paging), 0)} ms`,
        'baseline: node -e "" median': `${fmt(median(node), 0)} ms`,
        'baseline: lb --help median': `${fmt(median(help), 0)} ms`,
      },
    };
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}
