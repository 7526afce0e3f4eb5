import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { kioskTopic, MAX_PAYLOAD_BYTES } from '../../../shared/src/index.js';
import { admin, batch, event, getJson, kiosk, prefix, registerKiosk, startGateway, until } from '../helpers.js';

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  ({ app, mqttUrl: url } = await startGateway());
});
afterAll(async () => {
  await app?.close();
});

async function newKiosk(id: string) {
  return kiosk(url, id, await registerKiosk(app, id));
}

async function deadLetters(kioskId: string) {
  const { items } = await getJson(app, '/api/v1/dead-letters?limit=1000');
  return (items as Array<{ kioskId: string | null; reason: string; topic: string }>).filter((d) => d.kioskId === kioskId);
}

describe('events ingest', () => {
  it('stores a batch and acks every id only after commit', async () => {
    const k = await newKiosk('k-happy');
    const events = [event(1), event(2), event(3)];
    await k.publishEvents(batch('k-happy', events));
    const ack = await k.nextAck();
    expect(ack).toEqual({ v: 1, ids: events.map((e) => e.id) });
    // The ack arrived, so the rows must already be readable.
    const stored = await getJson(app, '/api/v1/kiosks/k-happy/events');
    expect(stored.items.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
    expect(stored.items[0]).toMatchObject({ seq: 1, panel: 'desk', at: events[0]!.at, clockSynced: true });
    const detail = await getJson(app, '/api/v1/kiosks/k-happy');
    expect(detail.counters).toEqual({ received: 3, duplicates: 0, rejected: 0, lastSeq: 3 });
    await k.close();
  });

  it('acks a resent batch again, counts duplicates and stores each event once', async () => {
    const k = await newKiosk('k-dup');
    const events = [event(1), event(2)];
    await k.publishEvents(batch('k-dup', events));
    await k.nextAck();
    await k.publishEvents(batch('k-dup', [...events, event(3)]));
    const ack = await k.nextAck();
    expect(ack.ids).toHaveLength(3);
    const detail = await getJson(app, '/api/v1/kiosks/k-dup');
    expect(detail.counters).toEqual({ received: 3, duplicates: 2, rejected: 0, lastSeq: 3 });
    expect((await getJson(app, '/api/v1/kiosks/k-dup/events')).items).toHaveLength(3);
    await k.close();
  });

  it('records seq gaps and shrinks them as late events fill them', async () => {
    const k = await newKiosk('k-gap');
    await k.publishEvents(batch('k-gap', [event(1), event(5), event(9)]));
    await k.nextAck();
    expect((await getJson(app, '/api/v1/kiosks/k-gap')).gaps).toEqual([
      { from: 2, to: 4 },
      { from: 6, to: 8 },
    ]);
    await k.publishEvents(batch('k-gap', [event(2), event(7), event(6), event(8)]));
    await k.nextAck();
    const detail = await getJson(app, '/api/v1/kiosks/k-gap');
    expect(detail.gaps).toEqual([{ from: 3, to: 4 }]);
    expect(detail.counters.lastSeq).toBe(9);
    await k.close();
  });

  it('stores the last status of a kiosk', async () => {
    const k = await newKiosk('k-status');
    await k.client.publishAsync(
      kioskTopic(prefix, 'k-status', 'status'),
      JSON.stringify({ v: 1, state: 'online', version: '1.0.0', extra: 'ignored' }),
      { qos: 1, retain: true },
    );
    const detail = await until(async () => {
      const d = await getJson(app, '/api/v1/kiosks/k-status');
      return d.status ? d : undefined;
    }, 'status stored');
    expect(detail.status.payload).toEqual({ v: 1, state: 'online', version: '1.0.0' });
    expect((await getJson(app, '/api/v1/health')).fleet.online).toBeGreaterThanOrEqual(1);
    await k.close();
  });

  it('drains a 10 000-event backlog in batches of 500 within 5 s', async () => {
    const k = await newKiosk('k-backlog');
    const events = Array.from({ length: 10_000 }, (_, i) => event(i + 1));
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 500) void k.publishEvents(batch('k-backlog', events.slice(i, i + 500)));
    let acked = 0;
    while (acked < events.length) acked += (await k.nextAck()).ids?.length ?? 0;
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(5000);
    expect((await getJson(app, '/api/v1/kiosks/k-backlog')).counters).toMatchObject({ received: 10_000, lastSeq: 10_000 });
    await k.close();
  });
});

describe('bad input', () => {
  const cases: Array<{ name: string; payload: (id: string) => unknown; reason: RegExp; rejectsIds?: boolean }> = [
    { name: 'malformed JSON', payload: () => '{"v":1,"kioskId":', reason: /malformed JSON/ },
    {
      name: 'a schema violation of the envelope',
      payload: (id) => ({ v: 2, kioskId: id, events: [event(1)] }),
      reason: /invalid events message: v/,
      rejectsIds: true,
    },
    {
      name: 'a kioskId mismatch between topic and payload',
      payload: () => batch('someone-else', [event(1)]),
      reason: /does not match topic kiosk/,
      rejectsIds: true,
    },
    {
      name: 'more than 500 events',
      payload: (id) =>
        batch(
          id,
          Array.from({ length: 501 }, (_, i) => event(i + 1)),
        ),
      reason: /501 events; at most 500/,
      rejectsIds: true,
    },
    {
      name: 'an oversized payload',
      payload: (id) => JSON.stringify({ ...batch(id, [event(1)]), pad: 'x'.repeat(MAX_PAYLOAD_BYTES) }),
      reason: /bytes; the limit is/,
    },
    { name: 'a non-object payload', payload: () => '42', reason: /invalid events message/ },
  ];

  for (const c of cases) {
    it(`dead-letters ${c.name} and keeps ingesting`, async () => {
      const id = `k-bad-${cases.indexOf(c)}`;
      const k = await newKiosk(id);
      const payload = c.payload(id);
      await k.publishEvents(payload);
      const letters = await until(async () => ((await deadLetters(id)).length ? deadLetters(id) : undefined), 'dead letter');
      expect(letters[0]!.reason).toMatch(c.reason);
      if (c.rejectsIds) {
        const ack = await k.nextAck();
        expect(ack.ids).toBeUndefined();
        expect(ack.rejected!.length).toBeGreaterThan(0);
        expect(ack.rejected![0]!.reason).toMatch(c.reason);
      }
      const good = event(1);
      await k.publishEvents(batch(id, [good]));
      const ack = await until(async () => {
        const a = await k.nextAck();
        return a.ids ? a : undefined;
      }, 'ack of the good batch');
      expect(ack.ids).toEqual([good.id]);
      await k.close();
    });
  }

  it('rejects invalid and implausible events by id while storing the rest of the batch', async () => {
    const k = await newKiosk('k-mixed');
    const good = event(1);
    const badButton = event(2, { button: 'maybe' as never });
    const ancient = event(3, { at: '2001-01-01T00:00:00.000Z' });
    const future = event(4, { at: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const unsynced = event(5, { at: '2001-01-01T00:00:00.000Z', clockSynced: false });
    const noId = { ...event(6), id: 'bad id!' };
    await k.publishEvents(batch('k-mixed', [good, badButton, ancient, future, unsynced, noId]));
    const ack = await k.nextAck();
    expect(ack.ids).toEqual([good.id, unsynced.id]);
    const reasons = Object.fromEntries(ack.rejected!.map((r) => [r.id, r.reason]));
    expect(Object.keys(reasons).sort()).toEqual([badButton.id, ancient.id, future.id].sort());
    expect(reasons[badButton.id]).toMatch(/invalid event: button/);
    expect(reasons[ancient.id]).toMatch(/before 2020-01-01/);
    expect(reasons[future.id]).toMatch(/ahead of the gateway clock/);
    expect(await deadLetters('k-mixed')).toHaveLength(4);
    const detail = await getJson(app, '/api/v1/kiosks/k-mixed');
    expect(detail.counters).toMatchObject({ received: 2, rejected: 3 });
    await k.close();
  });

  it('dead-letters an invalid status message', async () => {
    const k = await newKiosk('k-bad-status');
    await k.client.publishAsync(kioskTopic(prefix, 'k-bad-status', 'status'), JSON.stringify({ v: 1, state: 'sleepy' }), { qos: 1 });
    const letters = await until(
      async () => ((await deadLetters('k-bad-status')).length ? deadLetters('k-bad-status') : undefined),
      'dead letter',
    );
    expect(letters[0]!.reason).toMatch(/invalid status message: state/);
    await k.close();
  });

  it('never answers a bad request with a 500', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/dead-letters?limit=zero', headers: admin });
    expect(res.statusCode).toBe(400);
  });
});

describe('config', () => {
  it('publishes a retained config that reaches a kiosk subscribing later', async () => {
    await registerKiosk(app, 'k-config');
    const panels = [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }];
    const put = await app.inject({ method: 'PUT', url: '/api/v1/kiosks/k-config/config', headers: admin, payload: { panels } });
    expect(put.json()).toEqual({ rev: 1, published: true });
    const again = await app.inject({
      method: 'PUT',
      url: '/api/v1/kiosks/k-config/config',
      headers: admin,
      payload: { panels, misuse: { lockoutMs: 3000, burstCount: 5, burstWindowMs: 10_000 } },
    });
    expect(again.json()).toEqual({ rev: 2, published: true });
    const password = (await app.inject({ method: 'POST', url: '/api/v1/kiosks/k-config/credentials', headers: admin })).json().mqtt
      .password;
    const k = await kiosk(url, 'k-config', password);
    const message = new Promise<{ retain: boolean; body: unknown }>((resolve) =>
      k.client.on('message', (topic, payload, packet) => {
        if (topic.endsWith('/config')) resolve({ retain: packet.retain, body: JSON.parse(payload.toString()) });
      }),
    );
    await k.client.subscribeAsync(kioskTopic(prefix, 'k-config', 'config'), { qos: 1 });
    const got = await message;
    expect(got.retain).toBe(true);
    expect(got.body).toEqual({ v: 1, rev: 2, panels, misuse: { lockoutMs: 3000, burstCount: 5, burstWindowMs: 10_000 } });
    await k.close();
  });
});

describe('a message the database refuses', () => {
  it('does not hold back the other messages of its group commit', async () => {
    const { buildApp } = await import('../../../gateway/src/app.js');
    const { testConfig } = await import('../../../gateway/src/lib/config.js');
    const { SqliteStore } = await import('../../../gateway/src/store/sqlite.js');
    const store = new SqliteStore(':memory:');
    await store.migrate();
    // A storage fault that hits one kiosk's rows only (as PostgreSQL refusing some value would).
    store.db.exec(`CREATE TRIGGER poison BEFORE INSERT ON events WHEN NEW.kiosk_id = 'k-poison' BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    const gw = await buildApp(testConfig({ adminToken: 'test-admin-token' }), { store });
    try {
      for (const id of ['k-poison', 'k-fine']) await gw.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload: { id } });
      const { ingest } = gw.gateway.mqtt;
      // Both messages queued before the next flush: one group commit.
      for (const id of ['k-poison', 'k-fine'])
        ingest.handle(kioskTopic(prefix, id, 'events'), Buffer.from(JSON.stringify(batch(id, [event(1), event(2)]))));
      await ingest.idle();
      expect((await getJson(gw, '/api/v1/kiosks/k-fine')).counters).toMatchObject({ received: 2, lastSeq: 2 });
      expect((await getJson(gw, '/api/v1/kiosks/k-poison')).counters).toMatchObject({ received: 0 });
    } finally {
      await gw.close();
    }
  });
});
