/**
 * Kiosk-side benchmarks: press → outbox commit latency (synchronous=FULL), 10 000-event backlog drain
 * through a real broker to an acking fake gateway, and the agent's RSS under steady pressing.
 * `node dist/device/bench/kiosk.js [--quick]`; each function returns the shape bench/run.ts prints.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import pino from 'pino';
import { DEFAULT_MISUSE_RULES, type EventsMessage } from '../../shared/src/index.js';
import { SystemClock } from '../src/clock.js';
import { SqliteOutbox } from '../src/outbox.js';
import { PressRecorder } from '../src/press-recorder.js';
import { Publisher } from '../src/publisher.js';

export interface KioskBenchResult {
  name: string;
  figures: Record<string, number | string>;
  target: string;
  pass: boolean;
}

const log = pino({ level: 'silent' });
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (n: number, d = 3) => Number(n.toFixed(d));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lb-kiosk-bench-'));
}

export async function benchPressCommit(presses = 2000): Promise<KioskBenchResult> {
  const dir = tempDir();
  const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  const feedback = { thank: () => undefined, showError: () => undefined };
  const recorder = new PressRecorder({ outbox, clock: new SystemClock(true), feedback, log, rules: DEFAULT_MISUSE_RULES });
  const ms: number[] = [];
  for (let i = 0; i < presses; i++) {
    const t0 = performance.now();
    recorder.record('desk', 'good');
    ms.push(performance.now() - t0);
  }
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  ms.sort((a, b) => a - b);
  const p99 = pct(ms, 99);
  return {
    name: 'kiosk press → outbox commit (WAL, synchronous=FULL)',
    figures: { presses, p50Ms: round(pct(ms, 50)), p99Ms: round(p99), maxMs: round(ms.at(-1)!) },
    target: 'p99 ≤ 5 ms',
    pass: p99 <= 5,
  };
}

/** Kiosk side of the drain: the gateway here acks at once, so this is the kiosk + broker share. */
export async function benchBacklogDrain(events = 10_000): Promise<KioskBenchResult> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = await mqtt.connectAsync(url, { clientId: 'bench-gateway' });
  gateway.on('message', (topic, payload) => {
    const { events: batch } = JSON.parse(payload.toString()) as EventsMessage;
    gateway.publish(topic.replace(/events$/, 'acks'), JSON.stringify({ v: 1, ids: batch.map((e) => e.id) }), { qos: 1 });
  });
  await gateway.subscribeAsync('lb/v1/kiosks/+/events', { qos: 1 });

  const dir = tempDir();
  const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  const recorder = new PressRecorder({ outbox, clock: new SystemClock(true), feedback: { thank() {}, showError() {} }, log, rules: DEFAULT_MISUSE_RULES });
  outbox.db.transaction(() => { for (let i = 0; i < events; i++) recorder.record('desk', 'good'); })();
  const publisher = new Publisher({
    url, username: 'bench-kiosk', kioskId: 'bench-kiosk', topicPrefix: 'lb/v1', outbox, log, batchSize: 500, inFlightBatches: 4,
    ackTimeoutMs: 10_000, statusIntervalMs: 60_000, status: () => ({}), onConfig: () => undefined,
  });
  const t0 = performance.now();
  publisher.start();
  await new Promise<void>((resolve) => {
    const check = setInterval(() => outbox.stats(Date.now()).pending === 0 && (clearInterval(check), resolve()), 5);
  });
  const seconds = (performance.now() - t0) / 1000;
  await publisher.stop();
  await gateway.endAsync();
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    name: 'kiosk backlog drain (connect → all acked, fake gateway acks at once)',
    figures: { events, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds) },
    target: '≤ 5 s for 10 000 events (end to end incl. gateway: see the ingest bench)',
    pass: seconds <= 5,
  };
}

/** VmRSS, and its private part: about 45 MB of VmRSS is the node binary's file pages, shared by every node process. */
function memoryMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: round(kb('VmRSS') / 1024, 1), anon: round(kb('RssAnon') / 1024, 1) };
}

/** The built agent on a virtual board, pressed 10×/s over stdin; no broker (the backlog grows on disk). */
export async function benchAgentRss(seconds = 20): Promise<KioskBenchResult> {
  const dir = tempDir();
  const main = fileURLToPath(new URL('../src/main.js', import.meta.url));
  const agent = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: process.env.NODE_OPTIONS ?? '', LB_KIOSK_ID: 'bench-rss', LB_DATA_DIR: dir, LB_MQTT_URL: 'mqtt://127.0.0.1:1', LB_BOARD: 'virtual' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let committed = 0;
  agent.stdout.on('data', (chunk: Buffer) => (committed += chunk.toString().split('"press committed"').length - 1));
  const buttons = ['good', 'neutral', 'bad'];
  let i = 0;
  const presser = setInterval(() => agent.stdin.write(`press desk ${buttons[i++ % 3]}\n`), 100);
  const peak = { rss: 0, anon: 0 };
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = memoryMb(agent.pid!);
    peak.rss = Math.max(peak.rss, now.rss);
    peak.anon = Math.max(peak.anon, now.anon);
  }
  clearInterval(presser);
  const final = memoryMb(agent.pid!);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return {
    name: 'kiosk agent RSS under steady pressing (agent process; the board child is separate)',
    figures: { seconds, presses: i, committed, peakRssMb: peak.rss, finalRssMb: final.rss, peakPrivateRssMb: peak.anon, finalPrivateRssMb: final.anon },
    target: 'RSS ≤ 80 MB',
    pass: peak.rss <= 80,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  for (const run of [() => benchPressCommit(), () => benchBacklogDrain(), () => benchAgentRss(quick ? 5 : 20)]) {
    const r = await run();
    console.log(`\n## ${r.name} — ${r.pass ? 'PASS' : 'MISS'} (target: ${r.target})`);
    for (const [k, v] of Object.entries(r.figures)) console.log(`  ${k}: ${v}`);
  }
}
