import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { kioskTopic } from '../../../shared/src/index.js';
import { admin, batch, closed, connect, event, getJson, kiosk, prefix, registerKiosk, startGateway } from '../helpers.js';

let app: FastifyInstance;
let url: string;
let passwordA: string;

beforeAll(async () => {
  ({ app, mqttUrl: url } = await startGateway());
  passwordA = await registerKiosk(app, 'kiosk-a');
  await registerKiosk(app, 'kiosk-b');
});
afterAll(async () => {
  await app?.close();
});

describe('embedded broker authentication', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong password', { username: 'kiosk-a', password: 'wrong' }],
    ['an unregistered kiosk', { username: 'kiosk-z', password: 'whatever' }],
    ['the gateway username with a guessed secret', { username: '$gateway', password: 'guess' }],
  ])('refuses %s', async (_name, creds) => {
    await expect(connect(url, { clientId: 'intruder', ...creds })).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('accepts a registered kiosk with its password, even with a 64-character id', async () => {
    const longId = 'k'.repeat(64);
    const password = await registerKiosk(app, longId);
    const client = await connect(url, { clientId: longId, username: longId, password });
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('stops accepting the old password after a rotation and drops live connections', async () => {
    const old = await registerKiosk(app, 'kiosk-rot');
    const live = await connect(url, { clientId: 'kiosk-rot', username: 'kiosk-rot', password: old });
    const gone = closed(live);
    const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks/kiosk-rot/credentials', headers: admin });
    expect(res.statusCode).toBe(200);
    await gone;
    live.end(true);
    await expect(connect(url, { clientId: 'kiosk-rot', username: 'kiosk-rot', password: old })).rejects.toThrow();
    const fresh = await connect(url, { clientId: 'kiosk-rot', username: 'kiosk-rot', password: res.json().mqtt.password });
    await fresh.endAsync();
  });
});

describe('embedded broker authorization', () => {
  it('refuses subscriptions to another kiosk’s acks, wildcards and the fleet topics', async () => {
    const client = await connect(url, { clientId: 'kiosk-a', username: 'kiosk-a', password: passwordA });
    const refused = await client
      .subscribeAsync([kioskTopic(prefix, 'kiosk-b', 'acks'), `${prefix}/kiosks/+/acks`, '#', kioskTopic(prefix, 'kiosk-a', 'events')], {
        qos: 1,
      })
      .then(
        () => [],
        (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
      );
    expect(refused).toEqual([128, 128, 128, 128]);
    expect(client.connected).toBe(true); // refused, not disconnected
    const own = await client.subscribeAsync([kioskTopic(prefix, 'kiosk-a', 'acks'), kioskTopic(prefix, 'kiosk-a', 'config')], { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1, 1]);
    await client.endAsync();
  });

  it('disconnects a kiosk that publishes into another kiosk’s topic, and stores nothing from it', async () => {
    const client = await connect(url, { clientId: 'kiosk-a', username: 'kiosk-a', password: passwordA });
    const gone = closed(client);
    client.publish(kioskTopic(prefix, 'kiosk-b', 'events'), JSON.stringify(batch('kiosk-b', [event(1)])), { qos: 1 });
    await gone;
    client.end(true);
    // kiosk-a's own publishes still go through, so ingest is idle after this ack: nothing from the forgery.
    const a = await kiosk(url, 'kiosk-a', passwordA);
    await a.publishEvents(batch('kiosk-a', [event(1)]));
    await a.nextAck();
    await a.close();
    expect((await getJson(app, '/api/v1/kiosks/kiosk-b')).counters.received).toBe(0);
  });

  it('refuses a kiosk publishing to acks or config (even its own)', async () => {
    const closedBy: string[] = [];
    for (const kind of ['acks', 'config'] as const) {
      const client = await connect(url, { clientId: 'kiosk-a', username: 'kiosk-a', password: passwordA });
      const gone = closed(client);
      client.publish(kioskTopic(prefix, 'kiosk-a', kind), '{"v":1,"ids":[]}', { qos: 1 });
      await gone;
      closedBy.push(kind);
      client.end(true);
    }
    expect(closedBy).toEqual(['acks', 'config']);
  });
});
