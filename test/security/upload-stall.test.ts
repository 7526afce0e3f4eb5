/**
 * The largest visitor uploads a manager may send (10 000 hourly entries each, four at once) against a
 * real gateway process while a kiosk presses: ingest must not stall. Before, one such upload held the
 * event loop for seconds and no press was acked meanwhile.
 *
 * The targets — presses acked within 100 ms (p99), no event-loop block over 50 ms (measured inside the
 * gateway) — are checked when the quiet phase before the uploads shows the machine has room for them.
 * On a shared, overloaded machine the loop stalls without any upload (CPU starvation, slow fsyncs), and
 * the test checks instead that no ack waits and no block lasts a second; one upload held the loop for
 * 10 s before, four for 30 s.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { batch, event, kiosk } from '../gateway/helpers.js';
import { ADMIN_TOKEN, LOOP_DELAY_PROBE, registerKiosk, startGateway, tempDir, type Gateway } from '../support/processes.js';

const UPLOADS = 4;
const ENTRIES = 10_000; // CountsBody's maxItems
const QUIET_MS = 3000;

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
});

/** The gateway's longest event-loop block since the last call (the probe answers SIGWINCH). */
async function loopMaxMs(g: Gateway): Promise<number> {
  const seen = g.proc.lines.length;
  g.proc.child.kill('SIGWINCH');
  const line = await g.proc.waitFor((l) => l.msg === 'loop delay' && g.proc.lines.indexOf(l) >= seen, 'loop delay');
  return line.maxMs as number;
}

/** Hourly entries from 2024-01-01 on, 417 local days: Europe/Berlin's skipped hour left out, its repeated hour in. */
function hourlyEntries(count: number, salt: number) {
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

/** PUTs every o-N.json of `dir` to office o-N at once, from a child process; each answer's status and body. */
async function uploadAll(port: number, dir: string): Promise<Array<{ status: number; body: { stored: number } }>> {
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

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('acks presses within 100 ms (p99) while four of the largest visitor uploads run', async () => {
  gw = await startGateway({ nodeArgs: ['--import', LOOP_DELAY_PROBE] });
  for (let o = 0; o < UPLOADS; o++) {
    expect((await gw.api('POST', '/api/v1/offices', { id: `o-${o}`, name: `Office ${o}`, timeZone: 'Europe/Berlin' })).status).toBe(201);
  }
  const { password } = await registerKiosk(gw, 'k-busy');
  const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-busy', password);

  // The kiosk presses one event at a time and times each ack, until told to stop.
  const latencies: number[] = [];
  let pressing = true;
  const presses = (async () => {
    for (let seq = 1; pressing; seq++) {
      const e = event(seq);
      const sent = performance.now();
      await k.publishEvents(batch('k-busy', [e]));
      const ack = await k.nextAck(60_000);
      latencies.push(performance.now() - sent);
      expect(ack.ids).toEqual([e.id]);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  // Quiet phase: the same presses, no upload.
  await new Promise((r) => setTimeout(r, 300));
  await loopMaxMs(gw); // forget the start-up
  const quietFrom = latencies.length;
  await new Promise((r) => setTimeout(r, QUIET_MS));
  const quietLoop = await loopMaxMs(gw);
  const quiet = latencies.slice(quietFrom);

  // The uploads come from another process: this one times the acks, and its own work must not delay them.
  const dir = tempDir('uploads');
  for (let o = 0; o < UPLOADS; o++) writeFileSync(join(dir, `o-${o}.json`), JSON.stringify({ entries: hourlyEntries(ENTRIES, o) }));
  const started = performance.now();
  const busyFrom = latencies.length;
  const results = await uploadAll(gw.httpPort, dir);
  const uploadMs = performance.now() - started;
  const busyLoop = await loopMaxMs(gw);
  const busy = latencies.slice(busyFrom);
  pressing = false;
  await presses;
  await k.close();

  console.log(`upload stall: ${UPLOADS} × ${ENTRIES} entries at once, done in ${uploadMs.toFixed(0)} ms. Gateway event loop, longest block: ` +
    `${busyLoop.toFixed(1)} ms during the uploads, ${quietLoop.toFixed(1)} ms in ${QUIET_MS} ms before them. Press acks: during ` +
    `n=${busy.length} p50 ${median(busy).toFixed(1)} p99 ${p99(busy).toFixed(1)} ms; before n=${quiet.length} p50 ${median(quiet).toFixed(1)} p99 ${p99(quiet).toFixed(1)} ms`);

  expect(results.map((r) => r.status)).toEqual(Array(UPLOADS).fill(200));
  expect(results.map((r) => r.body.stored)).toEqual(Array(UPLOADS).fill(ENTRIES));
  expect(busy.length).toBeGreaterThan(5);
  // The targets where the machine has room for them; else a bound that an upload holding the loop breaks.
  const roomy = p99(quiet) <= 50 && quietLoop <= 25;
  console.log(roomy ? 'upload stall: checked against the targets' : 'upload stall: the machine stalls without uploads: checked against 1 s');
  expect(p99(busy)).toBeLessThanOrEqual(roomy ? 100 : 1000);
  expect(busyLoop).toBeLessThanOrEqual(roomy ? 50 : 1000);
  // Stored whole: every office holds its upload's hours, with their counts.
  for (let o = 0; o < UPLOADS; o++) {
    const stored = (await gw.api('GET', `/api/v1/offices/o-${o}/visitors?from=2024-01-01&to=2025-03-01`)).body.items as { count: number }[];
    expect(stored.length).toBe(ENTRIES);
    expect(stored.reduce((s, c) => s + c.count, 0)).toBe(hourlyEntries(ENTRIES, o).reduce((s, e) => s + e.count, 0));
  }
}, 180_000);
