/**
 * The gateway's MQTT.js connection to an external broker (Mosquitto or any MQTT 3.1.1/5 broker).
 * Options override MQTT.js defaults on purpose (see comments).
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { fleetTopic } from '../../../shared/src/index.js';
import type { BrokerLink } from './link.js';

export interface MqttJsLinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  prefix: string;
  log: Logger;
  /** Warn (and keep retrying) when the first connection takes longer than this. */
  firstConnectWarnMs?: number;
}

export function mqttJsLink(o: MqttJsLinkOptions): BrokerLink {
  let client: MqttClient | undefined;
  return {
    async start(h) {
      const c = mqtt.connect(o.url, {
        clientId: o.clientId, // stable, so a persistent session finds us again after a restart
        clean: false, // with QoS 1 subscriptions the broker queues events while we are away
        protocolVersion: 4, // with Mosquitto and MQTT 3.1.1, clean:false persists the session
        username: o.username,
        password: o.password,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        keepalive: 30,
      });
      client = c;
      // Hold the PUBACK while the ingest queue is full: the broker then stops sending (backpressure).
      // MQTT.js emits 'message' only after this callback.
      c.handleMessage = (_packet, callback) => {
        h.ready().then(() => callback(), callback);
      };
      // Attached right after connect(): messages queued in our session arrive with the CONNACK.
      c.on('message', (topic, payload) => h.message(topic, payload));
      c.on('connect', (connack) => {
        o.log.info({ sessionPresent: connack.sessionPresent }, 'mqtt connected');
        if (!connack.sessionPresent) subscribe(c, o);
        h.connected();
      });
      c.on('error', (err) => o.log.warn({ err: err.message }, 'mqtt client error'));
      c.on('offline', () => o.log.warn('mqtt offline; reconnecting'));
      // An unreachable broker does not stop the gateway from starting: the REST API works meanwhile.
      const warnMs = o.firstConnectWarnMs ?? 10_000;
      const timer = setTimeout(() => o.log.warn(`no MQTT connection within ${warnMs} ms; will keep retrying`), warnMs).unref();
      c.once('connect', () => clearTimeout(timer));
      c.once('end', () => clearTimeout(timer));
    },
    publish(topic, payload, { retain }) {
      return new Promise((resolve) => {
        if (!client) return resolve(false);
        client.publish(topic, payload, { qos: 1, retain }, (err) => {
          if (err) o.log.warn({ topic, err: err.message }, 'mqtt publish failed');
          resolve(!err);
        });
      });
    },
    connected: () => client?.connected ?? false,
    async stop() {
      await client?.endAsync();
    },
  };
}

function subscribe(client: MqttClient, o: MqttJsLinkOptions): void {
  const topics = [fleetTopic(o.prefix, 'events'), fleetTopic(o.prefix, 'status')];
  client.subscribe(topics, { qos: 1 }, (err, granted) => {
    if (err) return o.log.error({ err: err.message }, 'mqtt subscribe failed');
    const refused = (granted ?? []).filter((g) => g.qos === 128);
    if (refused.length) o.log.error({ topics: refused.map((g) => g.topic) }, 'mqtt subscription refused by broker');
  });
}
