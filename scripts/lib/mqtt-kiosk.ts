/** A kiosk at the wire level over MQTT.js, for tests and benchmarks that time or inspect each ack. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { DEFAULT_TOPIC_PREFIX, kioskTopic, type AckMessage, type Event } from '../../shared/src/index.js';

const prefix = DEFAULT_TOPIC_PREFIX;

/** Resolves with the connected client, rejects with the broker's refusal. */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...opts });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** A kiosk subscribed to its acks; `nextAck()` returns them in arrival order. */
export async function kiosk(url: string, id: string, password: string) {
  const client = await connect(url, { clientId: id, username: id, password });
  const received: AckMessage[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload) => {
    if (topic === kioskTopic(prefix, id, 'acks')) received.push(JSON.parse(payload.toString()) as AckMessage);
    for (const w of waiters.splice(0)) w();
  });
  await client.subscribeAsync(kioskTopic(prefix, id, 'acks'), { qos: 1 });
  return {
    client,
    publishEvents: (payload: unknown) =>
      client.publishAsync(
        kioskTopic(prefix, id, 'events'),
        typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
        { qos: 1 },
      ),
    /** The next ack message, waiting up to `ms`. */
    async nextAck(ms = 5000): Promise<AckMessage> {
      const deadline = Date.now() + ms;
      while (received.length === 0) {
        if (Date.now() > deadline) throw new Error(`no ack for ${id} within ${ms} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.shift()!;
    },
    close: () => client.endAsync(),
  };
}

let seqBase = 0;
export function event(seq: number, overrides: Partial<Event> & Record<string, unknown> = {}): Event {
  seqBase++;
  return {
    id: ulid(),
    seq,
    panel: 'desk',
    button: (['good', 'neutral', 'bad'] as const)[seqBase % 3]!,
    at: new Date(Date.now() - 1000).toISOString(),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: 1000 + seq,
    flags: [],
    ...overrides,
  } as Event;
}

export function batch(kioskId: string, events: unknown[]): { v: 1; kioskId: string; events: unknown[] } {
  return { v: 1, kioskId, events };
}
