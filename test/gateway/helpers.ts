/** Real gateway (in-memory SQLite, embedded broker on a random port) and real MQTT.js kiosks. */
import type { MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../gateway/src/app.js';
import { testConfig, type GatewayConfig } from '../../gateway/src/lib/config.js';
import { DEFAULT_TOPIC_PREFIX } from '../../shared/src/index.js';

export { batch, connect, event, kiosk } from '../../scripts/lib/mqtt-kiosk.js';

export const ADMIN_TOKEN = 'test-admin-token';
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const prefix = DEFAULT_TOPIC_PREFIX;

export async function startGateway(
  overrides: Partial<GatewayConfig> = {},
  opts: BuildOptions = {},
): Promise<{ app: FastifyInstance; mqttUrl: string }> {
  const app = await buildApp(testConfig({ adminToken: ADMIN_TOKEN, ...overrides }), opts);
  await app.ready();
  return { app, mqttUrl: `mqtt://127.0.0.1:${app.gateway.mqtt.brokerPort}` };
}

export async function registerKiosk(app: FastifyInstance, id: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload: { id, ...body } });
  if (res.statusCode !== 201) throw new Error(`register ${id}: ${res.statusCode} ${res.body}`);
  return res.json().mqtt.password as string;
}

/** Resolves when the broker (or anyone) closes the client's connection. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
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
