/**
 * A kiosk at the wire level for load runs: one TCP socket and mqtt-packet's encoder/parser, no
 * MQTT.js client (whose per-client stores, timers and streams make 10 000 of them heavy). It does
 * what a real agent does on the wire (device/src/publisher.ts): clean:false session with a last
 * will, a retained status on connect (and when told, periodically), QoS 1 subscriptions to its acks
 * and config, one-press messages with QoS 1, PUBACKs for what the gateway sends. It does not reconnect: a drop is what we count.
 */
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { kioskTopic } from '../shared/src/topics.js';

export interface WireKioskOptions {
  host: string;
  port: number;
  /** Source address (127.0.0.x) when one address runs out of ephemeral ports. */
  localAddress?: string;
  kioskId: string;
  password: string;
  prefix: string;
  keepaliveS: number;
  /** An ack arrived: event ids committed, and ids refused for good. */
  onAck(kiosk: WireKiosk, ids: string[], rejected: string[]): void;
  onClose(kiosk: WireKiosk): void;
}

const BUTTONS = ['good', 'neutral', 'bad'] as const;

export class WireKiosk {
  connected = false;
  /** performance.now() of the last packet written, for keepalive pings. */
  lastWrite = 0;
  /** performance.now() of the last status published. */
  lastStatus = 0;
  private socket?: net.Socket;
  private messageId = 0;
  private seq = 0;
  private readonly bootId = `boot-${Math.random().toString(36).slice(2, 12)}`;
  private readonly topics: { events: string; status: string; acks: string; config: string };

  constructor(private readonly o: WireKioskOptions) {
    const t = (kind: 'events' | 'status' | 'acks' | 'config') => kioskTopic(o.prefix, o.kioskId, kind);
    this.topics = { events: t('events'), status: t('status'), acks: t('acks'), config: t('config') };
  }

  get id(): string {
    return this.o.kioskId;
  }

  /** Resolves once CONNACK and SUBACK arrived; rejects on refusal, socket error or `timeoutMs`. */
  connect(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.o.host, port: this.o.port, localAddress: this.o.localAddress, noDelay: true });
      this.socket = socket;
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`${this.o.kioskId}: no CONNACK/SUBACK within ${timeoutMs} ms`)), timeoutMs);
      parser.on('packet', (p: Packet) => {
        if (p.cmd === 'connack') {
          if (p.returnCode !== 0) return fail(new Error(`${this.o.kioskId}: CONNACK ${p.returnCode}`));
          this.write({
            cmd: 'subscribe',
            messageId: this.nextId(),
            subscriptions: [
              { topic: this.topics.acks, qos: 1 },
              { topic: this.topics.config, qos: 1 },
            ],
          });
          this.status();
        } else if (p.cmd === 'suback') {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.connected = true;
          resolve();
        } else if (p.cmd === 'publish') {
          if (p.qos === 1 && p.messageId !== undefined) this.write({ cmd: 'puback', messageId: p.messageId });
          if (p.topic === this.topics.acks) this.onAckPayload(p.payload);
        }
      });
      parser.on('error', (err: Error) => fail(err));
      socket.on('data', (buf) => parser.parse(buf));
      socket.on('error', (err) => fail(err));
      socket.on('close', () => {
        fail(new Error(`${this.o.kioskId}: connection closed before SUBACK`));
        if (this.connected) {
          this.connected = false;
          this.o.onClose(this);
        }
      });
      socket.on('connect', () =>
        this.write({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clientId: this.o.kioskId,
          clean: false,
          keepalive: this.o.keepaliveS,
          username: this.o.kioskId,
          password: Buffer.from(this.o.password),
          will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline' })), qos: 1, retain: true },
        }),
      );
    });
  }

  /** Publishes one press as its own events message (what an agent with no backlog sends); its event id. */
  press(): string {
    const seq = ++this.seq;
    const id = `${this.bootId}-${seq}`;
    const event = {
      id,
      seq,
      panel: 'desk',
      button: BUTTONS[seq % 3],
      at: new Date().toISOString(),
      clockSynced: true,
      bootId: this.bootId,
      uptimeMs: Math.round(performance.now()),
      flags: [],
    };
    this.write({
      cmd: 'publish',
      topic: this.topics.events,
      payload: JSON.stringify({ v: 1, kioskId: this.o.kioskId, events: [event] }),
      qos: 1,
      retain: false,
      dup: false,
      messageId: this.nextId(),
    });
    return id;
  }

  /** The retained status an agent publishes on connect and every 30 s (its default statusIntervalMs). */
  status(): void {
    this.lastStatus = performance.now();
    const status = {
      v: 1,
      state: 'online',
      at: new Date().toISOString(),
      version: '0.1.0',
      bootId: this.bootId,
      board: { connected: true, kind: 'virtual' },
      outbox: { pending: 0, oldestPendingAgeMs: null, memoryHeld: 0, lastSeq: this.seq },
      clockSynced: true,
      config: { rev: null },
      counters: { batchesSent: this.seq, eventsSent: this.seq, eventsAcked: this.seq, eventsRejected: 0, retransmits: 0, connects: 1 },
    };
    this.write({
      cmd: 'publish',
      topic: this.topics.status,
      payload: JSON.stringify(status),
      qos: 1,
      retain: true,
      dup: false,
      messageId: this.nextId(),
    });
  }

  ping(): void {
    this.write({ cmd: 'pingreq' });
  }

  close(): void {
    if (!this.socket) return;
    this.connected = false;
    if (!this.socket.destroyed) this.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }

  private onAckPayload(payload: Buffer | string): void {
    try {
      const msg = JSON.parse(payload.toString()) as { ids?: string[]; rejected?: { id: string }[] };
      this.o.onAck(
        this,
        msg.ids ?? [],
        (msg.rejected ?? []).map((r) => r.id),
      );
    } catch {
      // not an ack we understand; the bench counts it as missing
    }
  }

  private nextId(): number {
    this.messageId = (this.messageId % 65535) + 1;
    return this.messageId;
  }

  private write(p: Packet): void {
    const socket = this.socket;
    if (!socket || socket.destroyed) return;
    this.lastWrite = performance.now();
    socket.write(mqttPacket.generate(p));
  }
}
