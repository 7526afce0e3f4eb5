/**
 * The gateway's MQTT.js connection to an external broker (Mosquitto or any MQTT 3.1.1/5 broker).
 * Options override MQTT.js defaults on purpose (see comments).
 *
 * Two modes:
 * - One gateway (no share group): MQTT 3.1.1, persistent session under a stable client id. While the
 *   gateway restarts, the broker queues the kiosks' events for it and hands them over on reconnect.
 * - Several gateways (`shareGroup`, LB_MQTT_SHARE_GROUP): MQTT 5 shared subscriptions
 *   `$share/<group>/<prefix>/kiosks/+/events` (and status), so the broker gives each message to one
 *   gateway of the group. Shared subscriptions are defined by MQTT 5 only (Mosquitto also accepts them
 *   from 3.1.1 clients, other brokers need not), hence protocol 5 here. The session is *clean* (Clean
 *   Start, Session Expiry Interval 0: it ends with the connection), because a persistent session in a
 *   share group hoards: Mosquitto deals each message round-robin to the next member of the group
 *   whether that member is connected or not (src/subs.c, subs__shared_process), so a SIGKILLed gateway
 *   whose session outlived it would keep being dealt its share, queued for a client that may never come
 *   back. With a clean session the dead gateway leaves the group as soon as the broker notices the
 *   connection is gone, and every later message goes to the survivors. What it had in flight (received,
 *   not yet committed and acked) is dropped by the broker rather than passed on (eclipse/mosquitto#2662);
 *   nothing is lost, because the kiosk resends every batch not app-acked within its timeout, and the
 *   gateways are idempotent on the event id. The same covers the moment no gateway is subscribed.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { gatewayTopics, type BrokerLink } from './link.js';

export interface MqttJsLinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  prefix: string;
  /** MQTT 5 shared-subscription group shared with the other gateways; each needs its own `clientId`. */
  shareGroup?: string;
  /** mqtts:/wss: trust only this CA (PEM) for the broker's certificate, instead of the system's. */
  ca?: Buffer;
  log: Logger;
  /** Warn (and keep retrying) when the first connection takes longer than this. */
  firstConnectWarnMs?: number;
}

/** A connection closed within this long after CONNACK counts as short-lived… */
const SHORT_LIVED_MS = 10_000;
/** …and this many in a row (and every further such run) are reported. */
const SHORT_LIVED_ALARM = 3;

export function mqttJsLink(o: MqttJsLinkOptions): BrokerLink {
  let client: MqttClient | undefined;
  let stopping = false;
  return {
    async start(h) {
      const session = o.shareGroup
        ? // Several gateways: clean MQTT 5 session that ends with the connection (see the file comment).
          ({ clean: true, protocolVersion: 5, properties: { sessionExpiryInterval: 0 } } as const)
        : // One gateway: with QoS 1 subscriptions the broker queues events while we are away; with
          // Mosquitto and MQTT 3.1.1, clean:false persists the session.
          ({ clean: false, protocolVersion: 4 } as const);
      const c = mqtt.connect(o.url, {
        // Stable, so a persistent session finds us again after a restart. Unique per gateway: a second
        // connection with the same id takes the session over and the broker drops the first one.
        clientId: o.clientId,
        ...session,
        username: o.username,
        password: o.password,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        // Short: a gateway that hangs (process frozen, host gone) keeps being dealt its share of a shared
        // subscription until the broker gives up on it, at 1.5 × this. A ping every 10 s costs nothing.
        keepalive: 10,
        ...(o.ca ? { ca: o.ca, rejectUnauthorized: true } : {}),
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
        o.log.info({ sessionPresent: connack.sessionPresent, shareGroup: o.shareGroup ?? null }, 'mqtt connected');
        if (!connack.sessionPresent) subscribe(c, o);
        h.connected();
      });
      c.on('error', (err) => o.log.warn({ err }, 'mqtt client error'));
      // Two gateways given one client id take the session from each other in a loop, each connection
      // closed by the broker as soon as the other reconnects. MQTT 5 brokers may say so (DISCONNECT
      // 0x8E, session taken over); Mosquitto 2.0.11 just closes the socket, so also notice connections
      // that keep closing right after they were established.
      c.on('disconnect', (packet) => {
        if (packet.reasonCode === 0x8e) {
          o.log.error(
            { clientId: o.clientId },
            'mqtt session taken over by another client with the same id; give each gateway its own LB_MQTT_CLIENT_ID',
          );
        } else {
          o.log.warn({ reasonCode: packet.reasonCode }, 'mqtt broker disconnected us');
        }
      });
      let connectedAt = 0;
      let shortLived = 0;
      c.on('connect', () => (connectedAt = Date.now()));
      c.on('close', () => {
        if (connectedAt === 0 || stopping) return;
        shortLived = Date.now() - connectedAt < SHORT_LIVED_MS ? shortLived + 1 : 0;
        connectedAt = 0;
        if (shortLived > 0 && shortLived % SHORT_LIVED_ALARM === 0) {
          o.log.error(
            { clientId: o.clientId, times: shortLived },
            'mqtt connection keeps being closed right after connecting; if another client uses the same client id, give each gateway its own LB_MQTT_CLIENT_ID',
          );
        }
      });
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
          if (err) o.log.warn({ topic, err }, 'mqtt publish failed');
          resolve(!err);
        });
      });
    },
    connected: () => client?.connected ?? false,
    async stop() {
      stopping = true;
      await client?.endAsync();
    },
  };
}

function subscribe(client: MqttClient, o: MqttJsLinkOptions): void {
  const topics = gatewayTopics(o.prefix, o.shareGroup);
  client.subscribe(topics, { qos: 1 }, (err, granted) => {
    if (err) return o.log.error({ err }, 'mqtt subscribe failed');
    // 0x80 in MQTT 3.1.1; MQTT 5 reason codes ≥ 0x80 (e.g. 0x87 not authorized, 0x9E shared subscriptions unsupported).
    const refused = (granted ?? []).filter((g) => g.qos >= 0x80);
    if (refused.length) return o.log.error({ topics: refused.map((g) => g.topic) }, 'mqtt subscription refused by broker');
    o.log.info({ topics }, 'mqtt subscribed');
  });
}
