/**
 * The load bench's baseline: the same aedes broker the gateway embeds (with its retained-message
 * index), no authentication check, no database, and an in-process subscriber that acks every event
 * at once. What the same fleet gets from it is the ceiling of broker + kiosk workers on this machine;
 * the gateway's presses/s are reported as a ratio to it. Run as its own process, like the gateway:
 * `node dist/bench/bare-broker.js` prints `{"msg":"bare broker ready","mqttPort":…}` on stdout.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { BROKER_CONCURRENCY, indexRetained } from '../gateway/src/mqtt/broker.js';
import { DEFAULT_TOPIC_PREFIX, fleetTopic, kioskTopic, parseKioskTopic } from '../shared/src/index.js';

const prefix = process.env.LB_TOPIC_PREFIX ?? DEFAULT_TOPIC_PREFIX;
const broker = await Aedes.createBroker({ maxClientsIdLength: 128, concurrency: BROKER_CONCURRENCY });
indexRetained((broker as unknown as { persistence: Parameters<typeof indexRetained>[0] }).persistence);

/**
 * Acks the batch's event ids to its kiosk: the gateway's answer, without validation or a commit. On the
 * next turn of the loop, as the gateway answers after its commit: called back at once, mqemitter would
 * deliver the next queued message from inside this one, and at saturation the stack overflows.
 */
function ackAtOnce(packet: AedesPublishPacket, done: () => void): void {
  setImmediate(() => {
    const kioskId = parseKioskTopic(prefix, packet.topic)?.kioskId;
    let ids: string[] = [];
    try {
      ids = (JSON.parse(packet.payload.toString()) as { events?: { id: string }[] }).events?.map((e) => e.id) ?? [];
    } catch {
      // not JSON: nothing to ack, as the gateway would dead-letter it
    }
    if (kioskId && ids.length > 0) {
      const ack = {
        cmd: 'publish',
        topic: kioskTopic(prefix, kioskId, 'acks'),
        payload: Buffer.from(JSON.stringify({ v: 1, ids })),
        qos: 1,
        retain: false,
        dup: false,
      } as const;
      broker.publish(ack as AedesPublishPacket, () => undefined);
    }
    done();
  });
}

await new Promise<void>((resolve) => broker.subscribe(fleetTopic(prefix, 'events'), ackAtOnce, resolve));
// noDelay as the gateway's listener (an ack is a partial TCP segment).
const server = net.createServer({ noDelay: true }, (socket) => broker.handle(socket));
server.listen(Number(process.env.LB_MQTT_PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'bare broker ready', mqttPort: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
