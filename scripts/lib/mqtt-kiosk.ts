/** A kiosk at the wire level over MQTT.js, for tests and benchmarks that time or inspect each ack. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { DEFAULT_TOPIC_PREFIX, kioskTopic, type AckMessage, type ArmMessage, type Event } from '../../shared/src/index.js';

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
  const arms: ArmMessage[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload) => {
    if (topic === kioskTopic(prefix, id, 'acks')) received.push(JSON.parse(payload.toString()) as AckMessage);
    if (topic === kioskTopic(prefix, id, 'arm')) arms.push(JSON.parse(payload.toString()) as ArmMessage);
    for (const w of waiters.splice(0)) w();
  });
  /** The next message of `list`, waiting up to `ms`. */
  const next = async <T>(list: T[], what: string, ms: number): Promise<T> => {
    const deadline = Date.now() + ms;
    while (list.length === 0) {
      if (Date.now() > deadline) throw new Error(`no ${what} for ${id} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return list.shift()!;
  };
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
    nextAck: (ms = 5000): Promise<AckMessage> => next(received, 'ack', ms),
    /** Subscribes to the kiosk's `arm` topic (armed mode); resolves with the broker's granted QoS (128: refused). */
    subscribeArm: async (): Promise<number> => (await client.subscribeAsync(kioskTopic(prefix, id, 'arm'), { qos: 1 }))[0]!.qos,
    /** The next ArmMessage received (after subscribeArm), waiting up to `ms`. */
    nextArm: (ms = 5000): Promise<ArmMessage> => next(arms, 'arm message', ms),
    /** ArmMessages received and not yet taken. */
    pendingArms: () => arms.length,
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
