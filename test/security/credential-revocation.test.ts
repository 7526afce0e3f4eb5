/**
 * A kiosk's credentials revoked (`DELETE /api/v1/kiosks/{id}/credentials`) or rotated
 * (`POST …/credentials`): its live session must end at once and the old password be refused at CONNECT,
 * on the embedded broker and on an external Mosquitto whose kiosk logins the gateway manages through
 * the dynamic-security plugin (LB_MQTT_DYNSEC). Real gateway processes, a real Mosquitto, MQTT.js kiosks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';
import { connect, loginOutcome } from './helpers.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

async function gateway(opts: Parameters<typeof startGateway>[0] = {}): Promise<Gateway> {
  const gw = await startGateway(opts);
  cleanup.push(() => gw.proc.kill());
  return gw;
}

/** Resolves (with the time it took) when the broker closes the client's connection. */
function dropped(c: MqttClient): () => Promise<number> {
  const since = Date.now();
  const closed = new Promise<number>((resolve) => c.once('close', () => resolve(Date.now() - since)));
  return () => closed;
}

/** The same attacks against each broker: `url` is where kiosks connect. */
function revocationSuite(setup: () => Promise<{ gw: Gateway; url: string }>) {
  let gw: Gateway;
  let url: string;
  beforeAll(async () => {
    ({ gw, url } = await setup());
  });

  it('revoking drops the live session at once and refuses the kiosk at CONNECT until new credentials', async () => {
    const { password } = await registerKiosk(gw, 'k-stolen');
    const live = await connect(url, { clientId: 'k-stolen', username: 'k-stolen', password, clean: false });
    cleanup.push(() => live.endAsync(true));
    const gone = dropped(live);
    expect((await gw.api('DELETE', '/api/v1/kiosks/k-stolen/credentials')).status).toBe(204);
    expect(await gone()).toBeLessThan(2000);
    expect(await loginOutcome(url, { clientId: 'k-stolen', username: 'k-stolen', password })).toMatch(
      /Not authorized|Bad username or password/,
    );
    // New credentials bring it back; the revoked ones stay refused.
    const fresh = (await gw.api('POST', '/api/v1/kiosks/k-stolen/credentials')).body.mqtt.password as string;
    expect(
      await until(
        async () =>
          (await loginOutcome(url, { clientId: 'k-stolen', username: 'k-stolen', password: fresh })) === 'accepted' ? true : undefined,
        'new password accepted',
      ),
    ).toBe(true);
    expect(await loginOutcome(url, { clientId: 'k-stolen', username: 'k-stolen', password })).toMatch(
      /Not authorized|Bad username or password/,
    );
  });

  it('rotating drops the live session at once and refuses the old password', async () => {
    const { password } = await registerKiosk(gw, 'k-rotated');
    const live = await connect(url, { clientId: 'k-rotated', username: 'k-rotated', password });
    cleanup.push(() => live.endAsync(true));
    const gone = dropped(live);
    const res = await gw.api('POST', '/api/v1/kiosks/k-rotated/credentials');
    expect(res.status).toBe(200);
    expect(await gone()).toBeLessThan(2000);
    expect(await loginOutcome(url, { clientId: 'k-rotated', username: 'k-rotated', password })).toMatch(
      /Not authorized|Bad username or password/,
    );
    expect(await loginOutcome(url, { clientId: 'k-rotated', username: 'k-rotated', password: res.body.mqtt.password })).toBe('accepted');
  });

  it('answers 404 for a kiosk that is not registered', async () => {
    expect((await gw.api('DELETE', '/api/v1/kiosks/k-nobody/credentials')).status).toBe(404);
  });
}

describe('embedded broker', () => {
  revocationSuite(async () => {
    const gw = await gateway();
    return { gw, url: `mqtt://127.0.0.1:${gw.mqttPort}` };
  });
});

describe('external Mosquitto, kiosk logins managed through dynamic security', () => {
  const service = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
  revocationSuite(async () => {
    const mosq: Mosquitto = await startMosquitto(service, { dynsec: true });
    cleanup.push(() => mosq.kill());
    const gw = await gateway({ mqtt: { url: `mqtt://127.0.0.1:${mosq.port}`, ...service }, env: { LB_MQTT_DYNSEC: 'true' } });
    await until(
      async () => ((await gw.api('GET', '/api/v1/health')).body.broker.connected ? true : undefined),
      'gateway connected to Mosquitto',
    );
    return { gw, url: `mqtt://127.0.0.1:${mosq.port}` };
  });
});
