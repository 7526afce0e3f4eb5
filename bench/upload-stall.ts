/**
 * The upload-stall scenario, shared by test/security/upload-stall.test.ts and `npm run bench -- --only
 * uploads`: a gateway process (with the loop-delay probe), offices in Europe/Berlin, a kiosk pressing
 * one event at a time and timing each ack; a quiet phase, then the largest visitor uploads at once, sent
 * by another process (this one times the acks: its own work must not delay them).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batch, event, kiosk } from '../scripts/lib/mqtt-kiosk.js';
import { ADMIN_TOKEN, LOOP_DELAY_PROBE, registerKiosk, startGateway, type Gateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';

export const ENTRIES = 10_000; // CountsBody's maxItems

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
  /** Per office: stored rows and the sum of their counts. */
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

/** The gateway's longest event-loop block since the last call (the probe answers SIGWINCH): wall clock and CPU. */
async function loopMax(g: Gateway): Promise<{ maxMs: number; maxCpuMs: number }> {
  const seen = g.proc.lines.length;
  g.proc.child.kill('SIGWINCH');
  const line = await g.proc.waitFor((l) => l.msg === 'loop delay' && g.proc.lines.indexOf(l) >= seen, 'loop delay');
  return { maxMs: line.maxMs as number, maxCpuMs: line.maxCpuMs as number };
}

/** PUTs every o-N.json of `dir` to office o-N at once, from a child process. */
async function uploadAll(port: number, dir: string): Promise<UploadStall['uploads']> {
  const script = `
    const fs = require('node:fs');
    const files = fs.readdirSync(${JSON.stringify(dir)}).sort();
    Promise.all(files.map(async (f) => {
      const res = await fetch('http://127.0.0.1:${port}/api/v1/offices/' + f.replace('.json', '') + '/visitors', {
        method: 'PUT', headers: { authorization: 'Bearer ${ADMIN_TOKEN}', 'content-type': 'application/json' },
        body: fs.readFileSync(${JSON.stringify(dir)} + '/' + f, 'utf8') });
      return { status: res.status, body: await res.json() };
    })).then((r) => console.log(JSON.stringify(r)));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return JSON.parse(out);
}

export async function runUploadStall(opts: { uploads: number; quietMs: number }): Promise<UploadStall> {
  const gw = await startGateway({ nodeArgs: ['--import', LOOP_DELAY_PROBE] });
  try {
    for (let o = 0; o < opts.uploads; o++) {
      const res = await gw.api('POST', '/api/v1/offices', { id: `o-${o}`, name: `Office ${o}`, timeZone: 'Europe/Berlin' });
      if (res.status !== 201) throw new Error(`office o-${o}: ${res.status}`);
    }
    const { password } = await registerKiosk(gw, 'k-busy');
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-busy', password);
    const dir = tempDir('uploads');
    for (let o = 0; o < opts.uploads; o++) writeFileSync(join(dir, `o-${o}.json`), JSON.stringify({ entries: hourlyEntries(ENTRIES, o) }));

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
      const items = (await gw.api('GET', `/api/v1/offices/o-${o}/visitors?from=2024-01-01&to=2025-03-01`)).body.items as Array<{
        count: number;
      }>;
      stored.push({ rows: items.length, sum: items.reduce((s, c) => s + c.count, 0) });
    }
    return { uploads, uploadMs, quiet, busy, quietLoopMs, busyLoopMs, busyCpuMs, stored };
  } finally {
    await gw.proc.kill();
  }
}
