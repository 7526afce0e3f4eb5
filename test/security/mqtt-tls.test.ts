/**
 * MQTT over TLS, end to end with a CA and certificates made in the test (openssl CLI): a real kiosk
 * agent presses through the embedded broker's mqtts listener, and through a real Mosquitto's TLS
 * listener; an agent given another CA refuses the gateway with a clear error; plain MQTT to the TLS
 * port gets nowhere. The kiosk trusts only its configured CA (LB_MQTT_CA).
 */
import { chmodSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerKiosk, startAgent, startGateway, until, type Agent, type Gateway } from '../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';
import { makeCertificates, type Certificates } from '../support/certificates.js';
import { loginOutcome } from './helpers.js';

let certs: Certificates;
beforeAll(() => {
  certs = makeCertificates();
  // Mosquitto started as root drops to its own user, which must read these.
  chmodSync(certs.dir, 0o755);
  chmodSync(certs.key, 0o644);
});

const running: Array<{ kill(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

function track<T extends Gateway | Agent>(x: T): T {
  running.push(x.proc);
  return x;
}

async function received(gw: Gateway, id: string, n: number): Promise<void> {
  await until(
    async () => ((await gw.api('GET', `/api/v1/kiosks/${id}`)).body.counters.received >= n ? true : undefined),
    `${n} presses of ${id} stored`,
  );
}

describe('MQTT over TLS', () => {
  it('a kiosk agent presses through the embedded broker’s mqtts listener; plain MQTT to it gets nowhere', async () => {
    const gw = track(await startGateway({ env: { LB_MQTT_TLS_CERT: certs.cert, LB_MQTT_TLS_KEY: certs.key } }));
    expect(gw.proc.lines.find((l) => l.msg === 'gateway ready')).toMatchObject({ mqttTls: true });
    const { password } = await registerKiosk(gw, 'k-tls');
    const agent = track(
      startAgent({ kioskId: 'k-tls', password, mqttUrl: `mqtts://127.0.0.1:${gw.mqttPort}`, env: { LB_MQTT_CA: certs.ca } }),
    );
    await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'agent connected over TLS');
    agent.press('desk', 'good');
    await received(gw, 'k-tls', 1);
    // The same login in plain MQTT to the TLS port: no CONNACK, the TLS listener hangs up.
    expect(
      await loginOutcome(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'k-tls', username: 'k-tls', password, connectTimeout: 3000 }),
    ).not.toBe('accepted');
  });

  it('an agent that trusts another CA refuses the gateway with a clear error and never logs in', async () => {
    const gw = track(await startGateway({ env: { LB_MQTT_TLS_CERT: certs.cert, LB_MQTT_TLS_KEY: certs.key } }));
    const { password } = await registerKiosk(gw, 'k-wrong-ca');
    const agent = track(
      startAgent({ kioskId: 'k-wrong-ca', password, mqttUrl: `mqtts://127.0.0.1:${gw.mqttPort}`, env: { LB_MQTT_CA: certs.otherCa } }),
    );
    const refused = await agent.proc.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('mqtt tls:'), 'certificate refused');
    expect(refused).toMatchObject({
      level: 50,
      msg: `mqtt tls: the broker's certificate is not signed by the CA in mqtt.ca (${certs.otherCa}); refusing to connect`,
    });
    expect(agent.proc.count('mqtt connected')).toBe(0);
    await gw.proc.waitFor((l) => l.msg === 'mqtt tls handshake failed', 'the gateway saw the handshake fail');
  });

  it('a kiosk agent presses through a Mosquitto TLS listener, and the gateway reaches it over TLS too (LB_MQTT_CA)', async () => {
    const service = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
    const mosq: Mosquitto = await startMosquitto(service, { tls: { certFile: certs.cert, keyFile: certs.key } });
    running.push({ kill: () => mosq.kill() });
    const gw = track(
      await startGateway({ mqtt: { url: `mqtts://127.0.0.1:${mosq.kioskPort}`, ...service }, env: { LB_MQTT_CA: certs.ca } }),
    );
    await until(
      async () => ((await gw.api('GET', '/api/v1/health')).body.broker.connected ? true : undefined),
      'gateway connected over TLS',
    );
    const { password } = await registerKiosk(gw, 'k-mosq-tls');
    await mosq.addUser('k-mosq-tls', password);
    const agent = track(
      startAgent({ kioskId: 'k-mosq-tls', password, mqttUrl: `mqtts://127.0.0.1:${mosq.kioskPort}`, env: { LB_MQTT_CA: certs.ca } }),
    );
    await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'agent connected to Mosquitto over TLS');
    agent.press('desk', 'bad');
    await received(gw, 'k-mosq-tls', 1);
    // And an agent given another CA refuses Mosquitto too, with the same clear error.
    const wrong = track(
      startAgent({ kioskId: 'k-mosq-tls', password, mqttUrl: `mqtts://127.0.0.1:${mosq.kioskPort}`, env: { LB_MQTT_CA: certs.otherCa } }),
    );
    const refused = await wrong.proc.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('mqtt tls:'), 'certificate refused');
    expect(refused.msg).toBe(
      `mqtt tls: the broker's certificate is not signed by the CA in mqtt.ca (${certs.otherCa}); refusing to connect`,
    );
    expect(wrong.proc.count('mqtt connected')).toBe(0);
  });
});
