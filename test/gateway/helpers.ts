/** Real gateway (in-memory SQLite, embedded broker on a random port) and real MQTT.js kiosks. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../gateway/src/app.js';
import { testConfig, type GatewayConfig } from '../../gateway/src/config.js';
import { DEFAULT_TOPIC_PREFIX, kioskTopic, type AckMessage, type Event } from '../../shared/src/index.js';

export const ADMIN_TOKEN = 'test-admin-token';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const prefix = DEFAULT_TOPIC_PREFIX;

export async function startGateway(overrides: Partial<GatewayConfig> = {}, opts: BuildOptions = {}): Promise<{ app: FastifyInstance; mqttUrl: string }> {
  const app = await buildApp(testConfig({ adminToken: ADMIN_TOKEN, ...overrides }), opts);
  await app.ready();
  return { app, mqttUrl: `mqtt://127.0.0.1:${app.gateway.mqtt.brokerPort}` };
}

export async function registerKiosk(app: FastifyInstance, id: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload: { id, ...body } });
  if (res.statusCode !== 201) throw new Error(`register ${id}: ${res.statusCode} ${res.body}`);
  return res.json().mqtt.password as string;
}

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

/** Resolves when the broker (or anyone) closes the client's connection. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** A kiosk subscribed to its acks; `acks()` yields ack messages in arrival order. */
export async function kiosk(url: string, id: string, password: string) {
  const client = await connect(url, { clientId: id, username: id, password });
  const received: AckMessage[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload) => {
    if (topic === kioskTopic(prefix, id, 'acks')) received.push(JSON.parse(payload.toString()) as AckMessage);
    waiters.splice(0).forEach((w) => w());
  });
  await client.subscribeAsync(kioskTopic(prefix, id, 'acks'), { qos: 1 });
  return {
    client,
    publishEvents: (payload: unknown) =>
      client.publishAsync(kioskTopic(prefix, id, 'events'), typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), { qos: 1 }),
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

/** Polls `probe` until it returns a value other than undefined, or fails at the deadline. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function getJson(app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url, headers: admin });
  return res.json();
}
