import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { Event, EventsMessage } from '../../shared/src/index.js';
import { deferCleanup } from './helpers.js';

/** An in-process aedes broker, on a random port unless given one. */
export async function startBroker(port = 0): Promise<{ broker: Aedes; server: Server; url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { broker, server, url, close };
}

/** Drops the kiosk's connection from the broker side (aedes keeps clients by id; its types omit it). */
export function dropClient(broker: Aedes, clientId: string, abrupt = false): void {
  const client = (broker as unknown as { clients: Record<string, { close(): void; conn: { destroy(): void } }> }).clients[clientId];
  if (!client) throw new Error(`no client ${clientId}`);
  if (abrupt) client.conn.destroy();
  else client.close();
}

export type AckPolicy = (events: Event[], delivery: number) => { ids?: string[]; rejected?: { id: string; reason: string }[] } | undefined;

/** Plays the gateway: records every event received (with repeats) and acks per policy. */
export class FakeGateway {
  readonly received: Event[] = [];
  readonly batchSizes: number[] = [];
  private deliveries = 0;
  client!: MqttClient;

  constructor(
    private readonly url: string,
    public policy: AckPolicy = (events) => ({ ids: events.map((e) => e.id) }),
  ) {}

  async start(): Promise<void> {
    this.client = await mqtt.connectAsync(this.url, { clientId: `gw-${Math.random()}` });
    this.client.on('message', (topic, payload) => {
      if (!topic.endsWith('/events')) return;
      const message = JSON.parse(payload.toString()) as EventsMessage;
      this.received.push(...message.events);
      this.batchSizes.push(message.events.length);
      const ack = this.policy(message.events, ++this.deliveries);
      if (ack) this.client.publish(topic.replace(/events$/, 'acks'), JSON.stringify({ v: 1, ...ack }), { qos: 1 });
    });
    await this.client.subscribeAsync('lb/v1/kiosks/+/events', { qos: 1 });
  }

  timesReceived(id: string): number {
    return this.received.filter((e) => e.id === id).length;
  }

  async stop(): Promise<void> {
    await this.client.endAsync();
  }
}

/** A broker and a FakeGateway on it, both stopped by the test's cleanups. */
export async function brokerAndGateway(policy?: AckPolicy) {
  const mq = await startBroker();
  deferCleanup(() => mq.close());
  const gateway = new FakeGateway(mq.url, policy);
  await gateway.start();
  deferCleanup(() => gateway.stop());
  return { ...mq, gateway };
}
