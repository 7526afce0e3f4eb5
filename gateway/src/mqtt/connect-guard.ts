/**
 * What a connection may cost the embedded broker before it has logged in. aedes buffers a packet until
 * it is complete and has no size limit, so a partial CONNECT could hold a packet's worth of memory per
 * socket (400 sockets × 900 KB took 300 MB); and it keeps any number of sockets that never log in.
 * - the first packet (the CONNECT) may announce at most MAX_CONNECT_BYTES, later ones MAX_PACKET_BYTES:
 *   refused on the length its fixed header announces, before the body is buffered;
 * - aedes' `connectTimeout` closes a socket whose CONNECT has not arrived in time (set by the broker);
 * - at most `maxPending` connections may be open and not yet authenticated; more are closed at accept.
 */
import type { Socket } from 'node:net';
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import { MAX_PAYLOAD_BYTES } from '../../../shared/src/index.js';

/** Hard cap on one MQTT packet; larger payloads than the contract's still arrive, to be dead-lettered. */
export const MAX_PACKET_BYTES = 2 * MAX_PAYLOAD_BYTES;
/** A kiosk's CONNECT is a few hundred bytes (ids ≤ 64 characters, a 43-character password, a small will). */
export const MAX_CONNECT_BYTES = 4 * 1024;

type Parser = { packet: { length: number }; _emitError(e: Error): void; _parseLength(): boolean; once(e: 'packet', f: () => void): void };

/** Refuses a packet as soon as its header announces it is too big; `log` is called with the warning to log, if any. */
export function limitPacketSize(client: Client, log: (fields: object, msg: string) => void): void {
  const parser = (client as unknown as { _parser: Parser })._parser;
  const parseLength = parser._parseLength;
  let limit = MAX_CONNECT_BYTES;
  parser.once('packet', () => (limit = MAX_PACKET_BYTES));
  parser._parseLength = function guardedParseLength(this: Parser) {
    const done = parseLength.call(this);
    if (done && this.packet.length > limit) {
      const what = limit === MAX_CONNECT_BYTES ? 'connect packet' : 'packet';
      log({ bytes: this.packet.length, limit, clientId: client.id ?? null }, `mqtt ${what} too large; closing connection`);
      this._emitError(new Error(`${what} of ${this.packet.length} bytes exceeds ${limit}`));
      return false;
    }
    return done;
  };
}

/** Counts connections from accept until they authenticate or close. */
export class PendingConnections {
  private count = 0;
  private warnedAt = 0;
  private readonly settlers = new WeakMap<Client, () => void>();

  constructor(
    private readonly max: number,
    private readonly log: Logger,
  ) {}

  /** False (and the socket destroyed) when the cap is reached. */
  admit(socket: Socket): boolean {
    if (this.count >= this.max) {
      if (Date.now() - this.warnedAt > 10_000) {
        this.warnedAt = Date.now();
        this.log.warn({ pending: this.count, max: this.max }, 'mqtt unauthenticated connection cap reached; refusing connections');
      }
      socket.destroy();
      return false;
    }
    this.count++;
    return true;
  }

  /** Ties the admitted socket to its aedes client: it stops counting at login or close, whichever is first. */
  track(client: Client, socket: Socket): void {
    let counted = true;
    const settle = () => {
      if (!counted) return;
      counted = false;
      this.count--;
    };
    this.settlers.set(client, settle);
    socket.once('close', settle);
  }

  authenticated(client: Client): void {
    this.settlers.get(client)?.();
  }
}
