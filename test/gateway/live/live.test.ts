/**
 * GET /api/v1/live against a real gateway (fastify listening on a port, embedded broker, SQLite) and a
 * scripted kiosk over real MQTT: what a press, a status and an alert event become on the stream, who
 * gets them (scope), and the stream's life: heartbeat, connection limit, end on shutdown.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../../../scripts/lib/sse-client.js';
import { kioskTopic } from '../../../shared/src/index.js';
import { run } from '../../../gateway/src/store/sql.js';
import type { SqlStore } from '../../../gateway/src/store/sql-store.js';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { ADMIN_TOKEN, admin, batch, event, kiosk, prefix, startGateway, until } from '../helpers.js';
import { ok, officePanel, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let mqttUrl: string;
let base: string;
const streams: SseConnection[] = [];
const keys: Record<'managerA' | 'managerB', Record<string, string>> = {} as never;
const creds: Record<string, string> = {};

async function live(query = '', headers: Record<string, string> = admin): Promise<SseConnection> {
  const s = await openSse(`${base}/api/v1/live${query}`, headers);
  streams.push(s);
  // The stream is registered once its first frame (the retry hint) is out.
  if (s.status === 200) await s.next((f) => f.event === 'retry', 5000, 'the retry hint');
  return s;
}

beforeAll(async () => {
  // A short request timeout: the heartbeat follows it (half of it), so the stream must outlive it.
  ({ app, mqttUrl } = await startGateway({ http: { ...testConfig().http, requestTimeoutMs: 1000 } }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  for (const office of ['a', 'b']) {
    await ok(app, 'POST', '/offices', { id: office, name: `Office ${office}`, timeZone: 'Europe/Moscow' });
    await ok(app, 'POST', '/desks', { id: `${office}-d1`, officeId: office, name: 'Desk 1' });
    await ok(app, 'POST', '/employees', { id: `${office}-e1`, name: 'Anna', officeId: office });
    await ok(app, 'POST', '/assignments', { deskId: `${office}-d1`, employeeId: `${office}-e1`, from: '2026-01-01T00:00:00Z' });
    const res = await ok(app, 'POST', '/kiosks', {
      id: `k-${office}`,
      officeId: office,
      panels: [{ ...staffPanel('desk'), deskId: `${office}-d1` }, officePanel('office')],
    });
    creds[`k-${office}`] = res.mqtt.password;
  }
  for (const office of ['a', 'b'] as const) {
    const res = await ok(app, 'POST', '/api-keys', { name: `manager ${office}`, role: 'manager', offices: [office] });
    keys[`manager${office.toUpperCase() as 'A' | 'B'}`] = { authorization: `Bearer ${res.key}` };
  }
});
afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
});

/** Publishes presses from kiosk `id` over MQTT and waits for the ack (they are committed then). */
async function pressOn(id: string, events: ReturnType<typeof event>[]): Promise<void> {
  const k = await kiosk(mqttUrl, id, creds[id]!);
  try {
    await k.publishEvents(batch(id, events));
    await k.nextAck();
  } finally {
    await k.close();
  }
}

let seqA = 0;
let seqB = 0;

describe('GET /api/v1/live', () => {
  it('answers 401 without a key and 404 for an office outside the key’s scope', async () => {
    const anonymous = await openSse(`${base}/api/v1/live`);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body).message).toMatch(/API key/);
    const outside = await openSse(`${base}/api/v1/live?office=b`, keys.managerA);
    expect(outside.status).toBe(404);
    const unknown = await openSse(`${base}/api/v1/live?office=nowhere`, admin);
    expect(unknown.status).toBe(404);
  });

  it('sends a press with its office, desk, employee on duty, panel kind and button, as text/event-stream', async () => {
    const s = await live();
    expect(s.contentType).toMatch(/^text\/event-stream/);
    expect(s.frames[0]).toMatchObject({ event: 'retry', data: '2000' });
    const staff = event(++seqA, { panel: 'desk', button: 'bad' });
    const office = event(++seqA, { panel: 'office', button: 'good' });
    await pressOn('k-a', [staff, office]);
    const first = JSON.parse((await s.next((f) => f.event === 'press', 5000, 'the staff press')).data);
    expect(first).toEqual({
      kioskId: 'k-a',
      officeId: 'a',
      deskId: 'a-d1',
      employeeId: 'a-e1',
      panel: 'desk',
      kind: 'staff',
      button: 'bad',
      at: staff.at,
      eventId: staff.id,
    });
    const second = JSON.parse((await s.next((f) => f.event === 'press', 5000, 'the office press')).data);
    expect(second).toMatchObject({
      officeId: 'a',
      deskId: null,
      employeeId: null,
      panel: 'office',
      kind: 'office',
      button: 'good',
      eventId: office.id,
    });
  });

  it('sends a duplicate press no second time', async () => {
    const s = await live();
    const e = event(++seqA, { panel: 'desk' });
    await pressOn('k-a', [e]);
    await pressOn('k-a', [e]); // resent, as after a lost ack: stored once, so shown once
    const marker = event(++seqA, { panel: 'desk' });
    await pressOn('k-a', [marker]);
    await s.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === marker.id, 5000, 'the marker press');
    expect(s.data('press').filter((p) => p.eventId === e.id)).toHaveLength(1);
  });

  it('gives a manager only its offices: nothing of office B’s kiosk reaches the manager of A', async () => {
    const [a, b, all, filtered] = [await live('', keys.managerA), await live('', keys.managerB), await live(), await live('?office=b')];
    const fromB = event(++seqB, { panel: 'desk' });
    const fromA = event(++seqA, { panel: 'desk' });
    await pressOn('k-b', [fromB]);
    await pressOn('k-a', [fromA]);
    // Events go out in commit order: once A's press reached the manager of A, B's would have too.
    await a.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === fromA.id, 5000, "office A's press");
    await all.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === fromA.id, 5000, "office A's press (admin)");
    expect(a.data('press').map((p) => p.officeId)).toEqual(['a']);
    expect(all.data('press').map((p) => p.officeId)).toEqual(['b', 'a']);
    await b.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === fromB.id, 5000, "office B's press");
    await filtered.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === fromB.id, 5000, "office B's press (filtered)");
    // Let A's press, committed after B's, reach the filtered stream if it (wrongly) were going to.
    await pressOn('k-b', [event(++seqB, { panel: 'desk' })]);
    await filtered.next((f) => f.event === 'press' && JSON.parse(f.data).eventId !== fromB.id, 5000, "B's second press");
    expect(filtered.data('press').map((p) => p.officeId)).toEqual(['b', 'b']);
    await b.next((f) => f.event === 'press' && JSON.parse(f.data).eventId !== fromB.id, 5000, "B's second press (manager B)");
    expect(b.data('press').map((p) => p.officeId)).toEqual(['b', 'b']);
  });

  it('sends kiosk statuses (online, board, backlog, clock) to those who may see the kiosk', async () => {
    const [a, b] = [await live('', keys.managerA), await live('', keys.managerB)];
    const k = await kiosk(mqttUrl, 'k-a', creds['k-a']!);
    const status = {
      v: 1,
      state: 'online',
      version: '1.2.3',
      board: { connected: false, kind: 'uno', error: 'unplugged' },
      outbox: { pending: 7, oldestPendingAgeMs: 1200, memoryHeld: 0, lastSeq: seqA },
      clockSynced: true,
    };
    await k.client.publishAsync(kioskTopic(prefix, 'k-a', 'status'), JSON.stringify(status), { qos: 1 });
    const got = JSON.parse((await a.next((f) => f.event === 'kiosk', 5000, 'the kiosk status')).data);
    expect(got).toEqual({
      kioskId: 'k-a',
      online: true,
      at: expect.any(String),
      board: { connected: false, kind: 'uno' },
      pending: 7,
      clockSynced: true,
      version: '1.2.3',
    });
    await k.close();
    // B's stream is told about its own kiosk, never A's.
    const kb = await kiosk(mqttUrl, 'k-b', creds['k-b']!);
    await kb.client.publishAsync(
      kioskTopic(prefix, 'k-b', 'status'),
      JSON.stringify({ ...status, board: { connected: true, kind: 'uno' } }),
      {
        qos: 1,
      },
    );
    await b.next((f) => f.event === 'kiosk', 5000, "k-b's status");
    await kb.close();
    expect(b.data('kiosk').map((s) => s.kioskId)).toEqual(['k-b']);
  });

  it('gives a technician (the fleet page) kiosk events only, never presses', async () => {
    const res = await ok(app, 'POST', '/api-keys', { name: 'technician', role: 'technician' });
    const tech = await live('', { authorization: `Bearer ${res.key}` });
    const all = await live();
    await pressOn('k-a', [event(++seqA, { panel: 'desk', button: 'bad' })]);
    await all.next((f) => f.event === 'press', 5000, 'the press on the admin stream');
    // Items reach the streams in commit order: once the status that follows is on the technician's
    // stream, the press before it would have been too.
    const k = await kiosk(mqttUrl, 'k-a', creds['k-a']!);
    await k.client.publishAsync(kioskTopic(prefix, 'k-a', 'status'), JSON.stringify({ v: 1, state: 'online' }), { qos: 1 });
    await tech.next((f) => f.event === 'kiosk', 5000, 'the kiosk status on the technician stream');
    await k.close();
    expect(tech.data('press')).toEqual([]);
    expect(tech.data('kiosk').map((s) => s.kioskId)).toContain('k-a');
  });

  it('sends each new alert event to the managers of its offices; company-wide ones to admins only', async () => {
    const [a, b, all] = [await live('', keys.managerA), await live('', keys.managerB), await live()];
    const store = app.gateway.store as SqlStore;
    const insert = (alertId: string, officeIds: string[]) => {
      const payload = { alert: { id: alertId, ruleName: 'Too many bad', officeIds, state: 'open' } };
      return store.driver.transaction(() =>
        run(
          'INSERT INTO alert_events (alert_id, rule_id, kind, at, actor, office_ids, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
          alertId,
          'rule-1',
          'opened',
          new Date().toISOString(),
          null,
          JSON.stringify(officeIds),
          JSON.stringify(payload),
        ),
      );
    };
    await insert('al-a', ['a']);
    await insert('al-company', []);
    await insert('al-b', ['b']);
    await all.next((f) => f.event === 'alert' && JSON.parse(f.data).alert.id === 'al-b', 5000, 'the third alert event');
    expect(all.data('alert').map((x) => x.alert.id)).toEqual(['al-a', 'al-company', 'al-b']);
    expect(all.data('alert')[0]).toEqual({
      id: expect.any(Number),
      kind: 'opened',
      alert: expect.objectContaining({ id: 'al-a', officeIds: ['a'] }),
    });
    await a.next((f) => f.event === 'alert', 5000, "office A's alert");
    await b.next((f) => f.event === 'alert', 5000, "office B's alert");
    expect(a.data('alert').map((x) => x.alert.id)).toEqual(['al-a']);
    expect(b.data('alert').map((x) => x.alert.id)).toEqual(['al-b']);
  });

  it('sends an alert event committed late with a lower id (two gateways’ transactions out of id order)', async () => {
    const s = await live();
    const store = app.gateway.store as SqlStore;
    const max = (await store.live.lastAlertEventId()) as number;
    const insert = (id: number, alertId: string) =>
      store.driver.transaction(() =>
        run(
          'INSERT INTO alert_events (id, alert_id, rule_id, kind, at, actor, office_ids, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          id,
          alertId,
          'rule-1',
          'opened',
          new Date().toISOString(),
          null,
          '["a"]',
          JSON.stringify({ alert: { id: alertId } }),
        ),
      );
    await insert(max + 2, 'al-first-to-commit');
    await s.next((f) => f.event === 'alert' && JSON.parse(f.data).id === max + 2, 5000, 'the higher id');
    await insert(max + 1, 'al-late');
    await s.next((f) => f.event === 'alert' && JSON.parse(f.data).id === max + 1, 5000, 'the lower id, committed later');
    expect(s.data('alert').map((x) => x.alert.id)).toEqual(['al-first-to-commit', 'al-late']);
  });

  it('keeps a quiet stream open past the request timeout with heartbeat comments', async () => {
    const s = await live();
    const t0 = performance.now();
    await s.next((f) => f.event === 'comment', 3000, 'a first heartbeat');
    await s.next((f) => f.event === 'comment', 3000, 'a second heartbeat');
    await s.next((f) => f.event === 'comment', 3000, 'a third heartbeat');
    expect(performance.now() - t0).toBeGreaterThan(1000); // longer than LB_HTTP_REQUEST_TIMEOUT_MS here
    const e = event(++seqA, { panel: 'desk' });
    await pressOn('k-a', [e]);
    await s.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === e.id, 5000, 'a press after the quiet');
  });

  it('limits the streams one key holds open (429), and frees the place when one closes', async () => {
    const mine = await Promise.all(Array.from({ length: 8 }, () => live('', keys.managerB)));
    const refused = await openSse(`${base}/api/v1/live`, keys.managerB);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).message).toMatch(/too many live streams/);
    // Another key is not affected.
    expect((await live('', keys.managerA)).status).toBe(200);
    const before = app.gateway.live.size;
    mine[0]!.close();
    await until(() => (app.gateway.live.size === before - 1 ? true : undefined), 'the closed stream to be forgotten');
    expect((await live('', keys.managerB)).status).toBe(200);
  });

  it('ends every stream when the gateway closes', async () => {
    const s = await live(`?office=a`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    const open = streams.filter((x) => x.status === 200);
    await app.close();
    await s.ended;
    await Promise.all(open.map((x) => x.ended));
    expect(app.gateway.live.size).toBe(0);
  });
});
