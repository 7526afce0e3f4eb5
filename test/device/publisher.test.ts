import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SqliteOutbox } from '../../device/src/outbox.js';
import { Publisher, type PublisherOptions } from '../../device/src/publisher.js';
import { deferCleanup, press, runCleanups, silentLog, tempDir } from './helpers.js';
import { type AckPolicy, brokerAndGateway, dropClient, FakeGateway, startBroker } from './mqtt-helpers.js';

afterEach(runCleanups);

async function setup(gatewayPolicy?: AckPolicy, over: Partial<PublisherOptions> = {}) {
  const { gateway, ...mq } = await brokerAndGateway(gatewayPolicy);
  const outbox = new SqliteOutbox(join(tempDir(), 'outbox.db'));
  deferCleanup(() => outbox.close());
  const publisher = new Publisher({
    url: mq.url,
    username: 'k1',
    kioskId: 'k1',
    topicPrefix: 'lb/v1',
    outbox,
    log: silentLog,
    batchSize: 500,
    inFlightBatches: 4,
    ackTimeoutMs: 60_000,
    statusIntervalMs: 60_000,
    status: () => ({ outbox: { ...outbox.stats(Date.now()), memoryHeld: 0 } }),
    onConfig: () => undefined,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    ...over,
  });
  deferCleanup(() => publisher.stop());
  return { ...mq, gateway, outbox, publisher };
}

const waitConnected = (p: Publisher) => vi.waitFor(() => expect(p.connected).toBe(true), { timeout: 5000 });

describe('Publisher against a real broker (aedes) and a fake gateway', () => {
  it('sends the backlog in batches of ≤ 500 and marks rows delivered only on the gateway ack', async () => {
    const { outbox, publisher, gateway } = await setup();
    for (let i = 0; i < 1200; i++) outbox.append(press());
    publisher.start();
    await vi.waitFor(() => expect(outbox.stats(Date.now()).pending).toBe(0), { timeout: 5000 });
    expect(gateway.batchSizes).toEqual([500, 500, 200]);
    expect(gateway.received.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(publisher.counters.eventsAcked).toBe(1200);
  });

  it('a broker PUBACK alone marks nothing; unacked events are retransmitted after the ack timeout', async () => {
    const { outbox, publisher, gateway } = await setup(
      (events, delivery) => (delivery === 1 ? undefined : { ids: events.map((e) => e.id) }),
      { ackTimeoutMs: 300 },
    );
    const event = outbox.append(press());
    publisher.start();
    await vi.waitFor(() => expect(gateway.received.length).toBe(1), { timeout: 5000 });
    expect(outbox.stats(Date.now()).pending).toBe(1); // PUBACKed by the broker, not acked by the gateway
    await vi.waitFor(() => expect(outbox.stats(Date.now()).pending).toBe(0), { timeout: 5000 });
    expect(gateway.timesReceived(event.id)).toBe(2);
    expect(publisher.counters.retransmits).toBe(1);
  });

  it('retransmits unacked events immediately after a reconnect (long ack timeout)', async () => {
    const { outbox, publisher, gateway, broker } = await setup((events, delivery) =>
      delivery === 1 ? undefined : { ids: events.map((e) => e.id) },
    );
    const event = outbox.append(press());
    publisher.start();
    await vi.waitFor(() => expect(gateway.received.length).toBe(1), { timeout: 5000 });
    dropClient(broker, 'k1'); // the connection drops
    await vi.waitFor(() => expect(outbox.stats(Date.now()).pending).toBe(0), { timeout: 5000 });
    expect(gateway.timesReceived(event.id)).toBe(2);
    expect(publisher.counters.retransmits).toBe(0); // not the timeout: the reconnect
    expect(publisher.counters.connects).toBe(2);
  });

  it('events the gateway rejects are marked rejected and never sent again; new ones still flow', async () => {
    const { outbox, publisher, gateway, broker } = await setup((events) => ({
      ids: events.filter((e) => e.panel !== 'ghost').map((e) => e.id),
      rejected: events.filter((e) => e.panel === 'ghost').map((e) => ({ id: e.id, reason: 'unknown panel' })),
    }));
    const bad = outbox.append(press({ panel: 'ghost' }));
    const good = outbox.append(press());
    publisher.start();
    await vi.waitFor(() => expect(outbox.stats(Date.now()).pending).toBe(0), { timeout: 5000 });
    expect(outbox.stateOf(bad.id)).toEqual({ state: 'rejected', reason: 'unknown panel' });
    expect(outbox.stateOf(good.id)?.state).toBe('delivered');
    dropClient(broker, 'k1'); // a new round after reconnect must not resend it
    const later = outbox.append(press());
    await vi.waitFor(() => expect(outbox.stateOf(later.id)?.state).toBe('pending'));
    publisher.notify();
    await vi.waitFor(() => expect(outbox.stateOf(later.id)?.state).toBe('delivered'), { timeout: 5000 });
    expect(gateway.timesReceived(bad.id)).toBe(1);
  });

  it('survives a disk that refuses to record an ack (SQLITE_FULL): rows stay pending and are settled later', async () => {
    // Found by the chaos suite: a full kiosk disk made markDelivered throw inside the MQTT message
    // handler, an uncaught exception that killed the agent (and any press held in memory with it).
    const { outbox, publisher, gateway } = await setup(undefined, { ackTimeoutMs: 300 });
    let diskFull = true;
    const markDelivered = outbox.markDelivered.bind(outbox);
    outbox.markDelivered = (ids, nowMs) => {
      if (diskFull) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return markDelivered(ids, nowMs);
    };
    const event = outbox.append(press());
    publisher.start();
    await vi.waitFor(() => expect(gateway.received.length).toBeGreaterThanOrEqual(1), { timeout: 5000 });
    await vi.waitFor(() => expect(gateway.timesReceived(event.id)).toBeGreaterThanOrEqual(2), { timeout: 5000 }); // resent: still pending
    expect(outbox.stateOf(event.id)?.state).toBe('pending');
    diskFull = false;
    await vi.waitFor(() => expect(outbox.stateOf(event.id)?.state).toBe('delivered'), { timeout: 5000 });
  });

  it('keeps delivering across a broker restart', async () => {
    const first = await setup();
    const { outbox, publisher } = first;
    publisher.start();
    await waitConnected(publisher);
    const port = Number(new URL(first.url).port);
    await first.gateway.stop();
    await new Promise<void>((resolve) => first.broker.close(() => resolve()));
    await new Promise<void>((resolve) => first.server.close(() => resolve()));
    await vi.waitFor(() => expect(publisher.connected).toBe(false));
    const event = outbox.append(press()); // committed while the broker is down
    publisher.notify();

    const restarted = await startBroker(port);
    deferCleanup(() => restarted.close());
    const gateway = new FakeGateway(first.url);
    await gateway.start();
    deferCleanup(() => gateway.stop());
    await vi.waitFor(() => expect(outbox.stateOf(event.id)?.state).toBe('delivered'), { timeout: 5000 });
  });

  it('publishes a retained online status, and the last will turns it offline when the link dies', async () => {
    const { publisher, broker, url } = await setup();
    publisher.start();
    await waitConnected(publisher);
    const watcher = await mqtt.connectAsync(url);
    deferCleanup(() => watcher.endAsync());
    const states: string[] = [];
    watcher.on('message', (_t, payload) => states.push((JSON.parse(payload.toString()) as { state: string }).state));
    await watcher.subscribeAsync('lb/v1/kiosks/k1/status', { qos: 1 });
    await vi.waitFor(() => expect(states).toEqual(['online']));
    dropClient(broker, 'k1', true); // no DISCONNECT packet: the broker publishes the will
    await vi.waitFor(() => expect(states).toContain('offline'));
  });
});
