/**
 * Press → live event: how long after an online kiosk publishes a press a manager's open SSE stream
 * (GET /api/v1/live) has it. Real gateway processes, real MQTT, a real HTTP client reading the stream.
 * 1. Scripted kiosks (MQTT.js, one press per message, QoS 1) at a steady company-wide rate into one
 *    gateway on SQLite; `streams` streams (managers watching) are open on it, every frame of each is timed.
 * 2. The same on PostgreSQL with two gateways: kiosks publish to A; `streams` streams on A and as many on
 *    B (relayed by LISTEN/NOTIFY).
 * 3. The real agent (virtual board under johnny-five, SQLite outbox with fsync), one press at a time:
 *    the clock starts when the press command is written to the agent.
 * Each figure stops when the whole SSE frame has arrived at the client. It leaves out the browser:
 * parsing the frame in the page and drawing it (the console's own measurement covers that end).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { batch, event, kiosk } from '../scripts/lib/mqtt-kiosk.js';
import { startPostgres } from '../scripts/lib/postgres.js';
import { type Gateway, registerKiosk, startAgent, startGateway } from '../scripts/lib/processes.js';
import { openSse, type SseConnection } from '../scripts/lib/sse-client.js';
import { KIOSK_NODE_ARGS } from './kiosk.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const TARGET_MS = 1000;

export interface LiveBenchOptions {
  presses: number;
  /** Presses per second across all kiosks. */
  rate: number;
  kiosks: number;
  /** Streams open at once (dashboards watching), each measured; 8 per key at most, so one key per 8. */
  streams: number;
  agentPresses: number;
}

async function stream(gw: Gateway, token: string): Promise<SseConnection> {
  const s = await openSse(`http://127.0.0.1:${gw.httpPort}/api/v1/live`, { authorization: `Bearer ${token}` });
  if (s.status !== 200) throw new Error(`live stream: ${s.status} ${s.body}`);
  await s.next((f) => f.event === 'retry', 5000, 'the retry hint');
  return s;
}

/** Manager keys for office `o1` (one per 8 streams) and `kiosks` kiosks bound to its desk panel. */
async function seed(gw: Gateway, kiosks: number, prefix: string, streams = 1) {
  await gw.api('POST', '/api/v1/offices', { id: 'o1', name: 'Office', timeZone: 'Europe/Moscow' });
  await gw.api('POST', '/api/v1/desks', { id: 'o1-d1', officeId: 'o1', name: 'Desk' });
  const tokens: string[] = [];
  for (let i = 0; i < Math.ceil(streams / 8); i++) {
    const key = await gw.api('POST', '/api/v1/api-keys', { name: `bench manager ${i}`, role: 'manager', offices: ['o1'] });
    tokens.push(key.body.key as string);
  }
  const creds: Array<{ id: string; password: string }> = [];
  for (let i = 0; i < kiosks; i++) {
    const id = `${prefix}-${i}`;
    const { password } = await registerKiosk(gw, id, {
      officeId: 'o1',
      panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: 'o1-d1' }],
    });
    creds.push({ id, password });
  }
  return { token: tokens[0]!, tokens, creds };
}

/** `n` streams on `gw`, 8 per key. */
const streams = (gw: Gateway, tokens: string[], n: number) =>
  Promise.all(Array.from({ length: n }, (_, i) => stream(gw, tokens[Math.floor(i / 8)]!)));

/** The latencies of all streams together. */
async function allLatencies(list: SseConnection[], sentAt: Map<string, number>) {
  const each = await Promise.all(list.map((s) => latencies(s, sentAt)));
  for (const s of list) s.close();
  return { ms: each.flatMap((e) => e.ms).sort((a, b) => a - b), missing: each.reduce((n, e) => n + e.missing, 0) };
}

/** Publishes `presses` at `rate`/s round-robin over the kiosks; the time each event id was published. */
async function drive(mqttUrl: string, creds: Array<{ id: string; password: string }>, presses: number, rate: number) {
  const clients = await Promise.all(creds.map((c) => kiosk(mqttUrl, c.id, c.password)));
  const sentAt = new Map<string, number>();
  const seq = new Array<number>(clients.length).fill(0);
  const start = performance.now();
  for (let i = 0; i < presses; i++) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const k = i % clients.length;
    const e = event(++seq[k]!, { panel: 'desk', at: new Date().toISOString() });
    sentAt.set(e.id, performance.now());
    void clients[k]!.publishEvents(batch(creds[k]!.id, [e]));
  }
  return { sentAt, close: () => Promise.all(clients.map((c) => c.close())) };
}

/** Latencies of every published press on a stream, waiting until all have arrived (or 10 s passed). */
async function latencies(s: SseConnection, sentAt: Map<string, number>): Promise<{ ms: number[]; missing: number }> {
  const deadline = Date.now() + 10_000;
  const arrived = () => s.frames.filter((f) => f.event === 'press' && sentAt.has(JSON.parse(f.data).eventId));
  while (arrived().length < sentAt.size && Date.now() < deadline) await sleep(50);
  const ms = arrived()
    .map((f) => f.at - sentAt.get(JSON.parse(f.data).eventId)!)
    .sort((a, b) => a - b);
  return { ms, missing: sentAt.size - ms.length };
}

function result(
  name: string,
  presses: number,
  ms: number[],
  missing: number,
  includes: string,
  extra: Record<string, string | number> = {},
): BenchResult {
  const p99 = percentile(ms, 99);
  return {
    name,
    figures: {
      presses,
      'frames timed (presses × streams)': ms.length + missing,
      'p50 / p95 / p99 / max ms': `${fmt(percentile(ms, 50), 1)} / ${fmt(percentile(ms, 95), 1)} / ${fmt(p99, 1)} / ${fmt(ms.at(-1) ?? NaN, 1)}`,
      missing,
      ...extra,
      includes,
    },
    target: `p99 ≤ ${TARGET_MS} ms, none missing`,
    pass: missing === 0 && p99 <= TARGET_MS,
  };
}

async function scriptedSqlite(o: LiveBenchOptions): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  try {
    const { tokens, creds } = await seed(gw, o.kiosks, 'live-sq', o.streams);
    const open = await streams(gw, tokens, o.streams);
    const run = await drive(`mqtt://127.0.0.1:${gw.mqttPort}`, creds, o.presses, o.rate);
    const { ms, missing } = await allLatencies(open, run.sentAt);
    await run.close();
    return result(
      'press → live SSE event (scripted kiosks, one gateway, SQLite)',
      o.presses,
      ms,
      missing,
      'MQTT publish → gateway ingest + commit → attribution read → SSE frame at the client',
      {
        rate: `${o.rate}/s over ${o.kiosks} kiosks; ${o.streams} streams open`,
      },
    );
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}

async function scriptedPostgres(o: LiveBenchOptions): Promise<BenchResult[]> {
  const pg = await startPostgres();
  const gateways: Gateway[] = [];
  try {
    const databaseUrl = await pg.newDatabase('lb_bench_live');
    gateways.push(await startGateway({ databaseUrl, env: { LB_LOG_LEVEL: 'warn' } }));
    gateways.push(await startGateway({ databaseUrl, env: { LB_LOG_LEVEL: 'warn' } }));
    const [a, b] = gateways as [Gateway, Gateway];
    const { tokens, creds } = await seed(a, o.kiosks, 'live-pg', 2 * o.streams);
    const onA = await streams(a, tokens.slice(0, tokens.length / 2), o.streams);
    const onB = await streams(b, tokens.slice(tokens.length / 2), o.streams);
    const run = await drive(`mqtt://127.0.0.1:${a.mqttPort}`, creds, o.presses, o.rate);
    const [la, lb] = [await allLatencies(onA, run.sentAt), await allLatencies(onB, run.sentAt)];
    await run.close();
    const rate = `${o.rate}/s over ${o.kiosks} kiosks; ${o.streams} streams on each gateway`;
    return [
      result(
        'press → live SSE event, PostgreSQL, stream on the ingesting gateway',
        o.presses,
        la.ms,
        la.missing,
        'as on SQLite, PostgreSQL commit',
        {
          rate,
        },
      ),
      result(
        'press → live SSE event, PostgreSQL, stream on a second gateway',
        o.presses,
        lb.ms,
        lb.missing,
        '… + NOTIFY after commit → LISTEN on gateway B → attribution read on B → SSE frame',
        { rate },
      ),
    ];
  } finally {
    await Promise.all(gateways.map((g) => g.proc.kill('SIGTERM')));
    await pg.stop();
  }
}

async function realAgent(presses: number): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const { token, creds } = await seed(gw, 1, 'live-agent');
  // One stream: the press is found by arrival order, one press at a time.
  const { id, password } = creds[0]!;
  const agent = startAgent({ kioskId: id, password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, nodeArgs: KIOSK_NODE_ARGS });
  try {
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');
    const s = await stream(gw, token);
    const ms: number[] = [];
    let missing = 0;
    for (let i = 0; i < presses; i++) {
      const t0 = performance.now();
      agent.press('desk', (['good', 'neutral', 'bad'] as const)[i % 3]!);
      try {
        const f = await s.next((x) => x.event === 'press', 10_000, `press ${i + 1}`);
        ms.push(f.at - t0);
      } catch {
        missing++;
      }
      await sleep(100); // the finger lifts (the virtual press holds the pin 40 ms) before the next one
    }
    s.close();
    ms.sort((x, y) => x - y);
    return result(
      'press on the board → live SSE event (real agent online, one gateway, SQLite)',
      presses,
      ms,
      missing,
      'stdin → board child → johnny-five debounce → outbox fsync → MQTT → gateway commit → SSE frame at the client',
    );
  } finally {
    await agent.proc.kill('SIGTERM');
    await gw.proc.kill('SIGTERM');
  }
}

export async function benchLive(o: LiveBenchOptions): Promise<BenchResult[]> {
  return [await scriptedSqlite(o), ...(await scriptedPostgres(o)), await realAgent(o.agentPresses)];
}
