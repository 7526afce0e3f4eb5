/**
 * Attack: one kiosk's credentials with another kiosk's MQTT client id. A broker that does not bind the
 * client id to the login hands kiosk A kiosk B's persistent session (B's queued acks and config) and
 * kicks B off. Embedded broker: a real gateway process; then a real Mosquitto configured as
 * docs/gateway.md says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { kioskTopic } from '../../shared/src/index.js';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';
import { connect, loginOutcome, persistentConnect, rawConnect } from './helpers.js';

const prefix = 'lb/v1';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

function track(c: MqttClient): MqttClient {
  cleanup.push(() => c.endAsync(true));
  return c;
}

/** Kiosk B online with a persistent session, subscribed to its acks and config. */
async function victim(url: string, id: string, password: string) {
  const b = track(await connect(url, { clientId: id, username: id, password, clean: false }));
  await b.subscribeAsync([kioskTopic(prefix, id, 'acks'), kioskTopic(prefix, id, 'config')], { qos: 1 });
  let closes = 0;
  b.on('close', () => closes++);
  return { client: b, closes: () => closes };
}

describe('session takeover on the embedded broker', () => {
  let gw: Gateway;
  afterEach(async () => {
    await gw?.proc.kill();
  });

  it('refuses kiosk A’s login under kiosk B’s client id; B stays online and keeps its session', async () => {
    gw = await startGateway();
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const a = await registerKiosk(gw, 'kiosk-a');
    const b = await registerKiosk(gw, 'kiosk-b');
    const B = await victim(url, 'kiosk-b', b.password);
    // Something queued for B: a config published retained to its topic.
    expect(
      (
        await gw.api('PUT', '/api/v1/kiosks/kiosk-b/config', {
          panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }],
        })
      ).status,
    ).toBe(200);

    // The attack, in a loop as it was found: A's password, B's client id, a persistent session.
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(await loginOutcome(url, { clientId: 'kiosk-b', username: 'kiosk-a', password: a.password, clean: false }));
    }
    expect(new Set(outcomes)).toEqual(new Set(['Connection refused: Identifier rejected']));
    expect(B.closes()).toBe(0);
    expect(B.client.connected).toBe(true);
    // Logged under the login that tried, with the client id it asked for.
    const refused = gw.proc.lines.find((l) => l.msg === 'mqtt login refused');
    expect(refused).toMatchObject({
      kioskId: 'kiosk-a',
      clientId: 'kiosk-b',
      reason: expect.stringMatching(/client id must be the kiosk id/),
    });
  });

  it('derives the client id from the login when a kiosk sends none, and logs refused publishes under the login', async () => {
    gw = await startGateway();
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const a = await registerKiosk(gw, 'kiosk-a');
    await registerKiosk(gw, 'kiosk-b');
    // An empty client id is allowed with a clean session (MQTT 3.1.1); the broker names it after the login.
    const anon = track(await connect(url, { clientId: '', username: 'kiosk-a', password: a.password, clean: true }));
    const gone = new Promise<void>((r) => anon.once('close', () => r()));
    anon.publish(kioskTopic(prefix, 'kiosk-b', 'events'), '{}', { qos: 1 });
    await gone;
    const refused = await gw.proc.waitFor((l) => l.msg === 'mqtt publish refused', 'publish refused');
    expect(refused).toMatchObject({ kioskId: 'kiosk-a', clientId: 'kiosk-a', topic: kioskTopic(prefix, 'kiosk-b', 'events') });
    // …but not with a persistent session: there would be no way to find it again ([MQTT-3.1.3-8]).
    const persistent = await rawConnect(gw.mqttPort!, persistentConnect({ username: 'kiosk-a', password: Buffer.from(a.password) }));
    persistent.socket.destroy();
    expect(persistent).toMatchObject({ connack: { returnCode: 2 } });
  });
});

describe('session takeover on an external Mosquitto', () => {
  const service = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
  let mosq: Mosquitto;
  let gw: Gateway;
  afterEach(async () => {
    await gw?.proc.kill();
    await mosq?.kill();
  });

  async function setup(opts: Parameters<typeof startMosquitto>[1], env: Record<string, string> = {}) {
    mosq = await startMosquitto(service, opts);
    gw = await startGateway({ mqtt: { url: `mqtt://127.0.0.1:${mosq.port}`, ...service }, env });
    await until(
      async () => ((await gw.api('GET', '/api/v1/health')).body.broker.connected ? true : undefined),
      'gateway connected to Mosquitto',
    );
    return `mqtt://127.0.0.1:${mosq.kioskPort}`;
  }

  it('dynamic security (LB_MQTT_DYNSEC): the login is bound to its client id, A is refused and B stays online', async () => {
    const url = await setup({ dynsec: true }, { LB_MQTT_DYNSEC: 'true' });
    const a = await registerKiosk(gw, 'kiosk-a');
    const b = await registerKiosk(gw, 'kiosk-b');
    const B = await victim(url, 'kiosk-b', b.password);
    for (let i = 0; i < 5; i++) {
      expect(await loginOutcome(url, { clientId: 'kiosk-b', username: 'kiosk-a', password: a.password, clean: false })).toMatch(
        /Not authorized/,
      );
    }
    expect(B.closes()).toBe(0);
    expect(B.client.connected).toBe(true);
  });

  it('password file with use_username_as_clientid on the kiosks’ listener: A gets its own session, B stays online', async () => {
    const url = await setup({ kioskListener: true });
    const a = await registerKiosk(gw, 'kiosk-a');
    const b = await registerKiosk(gw, 'kiosk-b');
    await mosq.addUsers([
      { username: 'kiosk-a', password: a.password },
      { username: 'kiosk-b', password: b.password },
    ]);
    const B = await victim(url, 'kiosk-b', b.password);
    for (let i = 0; i < 5; i++) {
      const attacker = track(await connect(url, { clientId: 'kiosk-b', username: 'kiosk-a', password: a.password, clean: false }));
      // The broker names the session after the login: not B's session (B never had one as kiosk-a).
      await attacker.subscribeAsync(kioskTopic(prefix, 'kiosk-a', 'acks'), { qos: 1 });
      await attacker.endAsync();
    }
    // A takeover closes B as the attacker's CONNECT is accepted, before its CONNACK.
    expect(B.closes()).toBe(0);
    expect(B.client.connected).toBe(true);
    await B.client.subscribeAsync(kioskTopic(prefix, 'kiosk-b', 'acks'), { qos: 1 }); // and B is still served
  });
});
