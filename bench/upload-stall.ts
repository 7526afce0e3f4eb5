/**
 * The upload-stall scenario, shared by test/security/upload-stall.test.ts and `npm run bench -- --only
 * uploads`: a gateway process (with the loop-delay probe), offices in Europe/Berlin, a kiosk pressing
 * one event at a time and timing each ack; a quiet phase, then the largest uploads at once, sent by
 * another process (this one times the acks: its own work must not delay them). The uploads are either
 * visitor counts (PUT /offices/{id}/visitors, 10 000 hourly entries) or a queue system's served tickets
 * (POST /queue/served.csv, 10 000 lines).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batch, event, kiosk } from '../scripts/lib/mqtt-kiosk.js';
import { ADMIN_TOKEN, LOOP_DELAY_PROBE, registerKiosk, startGateway, type Gateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';

export const ENTRIES = 10_000; // CountsBody's maxItems, and served.csv's most rows

/** What is uploaded: visitor counts, or served tickets from the queue system. */
export type UploadKind = 'visitors' | 'served';

export interface UploadStall {
  uploads: Array<{ status: number; body: { stored: number } }>;
  uploadMs: number;
  /** Ack latencies (ms) before and during the uploads. */
  quiet: number[];
  busy: number[];
  /** The gateway's longest event-loop block (ms) before and during the uploads, and during them the CPU it used in its longest stall. */
  quietLoopMs: number;
  busyLoopMs: number;
  busyCpuMs: number;
  /** Per office: stored rows and the sum of their counts (served: the desk's visitors read back, as both). */
  stored: Array<{ rows: number; sum: number }>;
}

/** Hourly entries from 2024-01-01 on, 417 local days: Europe/Berlin's skipped hour left out, its repeated hour in. */
export function hourlyEntries(count: number, salt: number) {
  const entries: Array<{ date: string; hour: number; count: number }> = [];
  for (let day = Date.UTC(2024, 0, 1); entries.length < count; day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    for (let hour = 0; hour < 24 && entries.length < count; hour++) {
      if (date === '2024-03-31' && hour === 2) continue;
      entries.push({ date, hour, count: (entries.length * 7 + salt) % 50 });
    }
  }
  return entries;
}

/** A served.csv of `count` tickets at desk d-`o` by employee e-`o`, one a minute from 2024-01-01 08:00 local. */
export function servedCsv(count: number, o: number): string {
  const lines = ['ticket,desk,operator,served'];
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.UTC(2024, 0, 1, 8) + i * 60_000).toISOString().slice(0, 16).replace('T', ' ');
    lines.push(`T${i},d-${o},e-${o},${at}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The gateway's longest event-loop block since the last call (the probe answers SIGWINCH): wall clock and CPU. */
async function loopMax(g: Gateway): Promise<{ maxMs: number; maxCpuMs: number }> {
  const seen = g.proc.lines.length;
  g.proc.child.kill('SIGWINCH');
  const line = await g.proc.waitFor((l) => l.msg === 'loop delay' && g.proc.lines.indexOf(l) >= seen, 'loop delay');
  return { maxMs: line.maxMs as number, maxCpuMs: line.maxCpuMs as number };
}

/** Sends every file of `dir` at once, from a child process: o-N.json PUT to office o-N's visitors, o-N.csv POSTed as served.csv. */
async function uploadAll(port: number, dir: string): Promise<UploadStall['uploads']> {
  const script = `
    const fs = require('node:fs');
    const files = fs.readdirSync(${JSON.stringify(dir)}).sort();
    Promise.all(files.map(async (f) => {
      const csv = f.endsWith('.csv');
      const url = csv ? '/api/v1/queue/served.csv' : '/api/v1/offices/' + f.replace('.json', '') + '/visitors';
      const res = await fetch('http://127.0.0.1:${port}' + url, {
        method: csv ? 'POST' : 'PUT', headers: { authorization: 'Bearer ${ADMIN_TOKEN}', 'content-type': csv ? 'text/csv' : 'application/json' },
        body: fs.readFileSync(${JSON.stringify(dir)} + '/' + f, 'utf8') });
      return { status: res.status, body: await res.json() };
    })).then((r) => console.log(JSON.stringify(r)));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return JSON.parse(out);
}

export async function runUploadStall(opts: { uploads: number; quietMs: number; kind?: UploadKind }): Promise<UploadStall> {
  const kind = opts.kind ?? 'visitors';
  const gw = await startGateway({
    nodeArgs: [
      '--import',
      LOOP_DELAY_PROBE,
      ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/gw', '--cpu-prof-interval=250'] : []),
    ],
  });
  try {
    for (let o = 0; o < opts.uploads; o++) {
      const res = await gw.api('POST', '/api/v1/offices', { id: `o-${o}`, name: `Office ${o}`, timeZone: 'Europe/Berlin' });
      if (res.status !== 201) throw new Error(`office o-${o}: ${res.status}`);
      if (kind === 'served') {
        for (const [path, body] of [
          ['/api/v1/desks', { id: `d-${o}`, officeId: `o-${o}`, name: `Desk ${o}` }],
          ['/api/v1/employees', { id: `e-${o}`, officeId: `o-${o}`, name: `Employee ${o}` }],
        ] as const) {
          const made = await gw.api('POST', path, body);
          if (made.status !== 201) throw new Error(`${path} ${o}: ${made.status}`);
        }
      }
    }
    const { password } = await registerKiosk(gw, 'k-busy');
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-busy', password);
    const dir = tempDir('uploads');
    for (let o = 0; o < opts.uploads; o++) {
      if (kind === 'served') writeFileSync(join(dir, `o-${o}.csv`), servedCsv(ENTRIES, o));
      else writeFileSync(join(dir, `o-${o}.json`), JSON.stringify({ entries: hourlyEntries(ENTRIES, o) }));
    }

    const latencies: number[] = [];
    let pressing = true;
    const presses = (async () => {
      for (let seq = 1; pressing; seq++) {
        const e = event(seq);
        const sent = performance.now();
        await k.publishEvents(batch('k-busy', [e]));
        const ack = await k.nextAck(60_000);
        if (ack.ids?.[0] !== e.id) throw new Error(`press ${seq}: acked ${JSON.stringify(ack)}`);
        latencies.push(performance.now() - sent);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    await loopMax(gw); // forget the start-up
    const quietFrom = latencies.length;
    await new Promise((r) => setTimeout(r, opts.quietMs));
    const quietLoopMs = (await loopMax(gw)).maxMs;
    const busyFrom = latencies.length;
    const started = performance.now();
    const uploads = await uploadAll(gw.httpPort, dir);
    const uploadMs = performance.now() - started;
    const { maxMs: busyLoopMs, maxCpuMs: busyCpuMs } = await loopMax(gw);
    const busy = latencies.slice(busyFrom);
    const quiet = latencies.slice(quietFrom, busyFrom);
    pressing = false;
    await presses;
    await k.close();

    const stored: UploadStall['stored'] = [];
    for (let o = 0; o < opts.uploads; o++) {
      if (kind === 'served') {
        // Served tickets read back as the desk's visitors over the days the file covers.
        const days = Math.ceil((ENTRIES * 60_000 + 8 * 3_600_000) / 86_400_000);
        const to = new Date(Date.UTC(2024, 0, 1 + days)).toISOString().slice(0, 10);
        const r = await gw.api('GET', `/api/v1/desks/d-${o}/scores?from=2024-01-01&to=${to}`);
        const visitors = r.status === 200 ? (r.body.total?.visitors ?? -1) : -r.status;
        stored.push({ rows: visitors, sum: visitors });
        continue;
      }
      const items = (await gw.api('GET', `/api/v1/offices/o-${o}/visitors?from=2024-01-01&to=2025-03-01`)).body.items as Array<{
        count: number;
      }>;
      stored.push({ rows: items.length, sum: items.reduce((s, c) => s + c.count, 0) });
    }
    return { uploads, uploadMs, quiet, busy, quietLoopMs, busyLoopMs, busyCpuMs, stored };
  } finally {
    await gw.proc.kill(process.env.PROF ? 'SIGTERM' : 'SIGKILL');
  }
}
