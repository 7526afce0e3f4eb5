/**
 * Embedded MQTT broker (aedes, MQTT 3.1.1) that only registered kiosks may log in to (username = kiosk
 * id = client id). The gateway itself is inside the process and reaches aedes directly
 * (in-process-link.ts), never over TCP. Plain TCP, or TLS when given a certificate and key (mqtts).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { KIOSK_ID_PATTERN_RE } from '../../../shared/src/index.js';
import type { Store } from '../store/store.js';
import { REVOKED, verifySecret } from '../lib/secrets.js';
import { clientIdProblem, maySubscribe, publishProblem, type Identity } from './acl.js';
import { limitPacketSize, PendingConnections } from './connect-guard.js';
import { LoginThrottle } from './login-throttle.js';
import { KeyedBuckets } from '../lib/rate-limit.js';

export { MAX_PACKET_BYTES } from './connect-guard.js';

export interface BrokerOptions {
  host: string;
  port: number;
  prefix: string;
  store: Store;
  log: Logger;
  /** PEM certificate chain and private key: the listener speaks MQTT over TLS only. */
  tls?: { cert: Buffer; key: Buffer };
  /** A socket whose CONNECT has not arrived (or whose TLS handshake has not finished) by then is closed. */
  connectTimeoutMs: number;
  /** Connections open and not yet authenticated, at most; more are closed at accept. */
  maxPending: number;
  /** How long to hold a kiosk's next PUBLISH (0: at once); ingest paces kiosks that keep sending refused messages. */
  publishDelayMs?: (kioskId: string) => number;
}

export interface EmbeddedBroker {
  /** For the in-process link; subscribe before `listen()` so no kiosk message precedes us. */
  aedes: Aedes;
  /** Starts accepting kiosk connections; resolves with the bound port. */
  listen(): Promise<number>;
  /** Drops a kiosk's live connections (after its credentials were rotated or revoked). */
  disconnectKiosk(kioskId: string): void;
  close(): Promise<void>;
}

const AUTH = { identifierRejected: 2, serverUnavailable: 3, badLogin: 4 } as const;

function authError(message: string, returnCode: 2 | 3 | 4): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/** The peer's address, IPv4-mapped IPv6 written as IPv4. */
function sourceOf(client: Client): string {
  const address = (client.conn as net.Socket).remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
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

type Login = { ok: true; who: Identity } | { ok: false; reason: string };

async function checkLogin(store: Store, username?: string, password?: Buffer): Promise<Login> {
  if (!username || !password) return { ok: false, reason: 'no username or password' };
  // Not a kiosk id (a 60 000-character username, say): refused without a database lookup.
  if (!KIOSK_ID_PATTERN_RE.test(username)) return { ok: false, reason: 'unknown kiosk' };
  const hash = await store.kioskPasswordHash(username);
  if (hash === undefined) return { ok: false, reason: 'unknown kiosk' };
  if (hash === REVOKED) return { ok: false, reason: 'credentials revoked' };
  return verifySecret(password, hash) ? { ok: true, who: { kind: 'kiosk', kioskId: username } } : { ok: false, reason: 'wrong password' };
}

/**
 * aedes holds a kiosk's next PUBLISH until every listener took its last one (backpressure per kiosk),
 * so in-flight messages are bounded by connections already. With aedes' default (100) the messages held
 * for ingest filled every slot and the gateway's own acks queued behind thousands of them: 10 000
 * kiosks offered more than the gateway commits got ~600 acks/s instead of its capacity. Exported so the
 * load bench's bare-broker baseline runs with the same setting.
 */
export const BROKER_CONCURRENCY = 1_000_000;

export async function createBroker(o: BrokerOptions): Promise<EmbeddedBroker> {
  const identities = new WeakMap<Client, Identity>();
  /** What the CONNECT asked for, before aedes replaces an empty client id with a random one. */
  const asked = new WeakMap<Client, { clientId: string; clean: boolean }>();
  const pending = new PendingConnections(o.maxPending, o.log);
  const throttle = new LoginThrottle(o.log);
  /** What anyone can make us log before login (oversized packets, failed handshakes): 5 lines, then one per 10 s per address. */
  const quiet = new KeyedBuckets({ burst: 5, perSecond: 0.1, maxKeys: 10_000 });
  const warnFrom = (source: string, level: 'info' | 'warn', fields: object, msg: string) => {
    if (quiet.take(source)) o.log[level]({ source, ...fields }, msg);
  };

  async function login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Identity> {
    const source = sourceOf(client);
    const { clientId, clean } = asked.get(client) ?? { clientId: client.id, clean: client.clean };
    if (!throttle.begin(source)) throw authError('too many failed logins from this address; try later', AUTH.serverUnavailable);
    const result = await checkLogin(o.store, username, password);
    if (!result.ok) {
      throttle.failed(source, { username, clientId, reason: result.reason });
      throw authError('bad username or password', AUTH.badLogin);
    }
    const { kioskId } = result.who;
    const problem = clientIdProblem(kioskId, clientId, clean);
    if (problem) {
      o.log.info({ kioskId, clientId: clientId.slice(0, 64), source, reason: problem }, 'mqtt login refused');
      throw authError(problem, AUTH.identifierRejected);
    }
    // aedes runs the session steps (fetchSubs, registerClient) after this hook, under this id.
    (client as { id: string }).id = kioskId;
    return result.who;
  }

  const broker = await Aedes.createBroker({
    concurrency: BROKER_CONCURRENCY,
    connectTimeout: o.connectTimeoutMs,
    preConnect(client, packet, done) {
      asked.set(client, { clientId: packet.clientId, clean: packet.clean !== false });
      done(null, true);
    },
    authenticate(client, username, password, done) {
      login(client, username, password).then(
        (who) => {
          identities.set(client, who);
          pending.authenticated(client);
          done(null, true);
        },
        (err: AuthenticateError) => {
          if (err.returnCode === undefined) o.log.error({ err }, 'mqtt authentication failed');
          done(err.returnCode ? err : authError('server unavailable', AUTH.serverUnavailable), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the gateway, in-process
      const who = identities.get(client);
      const problem = who
        ? publishProblem(o.prefix, who, { topic: packet.topic, retain: packet.retain, bytes: packet.payload.length })
        : 'not logged in';
      if (problem || !who) {
        o.log.warn({ kioskId: who?.kioskId ?? null, clientId: client.id, topic: packet.topic, reason: problem }, 'mqtt publish refused');
        return done(new Error(`publish not authorized: ${problem}`));
      }
      // Holding the callback holds the kiosk's socket: aedes reads nothing more from it meanwhile.
      const wait = o.publishDelayMs?.(who.kioskId) ?? 0;
      if (wait <= 0) return done(null);
      setTimeout(() => done(client.closed ? new Error('connection closed while throttled') : null), wait);
    },
    authorizeSubscribe(client, sub, done) {
      const who = identities.get(client);
      if (who && maySubscribe(o.prefix, who, sub.topic)) return done(null, sub);
      o.log.warn({ kioskId: who?.kioskId ?? null, topic: sub.topic }, 'mqtt subscribe refused');
      done(null, null); // SUBACK failure (0x80); the connection stays up
    },
  });
  indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
  broker.on('clientError', (client, err) => o.log.debug({ clientId: client.id, err }, 'mqtt client error'));

  const accept = (socket: net.Socket) => {
    if (!pending.admit(socket)) return;
    const client = broker.handle(socket);
    pending.track(client, socket);
    const source = sourceOf(client);
    limitPacketSize(client, (fields, msg) => warnFrom(source, 'warn', fields, msg));
  };
  // noDelay: an ack (~15 KB for 500 ids) is a partial TCP segment; with Nagle it waits for the
  // kiosk's delayed ACK of the previous one (up to 40 ms on Linux), which stalls a kiosk's send window.
  // Measured: 4 kiosks × window 4 went from ~150k to ~200k events/s with it.
  const server = o.tls
    ? tls.createServer({ cert: o.tls.cert, key: o.tls.key, noDelay: true, handshakeTimeout: o.connectTimeoutMs }, accept)
    : net.createServer({ noDelay: true }, accept);
  server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    warnFrom(socket.remoteAddress ?? 'unknown', 'info', { err }, 'mqtt tls handshake failed');
  });
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
      throttle.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
