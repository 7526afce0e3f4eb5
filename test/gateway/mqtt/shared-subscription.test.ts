/**
 * Several gateways behind one external Mosquitto (LB_MQTT_SHARE_GROUP): the gateways' MQTT.js links
 * join one MQTT 5 shared subscription, so each kiosk message reaches exactly one of them. Real
 * Mosquitto, real MQTT.js links; the ingest side is replaced by recorders of what each link hands over.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { mqttJsLink } from '../../../gateway/src/mqtt/client.js';
import { gatewayTopics } from '../../../gateway/src/mqtt/link.js';
import type { BrokerLink } from '../../../gateway/src/mqtt/link.js';
import { kioskTopic } from '../../../shared/src/index.js';
import { until } from '../../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../../scripts/lib/mosquitto.js';
import { prefix } from '../helpers.js';

const service = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
const GROUP = 'gateways';

/** One gateway's link, recording the payloads it was handed (probes and markers kept apart) and its log. */
function gateway(url: string, clientId: string) {
  const got: string[] = [];
  const probes: string[] = [];
  const logs: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const link: BrokerLink = mqttJsLink({ url, clientId, ...service, prefix, shareGroup: GROUP, log });
  let connections = 0;
  const started = link.start({
    message: (_topic, payload) => {
      const text = payload.toString();
      (text.startsWith('probe') || text.startsWith('marker') ? probes : got).push(text);
    },
    ready: () => Promise.resolve(),
    connected: () => void connections++,
  });
  return { clientId, link, got, probes, logs, started, connections: () => connections };
}
type Gw = ReturnType<typeof gateway>;

let mosq: Mosquitto;
let url: string;
let publisher: MqttClient;
const links: Gw[] = [];

beforeAll(async () => {
  mosq = await startMosquitto(service);
  url = `mqtt://127.0.0.1:${mosq.port}`;
  publisher = await mqtt.connectAsync(url, { ...service, clientId: 'test-publisher', protocolVersion: 4, reconnectPeriod: 0 });
});
afterAll(async () => {
  await publisher?.endAsync();
  await mosq?.kill('SIGTERM');
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((g) => g.link.stop()));
});

function join(clientId: string): Gw {
  const g = gateway(url, clientId);
  links.push(g);
  return g;
}

let probeNo = 0;
/**
 * Publishes `kind` messages (probes or markers) on `topic` until every one of `members` has been
 * handed one. Per connection the broker delivers in publish order, so once a member has its marker it
 * has also been handed everything dealt to it before. With `probe`, it proves every member's shared
 * subscription is active.
 */
async function untilEachHas(members: Gw[], kind: 'probe' | 'marker') {
  const topic = kioskTopic(prefix, 'k-probe', 'events');
  const before = members.map((m) => m.probes.filter((p) => p.startsWith(kind)).length);
  await until(
    async () => {
      if (members.every((m, i) => m.probes.filter((p) => p.startsWith(kind)).length > before[i]!)) return true;
      await publisher.publishAsync(topic, `${kind}-${++probeNo}`, { qos: 1 });
      return undefined;
    },
    `every gateway of the group handed a ${kind}`,
    10_000,
  );
}

async function publishMany(from: number, count: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = from; i < from + count; i++) {
    const kiosk = `k-${i % 7}`;
    const kind = i % 10 === 0 ? 'status' : 'events';
    const payload = JSON.stringify({ kiosk, kind, n: i });
    sent.push(payload);
    await publisher.publishAsync(kioskTopic(prefix, kiosk, kind), payload, { qos: 1 });
  }
  return sent;
}

describe('gateways in one MQTT 5 share group on Mosquitto', () => {
  it('subscribes to $share/<group>/ filters for events and status', () => {
    expect(gatewayTopics('lb/v1', 'gw')).toEqual(['$share/gw/lb/v1/kiosks/+/events', '$share/gw/lb/v1/kiosks/+/status']);
    expect(gatewayTopics('lb/v1')).toEqual(['lb/v1/kiosks/+/events', 'lb/v1/kiosks/+/status']);
  });

  it('hands every kiosk message to exactly one gateway, each gateway getting a share', async () => {
    const a = join('lb-gateway-a');
    const b = join('lb-gateway-b');
    await Promise.all([a.started, b.started]);
    await untilEachHas([a, b], 'probe');

    const sent = await publishMany(0, 300);
    await until(async () => (a.got.length + b.got.length >= sent.length ? true : undefined), 'every message handed over');
    await untilEachHas([a, b], 'marker'); // nothing still on its way to either gateway

    const all = [...a.got, ...b.got];
    expect(all).toHaveLength(sent.length); // none twice
    expect(new Set(all)).toEqual(new Set(sent)); // none lost
    expect(a.got.length).toBeGreaterThan(0);
    expect(b.got.length).toBeGreaterThan(0);
    // Mosquitto deals round-robin: an even split, give or take the interleaved probes and markers.
    expect(Math.abs(a.got.length - b.got.length)).toBeLessThan(sent.length / 4);
    expect(a.connections()).toBe(1);
    expect(b.connections()).toBe(1);
  });

  it('gives a departed gateway no share: the ones left get every later message, nothing is kept for it', async () => {
    const a = join('lb-gateway-a');
    const b = join('lb-gateway-b');
    await Promise.all([a.started, b.started]);
    await untilEachHas([a, b], 'probe');

    await b.link.stop(); // leaves; with a clean session its subscription goes with the connection
    links.splice(links.indexOf(b), 1);
    const sent = await publishMany(1000, 100);
    await untilEachHas([a], 'marker');
    expect(a.got).toEqual(sent); // all of them, in order, none dealt to the absent member

    // The same gateway coming back (same client id) finds no backlog hoarded in a session: it only
    // takes part in what is published from now on.
    const back = join('lb-gateway-b');
    await back.started;
    await untilEachHas([a, back], 'probe');
    expect(back.got).toEqual([]);
    const more = await publishMany(2000, 40);
    await untilEachHas([a, back], 'marker');
    expect([...a.got.slice(sent.length), ...back.got].sort()).toEqual([...more].sort());
    expect(back.got.length).toBeGreaterThan(0);
  });

  it('says so in its log when two gateways were given the same client id', async () => {
    const a = join('lb-gateway-same');
    await a.started;
    await until(async () => (a.logs.some((l) => l.msg === 'mqtt subscribed') ? true : undefined), 'first gateway subscribed');
    const b = join('lb-gateway-same'); // the broker hands the session to the newcomer and drops the first
    await b.started;
    // Each reconnection (every second) takes the session back from the other: both notice.
    for (const g of [a, b]) {
      const alarm = await until(
        async () => g.logs.find((l) => l.level === 50 && l.msg.includes('LB_MQTT_CLIENT_ID')),
        'the gateway reports the client id clash',
      );
      expect(alarm.msg).toMatch(/same client id/);
    }
  });
});
