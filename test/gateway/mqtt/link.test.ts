/**
 * The same guarantees through both broker links: the embedded aedes reached in-process, and an
 * external Mosquitto reached over MQTT.js. Acks reach kiosks (also offline ones with a persistent
 * session), and backpressure holds messages back without losing any.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { kioskTopic, type AckMessage } from '../../../shared/src/index.js';
import { QUEUE_HIGH_WATER } from '../../../gateway/src/ingest/ingest.js';
import type { BatchOutcome, IngestWork } from '../../../gateway/src/store/store.js';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { startMosquitto, type Mosquitto } from '../../../scripts/lib/mosquitto.js';
import { batch, event, getJson, prefix, registerKiosk, startGateway, until } from '../helpers.js';

interface Setup {
  app: FastifyInstance;
  url: string;
  /** Registers a kiosk and makes its credentials valid on the broker; returns the password. */
  register(id: string): Promise<string>;
  stop(): Promise<void>;
}

async function embedded(): Promise<Setup> {
  const { app, mqttUrl } = await startGateway();
  return {
    app,
    url: mqttUrl,
    register: (id) => registerKiosk(app, id),
    stop: () => app.close(),
  };
}

async function external(): Promise<Setup> {
  const gateway = { username: 'lb-gateway', password: 'gateway-secret-0123456789' };
  const mosq: Mosquitto = await startMosquitto(gateway);
  const url = `mqtt://127.0.0.1:${mosq.port}`;
  const { app } = await startGateway({ mqtt: { ...testConfig().mqtt, url, clientId: `lb-gateway-test-${process.pid}`, ...gateway } });
  await until(() => (app.gateway.mqtt.connected() ? true : undefined), 'gateway connected to Mosquitto', 10_000);
  return {
    app,
    url,
    async register(id) {
      const password = await registerKiosk(app, id);
      await mosq.addUser(id, password); // restarts Mosquitto; the gateway's session (clean:false) survives
      await until(() => (app.gateway.mqtt.connected() ? true : undefined), 'gateway reconnected', 10_000);
      return password;
    },
    async stop() {
      await app.close();
      await mosq.kill('SIGTERM');
    },
  };
}

/** A kiosk with a persistent session; its ack listener is attached before the CONNACK arrives. */
async function sessionKiosk(url: string, id: string, password: string) {
  const client: MqttClient = mqtt.connect(url, {
    clientId: id,
    username: id,
    password,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const acks: AckMessage[] = [];
  client.on('message', (topic, payload) => {
    if (topic === kioskTopic(prefix, id, 'acks')) acks.push(JSON.parse(payload.toString()) as AckMessage);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const ackedIds = () => acks.flatMap((a) => a.ids ?? []);
  return { client, acks, ackedIds };
}

describe.each([
  ['embedded broker, in-process link', embedded],
  ['external Mosquitto, MQTT.js link', external],
])('%s', (_name, setup) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/health' })).json().broker.connected).toBe(true);
  }, 30_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('acks a batch to the kiosk after commit', async () => {
    const password = await s.register('l-ack');
    const k = await sessionKiosk(s.url, 'l-ack', password);
    await k.client.subscribeAsync(kioskTopic(prefix, 'l-ack', 'acks'), { qos: 1 });
    const events = [event(1), event(2)];
    await k.client.publishAsync(kioskTopic(prefix, 'l-ack', 'events'), JSON.stringify(batch('l-ack', events)), { qos: 1 });
    const ids = await until(() => (k.ackedIds().length === 2 ? k.ackedIds() : undefined), 'ack');
    expect(ids).toEqual(events.map((e) => e.id));
    expect((await getJson(s.app, '/api/v1/kiosks/l-ack')).counters.received).toBe(2);
    await k.client.endAsync();
  });

  it('queues an ack for an offline kiosk with a persistent session and delivers it on reconnect', async () => {
    const password = await s.register('l-off');
    const first = await sessionKiosk(s.url, 'l-off', password);
    await first.client.subscribeAsync(kioskTopic(prefix, 'l-off', 'acks'), { qos: 1 });
    // The commit (and so the ack) waits until the kiosk has gone offline.
    const store = s.app.gateway.store;
    const commit = store.commitIngest.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.commitIngest = async (work: IngestWork): Promise<BatchOutcome[]> => {
      await gate;
      return commit(work);
    };
    try {
      const ev = event(1);
      await first.client.publishAsync(kioskTopic(prefix, 'l-off', 'events'), JSON.stringify(batch('l-off', [ev])), { qos: 1 });
      await first.client.endAsync();
      release();
      await until(async () => ((await getJson(s.app, '/api/v1/kiosks/l-off')).counters.received === 1 ? true : undefined), 'commit');
      const back = await sessionKiosk(s.url, 'l-off', password);
      const ids = await until(() => (back.ackedIds().length ? back.ackedIds() : undefined), 'queued ack');
      expect(ids).toEqual([ev.id]);
      await back.client.endAsync();
    } finally {
      store.commitIngest = commit;
    }
  });

  it('holds messages back while the ingest queue is full and loses none', async () => {
    const password = await s.register('l-bp');
    const k = await sessionKiosk(s.url, 'l-bp', password);
    await k.client.subscribeAsync(kioskTopic(prefix, 'l-bp', 'acks'), { qos: 1 });
    const { ingest } = s.app.gateway.mqtt;
    const store = s.app.gateway.store;
    // Stall the database: the first commit waits until released, so messages pile up in the queue.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const commit = store.commitIngest.bind(store);
    store.commitIngest = async (work: IngestWork): Promise<BatchOutcome[]> => {
      await gate;
      return commit(work);
    };
    let held = 0;
    let maxPending = 0;
    const ready = ingest.whenBelowHighWater.bind(ingest);
    ingest.whenBelowHighWater = () => {
      if (ingest.pending >= QUEUE_HIGH_WATER) held++;
      return ready();
    };
    const handle = ingest.handle.bind(ingest);
    ingest.handle = (topic, payload) => {
      handle(topic, payload);
      maxPending = Math.max(maxPending, ingest.pending);
    };
    try {
      const messages = 3 * QUEUE_HIGH_WATER;
      const events = Array.from({ length: messages * 5 }, (_, i) => event(i + 1));
      for (let m = 0; m < messages; m++) {
        void k.client.publish(kioskTopic(prefix, 'l-bp', 'events'), JSON.stringify(batch('l-bp', events.slice(m * 5, m * 5 + 5))), {
          qos: 1,
        });
      }
      await until(() => (held > 0 ? true : undefined), 'a message held back at the high-water mark');
      expect(k.ackedIds()).toEqual([]); // nothing acked before the commit
      release();
      await until(() => (k.ackedIds().length >= events.length ? true : undefined), 'every event acked', 20_000);
      expect(new Set(k.ackedIds())).toEqual(new Set(events.map((e) => e.id)));
      expect(maxPending).toBeLessThan(messages); // the queue stayed bounded: the rest waited in the broker
      const detail = await getJson(s.app, '/api/v1/kiosks/l-bp');
      expect(detail.counters).toMatchObject({ received: events.length, duplicates: 0, lastSeq: events.length });
      expect(detail.gaps).toEqual([]);
    } finally {
      release();
      store.commitIngest = commit;
      ingest.whenBelowHighWater = ready;
      ingest.handle = handle;
      await k.client.endAsync();
    }
  });
});
