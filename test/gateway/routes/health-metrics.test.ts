/**
 * Health rules and /metrics against a real gateway (embedded broker, SQLite file) and wire-level MQTT.js
 * kiosks whose statuses the test writes: a backlog that grows, a press stuck unacknowledged, an old agent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { kioskTopic, type StatusMessage } from '../../../shared/src/index.js';
import { tempDir } from '../../../scripts/lib/temp-dirs.js';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { admin, batch, event, getJson, kiosk, prefix, registerKiosk, startGateway, until } from '../helpers.js';

let app: FastifyInstance;
let mqttUrl: string;
let metricsKey: { authorization: string };
let technicianKey: { authorization: string };

beforeAll(async () => {
  const base = testConfig();
  ({ app, mqttUrl } = await startGateway({
    dbFile: join(tempDir('health-metrics'), 'gateway.db'),
    health: { ...base.health, oldestPendingMs: 60_000, backlogRises: 3 },
  }));
  for (const role of ['metrics', 'technician'] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: role, role } });
    expect(res.statusCode).toBe(201);
    const header = { authorization: `Bearer ${res.json().key}` };
    if (role === 'metrics') metricsKey = header;
    else technicianKey = header;
  }
});
afterAll(async () => {
  await app?.close();
});

function status(over: Partial<StatusMessage> = {}): StatusMessage {
  return {
    v: 1,
    state: 'online',
    version: '1.0.0',
    board: { connected: true, kind: 'virtual' },
    outbox: { pending: 0, oldestPendingAgeMs: null, memoryHeld: 0, lastSeq: 0 },
    clockSynced: true,
    config: { rev: null },
    ...over,
  };
}
const backlog = (pending: number, oldestPendingAgeMs: number | null = pending ? 1000 : null) => ({
  outbox: { pending, oldestPendingAgeMs, memoryHeld: 0, lastSeq: 0 },
});

async function wireKiosk(id: string) {
  const k = await kiosk(mqttUrl, id, await registerKiosk(app, id));
  return {
    ...k,
    /** Publishes a status and waits until the gateway has stored it. */
    async status(s: StatusMessage) {
      const marker = `${id}-${Math.random()}`;
      await k.client.publishAsync(kioskTopic(prefix, id, 'status'), JSON.stringify({ ...s, bootId: marker }), { qos: 1, retain: true });
      await until(
        async () => ((await getJson(app, `/api/v1/kiosks/${id}`)).status?.payload.bootId === marker ? true : undefined),
        `${id} status`,
      );
    },
  };
}
const problems = async (id: string) =>
  ((await getJson(app, `/api/v1/kiosks/${id}`)).health.problems as Array<{ rule: string }>).map((p) => p.rule);
const withProblem = async (rule: string) =>
  ((await getJson(app, `/api/v1/kiosks?problem=${rule}`)).items as Array<{ id: string }>).map((k) => k.id);

async function scrape(headers: Record<string, string> = metricsKey) {
  return app.inject({ method: 'GET', url: '/metrics', headers });
}
/** One sample's value from the exposition text, e.g. `lb_kiosks{state="online"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('health rules over MQTT', () => {
  it('backlog growing over consecutive statuses is shown and listed, and clears when the backlog falls', async () => {
    const k = await wireKiosk('k-behind');
    for (const n of [1, 2, 3]) await k.status(status(backlog(n)));
    expect(await problems('k-behind')).toEqual([]); // two rises
    await k.status(status(backlog(4)));
    expect(await problems('k-behind')).toEqual(['backlog-growing']);
    expect(await withProblem('backlog-growing')).toEqual(['k-behind']);
    await k.status(status(backlog(0)));
    expect(await problems('k-behind')).toEqual([]);
    expect(await withProblem('backlog-growing')).toEqual([]);
    await k.close();
  });

  it('a press unacknowledged for longer than the threshold is shown until the kiosk reports it delivered', async () => {
    const k = await wireKiosk('k-stuck');
    await k.status(status(backlog(2, 61_000)));
    const h = (await getJson(app, '/api/v1/kiosks/k-stuck')).health;
    expect(h.problems).toEqual([
      {
        rule: 'oldest-pending',
        since: expect.any(String),
        detail: expect.stringMatching(/^oldest unacknowledged press is 1(\.\d)? min old \(2 pending\)$/),
      },
    ]);
    await k.status(status(backlog(0)));
    expect(await problems('k-stuck')).toEqual([]);
    await k.close();
  });

  it('an agent older than the newest in the fleet is behind; clock unsynced is shown', async () => {
    const old = await wireKiosk('k-old');
    const fresh = await wireKiosk('k-new');
    await old.status(status({ version: '1.0.0', clockSynced: false }));
    await fresh.status(status({ version: '1.2.0' }));
    expect(await problems('k-old')).toEqual(['clock-unsynced', 'version-behind']);
    expect(await problems('k-new')).toEqual([]);
    await old.status(status({ version: '1.2.0' }));
    expect(await problems('k-old')).toEqual([]);
    await old.close();
    await fresh.close();
  });
});

describe('/metrics', () => {
  it('refuses anonymous scrapes and keys of other roles; a metrics key scrapes', async () => {
    expect((await scrape({})).statusCode).toBe(401);
    expect((await scrape({ authorization: 'Bearer not-a-key-at-all' })).statusCode).toBe(401);
    const tech = await scrape(technicianKey);
    expect(tech.statusCode).toBe(403);
    // The metrics key opens nothing else.
    expect((await app.inject({ method: 'GET', url: '/api/v1/kiosks', headers: metricsKey })).statusCode).toBe(403);
    const ok = await scrape();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(ok.body).toMatch(/^# HELP lb_/m);
  });

  it('counts presses, acks, dead letters, kiosks by state and each kiosk’s backlog', async () => {
    const before = (await scrape()).body;
    const k = await wireKiosk('k-metrics');
    await k.status(status(backlog(7)));
    const first = event(1);
    await k.publishEvents(batch('k-metrics', [first, event(2)]));
    await k.nextAck();
    await k.publishEvents(batch('k-metrics', [first])); // a resend: duplicate
    await k.nextAck();
    await k.client.publishAsync(kioskTopic(prefix, 'k-metrics', 'events'), '{"v":1,', { qos: 1 });
    const text = await until(async () => {
      const body = (await scrape()).body;
      return (sample(body, 'lb_dead_letters_total{reason="malformed-json"}') ?? 0) > 0 ? body : undefined;
    }, 'dead letter counted');
    const delta = (series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta('lb_presses_total{outcome="stored"}')).toBe(2);
    expect(delta('lb_presses_total{outcome="duplicate"}')).toBe(1);
    expect(delta('lb_ack_latency_seconds_count')).toBe(2);
    expect(delta('lb_dead_letters_total{reason="malformed-json"}')).toBe(1);
    expect(sample(text, 'lb_kiosk_backlog{kiosk="k-metrics"}')).toBe(7);
    expect(sample(text, 'lb_commit_failures_total')).toBe(0);
    expect(sample(text, 'lb_kiosks{state="online"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lb_nodejs_eventloop_lag_seconds')).toEqual(expect.any(Number));
    // What its last will says: offline (the gauges come from memory, moved on by each committed status).
    const online = sample(text, 'lb_kiosks{state="online"}')!;
    const offline = sample(text, 'lb_kiosks{state="offline"}')!;
    await k.status({ v: 1, state: 'offline' });
    const after = (await scrape()).body;
    expect(sample(after, 'lb_kiosks{state="online"}')).toBe(online - 1);
    expect(sample(after, 'lb_kiosks{state="offline"}')).toBe(offline + 1);
    await k.close();
  });

  it('answers without a key only when LB_METRICS_ANONYMOUS is set', async () => {
    const open = await startGateway({ metricsAnonymous: true });
    try {
      const res = await open.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('lb_kiosks{state="never_seen"} 0');
    } finally {
      await open.app.close();
    }
  });
});
