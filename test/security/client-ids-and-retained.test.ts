/**
 * Attacks on what the broker keeps for a client: a 60 000-character client id, an empty client id with
 * a persistent session, a retained message on a kiosk's own events topic (kept by the broker for every
 * later subscriber), an oversized retained status. Real gateway process, raw sockets and MQTT.js.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kioskTopic } from '../../shared/src/index.js';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { connect, persistentConnect, rawConnect } from './helpers.js';

const prefix = 'lb/v1';
let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
  gw = undefined;
});

describe('client ids', () => {
  it('refuses a 60 000-character client id, a made-up one and an empty one with a persistent session', async () => {
    gw = await startGateway();
    const { password } = await registerKiosk(gw, 'k-ids');
    const creds = { username: 'k-ids', password: Buffer.from(password) };
    // A CONNECT that long is refused on its announced length, before it is buffered.
    const huge = await rawConnect(gw.mqttPort!, { ...creds, clientId: 'x'.repeat(60_000) });
    expect(huge).toMatchObject({ closed: true });
    await gw.proc.waitFor((l) => l.msg === 'mqtt connect packet too large; closing connection', 'connect too large logged');
    // Shorter ones that fit get CONNACK 2, identifier rejected.
    const long = await rawConnect(gw.mqttPort!, { ...creds, clientId: 'x'.repeat(1000) });
    long.socket.destroy();
    expect(long).toMatchObject({ connack: { returnCode: 2 } });
    const empty = await rawConnect(gw.mqttPort!, persistentConnect(creds));
    empty.socket.destroy();
    expect(empty).toMatchObject({ connack: { returnCode: 2 } });
    const own = await rawConnect(gw.mqttPort!, { ...creds, clientId: 'k-ids', clean: false });
    own.socket.destroy();
    expect(own).toMatchObject({ connack: { returnCode: 0 } });
  });
});

describe('retained messages', () => {
  it('refuses a retained events message and an oversized status, and keeps nothing of them', async () => {
    gw = await startGateway();
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const { password } = await registerKiosk(gw, 'k-ret');
    const events = kioskTopic(prefix, 'k-ret', 'events');
    const status = kioskTopic(prefix, 'k-ret', 'status');

    const k = await connect(url, { clientId: 'k-ret', username: 'k-ret', password });
    const closed = new Promise<void>((r) => k.once('close', () => r()));
    k.publish(events, JSON.stringify({ pad: 'x'.repeat(1_000_000) }), { qos: 1, retain: true });
    await closed;
    k.end(true);
    const refused = await gw.proc.waitFor((l) => l.msg === 'mqtt publish refused' && l.topic === events, 'retained events refused');
    expect(refused.reason).toMatch(/retained events/);

    const k2 = await connect(url, { clientId: 'k-ret', username: 'k-ret', password });
    const closed2 = new Promise<void>((r) => k2.once('close', () => r()));
    k2.publish(status, JSON.stringify({ v: 1, state: 'online', version: 'x'.repeat(100_000) }), { qos: 1, retain: true });
    await closed2;
    k2.end(true);
    const refusedStatus = await gw.proc.waitFor((l) => l.msg === 'mqtt publish refused' && l.topic === status, 'big status refused');
    expect(refusedStatus.reason).toMatch(/status of \d+ bytes exceeds/);

    // A normal status is retained as always; the refused ones left nothing behind.
    const k3 = await connect(url, { clientId: 'k-ret', username: 'k-ret', password });
    await k3.publishAsync(status, JSON.stringify({ v: 1, state: 'online' }), { qos: 1, retain: true });
    await k3.endAsync();
    const stored = await until(async () => (await gw!.api('GET', '/api/v1/kiosks/k-ret')).body.status ?? undefined, 'status stored');
    expect(stored.payload).toEqual({ v: 1, state: 'online' });
    expect(gw.proc.lines.filter((l) => l.msg === 'dead letter')).toEqual([]);
  });
});
