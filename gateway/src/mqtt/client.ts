/**
 * The gateway's MQTT.js connection, the same for the embedded and an external broker.
 * Options override MQTT.js defaults on purpose (see comments).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { fleetTopic } from '../../../shared/src/index.js';
import type { Ingest } from '../ingest/ingest.js';

export interface GatewayClientOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  prefix: string;
  ingest: Ingest;
  log: Logger;
}

export function connectGatewayClient(o: GatewayClientOptions): MqttClient {
  const client = mqtt.connect(o.url, {
    clientId: o.clientId, // stable, so a persistent session finds us again after a restart
    clean: false, // with QoS 1 subscriptions the broker queues events while we are away
    protocolVersion: 4, // aedes speaks 3.1.1 only; with Mosquitto 3.1.1 clean:false persists the session
    username: o.username,
    password: o.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    keepalive: 30,
  });
  // Hold the PUBACK while the ingest queue is full: the broker then stops sending (backpressure).
  client.handleMessage = (_packet, callback) => {
    o.ingest.whenBelowHighWater().then(() => callback(), callback);
  };
  // Attached right after connect(): messages queued in our session arrive with the CONNACK.
  client.on('message', (topic, payload) => o.ingest.handle(topic, payload));
  client.on('connect', (connack) => {
    o.log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected');
    if (!connack.sessionPresent) subscribe(client, o);
  });
  client.on('error', (err) => o.log.warn({ err: err.message }, 'mqtt client error'));
  client.on('offline', () => o.log.warn('mqtt offline; reconnecting'));
  return client;
}

function subscribe(client: MqttClient, o: GatewayClientOptions): void {
  const topics = [fleetTopic(o.prefix, 'events'), fleetTopic(o.prefix, 'status')];
  client.subscribe(topics, { qos: 1 }, (err, granted) => {
    if (err) return o.log.error({ err: err.message }, 'mqtt subscribe failed');
    const refused = (granted ?? []).filter((g) => g.qos === 128);
    if (refused.length) o.log.error({ topics: refused.map((g) => g.topic) }, 'mqtt subscription refused by broker');
  });
}

/** Resolves on the first CONNACK, rejects after `timeoutMs`. */
export function firstConnect(client: MqttClient, timeoutMs: number): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no MQTT connection within ${timeoutMs} ms`)), timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
