/**
 * The gateway inside the embedded broker's process: it subscribes to aedes directly (no TCP loopback,
 * no second MQTT encode/parse of every 150 KB batch) and publishes through it.
 *
 * What aedes 1.2 does with this (lib/handlers/publish.js, aedes.js, mqemitter):
 * - A kiosk's QoS 1 PUBLISH is PUBACKed to the kiosk, then `broker.publish` emits it to the matching
 *   mqemitter listeners — ours included — and completes only when every listener called its callback.
 *   Until then aedes reads nothing more from that kiosk's socket, so holding our callback while the
 *   ingest queue is full is backpressure on the sender, as holding the PUBACK is for MQTT.js.
 * - A listener gets the packet once with whatever QoS it was published with; there is no session,
 *   no retained replay and no redelivery for it. None is needed: a kiosk resends until our
 *   application ack, and we subscribe before the broker accepts connections, so even retained
 *   status messages are seen live.
 * - `broker.publish(packet, cb)` runs exactly the steps a client's PUBLISH runs after authorization
 *   (store retained, enqueue for every persistent subscription — kiosks with clean:false sessions,
 *   online or not — emit to live subscribers), so acks and configs reach offline-then-reconnecting
 *   kiosks as they did when the gateway published over its own TCP connection. `cb` fires after
 *   the retained copy is stored and the message is queued for each subscriber.
 */
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { gatewayTopics, type BrokerLink, type LinkHandlers } from './link.js';

const STOP_WAIT_MS = 2000;

export function inProcessLink(broker: Aedes, prefix: string, log: Logger): BrokerLink {
  const topics = gatewayTopics(prefix);
  let handlers: LinkHandlers | undefined;
  let running = false;
  /** Publishes not yet handed to every subscriber; `stop()` lets them finish (acks sent at shutdown). */
  const inFlight = new Set<Promise<boolean>>();

  function deliver(packet: AedesPublishPacket, callback: () => void): void {
    const h = handlers;
    if (!running || !h) {
      callback();
      return;
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    h.ready().then(
      () => {
        h.message(packet.topic, payload);
        callback();
      },
      () => callback(),
    );
  }

  const call = (fn: (done: () => void) => void) => new Promise<void>((resolve) => fn(resolve));

  return {
    async start(h) {
      handlers = h;
      running = true;
      for (const topic of topics) await call((done) => broker.subscribe(topic, deliver, done));
      h.connected();
    },
    publish(topic, payload, { retain }) {
      const sent = new Promise<boolean>((resolve) => {
        if (!running || broker.closed) return resolve(false);
        broker.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (err) => {
          if (err) log.warn({ topic, err }, 'mqtt publish failed');
          resolve(!err);
        });
      });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      return sent;
    },
    connected: () => running && !broker.closed,
    async stop() {
      if (!running) return;
      running = false;
      // Bounded: a kiosk whose socket is not draining must not hold up shutdown (it will get a resend ack).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(inFlight), new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
      clearTimeout(timer);
      for (const topic of topics) await call((done) => broker.unsubscribe(topic, deliver, done));
    },
  };
}
