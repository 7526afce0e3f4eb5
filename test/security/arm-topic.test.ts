/**
 * Armed mode's `arm` topic carries a desk's served tickets: a kiosk may subscribe to its own and to no other
 * kiosk's (nor a wildcard over the fleet), on the embedded broker and on an external Mosquitto whose kiosk
 * roles the gateway manages through dynamic security. Real gateway processes, a real Mosquitto, MQTT.js kiosks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TOPIC_PREFIX as prefix, kioskTopic } from '../../shared/src/index.js';
import { kiosk } from '../../scripts/lib/mqtt-kiosk.js';
import { startMosquitto } from '../../scripts/lib/mosquitto.js';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

const staff = { id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, armed: { windowMs: 60_000 } };

function armSuite(setup: () => Promise<{ gw: Gateway; url: string }>) {
  let gw: Gateway;
  let url: string;
  beforeAll(async () => {
    ({ gw, url } = await setup());
    for (const [path, body] of [
      ['/api/v1/offices', { id: 'o1', name: 'Office', timeZone: 'UTC' }],
      ['/api/v1/desks', { id: 'da', name: 'A', officeId: 'o1' }],
      ['/api/v1/desks', { id: 'db', name: 'B', officeId: 'o1' }],
      ['/api/v1/employees', { id: 'op', name: 'Operator', officeId: 'o1' }],
    ] as const) {
      const res = await gw.api('POST', path, body);
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
  });

  it('a kiosk cannot subscribe to another kiosk’s arm topic or the fleet’s, and receives only its own tickets', async () => {
    const login: Record<string, string> = {};
    for (const [id, desk] of [
      ['arm-a', 'da'],
      ['arm-b', 'db'],
    ] as const) {
      login[id] = (await registerKiosk(gw, id, { officeId: 'o1', panels: [{ ...staff, deskId: desk }] })).password;
      expect((await gw.api('PUT', `/api/v1/kiosks/${id}/config`, { panels: [staff] })).status).toBe(200);
    }
    const a = await kiosk(url, 'arm-a', login['arm-a']!);
    const b = await kiosk(url, 'arm-b', login['arm-b']!);
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    // The attack: A asks for B's tickets, and for everyone's.
    const granted = await a.client.subscribeAsync([kioskTopic(prefix, 'arm-b', 'arm'), `${prefix}/kiosks/+/arm`], { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted,
    );
    expect(granted?.every((q) => q >= 0x80)).toBe(true);
    // Their own arm topics are theirs.
    expect(await a.subscribeArm()).toBe(1);
    expect(await b.subscribeArm()).toBe(1);

    const served = (id: string, deskId: string, ticket: string) => ({
      id,
      type: 'served',
      deskId,
      operatorId: 'op',
      ticket,
      at: new Date().toISOString(),
    });
    // On Mosquitto the kiosk's role reaches the broker a moment after registration: retry until B is armed.
    await until(async () => {
      await gw.api('POST', '/api/v1/queue/events', { events: [served(`b-${Date.now()}`, 'db', 'B-TICKET')] });
      return b.nextArm(1000).then(
        (m) => m,
        () => undefined,
      );
    }, 'B armed for its ticket');
    // Then a ticket at A's desk: the first arm message A ever gets is its own, never B's.
    expect((await gw.api('POST', '/api/v1/queue/events', { events: [served('a-1', 'da', 'A-TICKET')] })).status).toBe(200);
    expect(await a.nextArm()).toMatchObject({ panel: 'desk', ticket: 'A-TICKET' });
    expect(a.pendingArms()).toBe(0);
  });
}

describe('embedded broker', () => {
  armSuite(async () => {
    const gw = await startGateway();
    cleanup.push(() => gw.proc.kill());
    return { gw, url: `mqtt://127.0.0.1:${gw.mqttPort}` };
  });
});

describe('external Mosquitto, kiosk roles managed through dynamic security', () => {
  const service = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
  armSuite(async () => {
    const mosq = await startMosquitto(service, { dynsec: true });
    cleanup.push(() => mosq.kill());
    const gw = await startGateway({ mqtt: { url: `mqtt://127.0.0.1:${mosq.port}`, ...service }, env: { LB_MQTT_DYNSEC: 'true' } });
    cleanup.push(() => gw.proc.kill());
    await until(
      async () => ((await gw.api('GET', '/api/v1/health')).body.broker.connected ? true : undefined),
      'gateway connected to Mosquitto',
    );
    return { gw, url: `mqtt://127.0.0.1:${mosq.port}` };
  });
});
