/**
 * Embedded MQTT broker (aedes, MQTT 3.1.1) with authentication from the first version: registered
 * kiosks (username = kiosk id); nobody else. The gateway itself is inside the process and reaches
 * aedes directly (in-process-link.ts), never over TCP.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { MAX_PAYLOAD_BYTES } from '../../../shared/src/index.js';
import type { Store } from '../store/store.js';
import { verifySecret } from '../secrets.js';
import { mayPublish, maySubscribe, type Identity } from './acl.js';

/** Hard cap on one MQTT packet; larger payloads than the contract's still arrive, to be dead-lettered. */
export const MAX_PACKET_BYTES = 2 * MAX_PAYLOAD_BYTES;

export interface BrokerOptions {
  host: string;
  port: number;
  prefix: string;
  store: Store;
  log: Logger;
}

export interface EmbeddedBroker {
  /** For the in-process link; subscribe before `listen()` so no kiosk message precedes us. */
  aedes: Aedes;
  /** Starts accepting kiosk connections; resolves with the bound port. */
  listen(): Promise<number>;
  /** Drops a kiosk's live connections (after a credential rotation). */
  disconnectKiosk(kioskId: string): void;
  close(): Promise<void>;
}

function authError(message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: 4 as const });
}

/** aedes has no packet size limit: refuse a packet as soon as its header announces it is too big. */
function limitPacketSize(client: Client, log: Logger): void {
  const parser = (client as unknown as { _parser: Record<string, unknown> })._parser;
  const parseLength = parser._parseLength as () => boolean;
  parser._parseLength = function guardedParseLength(this: { packet: { length: number }; _emitError(e: Error): void }) {
    const done = parseLength.call(this);
    if (done && this.packet.length > MAX_PACKET_BYTES) {
      log.warn({ bytes: this.packet.length }, 'mqtt packet too large; closing connection');
      this._emitError(new Error(`packet of ${this.packet.length} bytes exceeds ${MAX_PACKET_BYTES}`));
      return false;
    }
    return done;
  };
}

interface RetainedStore {
  storeRetained(packet: AedesPublishPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * aedes' memory persistence answers every SUBSCRIBE by testing *every* retained topic against the
 * pattern (aedes-persistence 11, retainedMessagesByPattern). Each kiosk keeps a retained status, and
 * re-subscribes to its acks and config on every connect: with 10 000 kiosks that is ~6 ms of blocked
 * event loop per connect, a minute for a fleet reconnecting at once (measured: 10 000 connects took
 * 36 s). Kiosks may only subscribe to exact topics (acl.ts), so those are answered from a map;
 * wildcard patterns still take the original scan.
 */
export function indexRetained(persistence: RetainedStore): void {
  const byTopic = new Map<string, AedesPublishPacket>();
  const store = persistence.storeRetained.bind(persistence);
  const scan = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.storeRetained = async (packet) => {
    await store(packet);
    // As the persistence does: an empty retained payload deletes the topic's retained message.
    if (packet.payload.length === 0) byTopic.delete(packet.topic);
    else byTopic.set(packet.topic, { ...packet });
  };
  persistence.createRetainedStreamCombi = (patterns) => {
    if (patterns.some((p) => p.includes('+') || p.includes('#'))) return scan(patterns);
    return Readable.from(patterns.flatMap((p) => byTopic.get(p) ?? []));
  };
}

export async function createBroker(o: BrokerOptions): Promise<EmbeddedBroker> {
  const identities = new WeakMap<Client, Identity>();
  const broker = await Aedes.createBroker({
    maxClientsIdLength: 128, // kiosk ids alone may be 64 characters
    authenticate(client, username, password, done) {
      authenticate(o.store, username, password)
        .then((who) => {
          if (!who) return done(authError('bad username or password'), false);
          identities.set(client, who);
          done(null, true);
        })
        .catch((err: Error) => done(authError(err.message), false));
    },
    authorizePublish(client, packet, done) {
      const who = client && identities.get(client);
      if (!client || (who && mayPublish(o.prefix, who, packet.topic))) return done(null);
      o.log.warn({ kioskId: client.id, topic: packet.topic }, 'mqtt publish refused');
      done(new Error('publish not authorized'));
    },
    authorizeSubscribe(client, sub, done) {
      const who = identities.get(client);
      if (who && maySubscribe(o.prefix, who, sub.topic)) return done(null, sub);
      o.log.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe refused');
      done(null, null); // SUBACK failure (0x80); the connection stays up
    },
  });
  indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
  broker.on('clientError', (client, err) => o.log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
  // noDelay: an ack (~15 KB for 500 ids) is a partial TCP segment; with Nagle it waits for the
  // kiosk's delayed ACK of the previous one (up to 40 ms on Linux), which stalls a kiosk's send window.
  // Measured: 4 kiosks × window 4 went from ~150k to ~200k events/s with it.
  const server = net.createServer({ noDelay: true }, (socket) => limitPacketSize(broker.handle(socket), o.log));
  return {
    aedes: broker,
    async listen() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(o.port, o.host, () => resolve());
      });
      return (server.address() as AddressInfo).port;
    },
    disconnectKiosk(kioskId) {
      for (const c of Object.values((broker as unknown as { clients: Record<string, Client> }).clients)) {
        const who = identities.get(c);
        if (who?.kind === 'kiosk' && who.kioskId === kioskId) c.close();
      }
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function authenticate(store: Store, username?: string, password?: Buffer): Promise<Identity | undefined> {
  if (!username || !password) return undefined;
  const hash = await store.kioskPasswordHash(username);
  return verifySecret(password, hash) ? { kind: 'kiosk', kioskId: username } : undefined;
}
