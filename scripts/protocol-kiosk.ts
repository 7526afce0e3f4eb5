/**
 * A kiosk at the protocol level: speaks MQTT contract v1 without johnny-five or an outbox.
 * Used by tests, benchmarks and the fleet simulator to drive the gateway at scale. It keeps
 * resending until the gateway acks each event, exactly like the real agent's publisher.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { ulid } from 'ulid';
import { DEFAULT_TOPIC_PREFIX, kioskTopic, MAX_EVENTS_PER_BATCH, type Event, type Button } from '../shared/src/index.js';

export interface ProtocolKioskOptions {
  url: string;
  kioskId: string;
  password: string;
  prefix?: string;
  batchSize?: number;
  /** Batches published before waiting for acks. */
  window?: number;
  /** Resend a batch not acked within this many ms. */
  retransmitMs?: number;
  /** MQTT keepalive in seconds (MQTT.js default 60); a short one notices a black-holed connection sooner. */
  keepaliveS?: number;
  /** Called once per event when the gateway first acks or rejects it (chaos runs time recoveries by it). */
  onSettle?: (id: string, outcome: 'acked' | 'rejected') => void;
}

export function makeEvents(count: number, opts: { firstSeq?: number; panel?: string; at?: number } = {}): Event[] {
  const buttons: Button[] = ['good', 'neutral', 'bad'];
  const bootId = ulid();
  const start = opts.at ?? Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) => ({
    id: ulid(),
    seq: (opts.firstSeq ?? 1) + i,
    panel: opts.panel ?? 'desk',
    button: buttons[i % 3]!,
    at: new Date(start + i * 1000).toISOString(),
    clockSynced: true,
    bootId,
    uptimeMs: 60_000 + i * 1000,
    flags: [],
  }));
}

export class ProtocolKiosk {
  readonly acked = new Set<string>();
  readonly rejected = new Map<string, string>();
  private client?: MqttClient;
  private pending: Event[] = [];
  private inFlight = new Map<string, { events: Event[]; sentAt: number }>();
  private timer?: NodeJS.Timeout;
  private waiters: (() => void)[] = [];
  /** Events handed to deliver()/enqueue() and not yet acked or rejected. */
  private outstanding = 0;
  private offline = false;

  constructor(private readonly opts: ProtocolKioskOptions) {}

  private get prefix() {
    return this.opts.prefix ?? DEFAULT_TOPIC_PREFIX;
  }

  async connect(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: `${this.opts.kioskId}`,
      username: this.opts.kioskId,
      password: this.opts.password,
      clean: false,
      reconnectPeriod: 200,
      connectTimeout: 5000,
      keepalive: this.opts.keepaliveS ?? 60,
    });
    this.client = client;
    // Attached before CONNACK so acks queued in the session are not lost.
    client.on('message', (_topic, payload) => this.onAck(payload));
    client.on('connect', () => {
      client.subscribe(kioskTopic(this.prefix, this.opts.kioskId, 'acks'), { qos: 1 });
      this.resendAll();
    });
    client.on('error', () => undefined); // reconnects by itself; errors are surfaced via timeouts
    // A refused login fails at once; a slow or busy broker (a CONNACK timeout) gets retried for 30 s.
    await new Promise<void>((resolve, reject) => {
      let last: Error | undefined;
      const deadline = setTimeout(() => reject(last ?? new Error('no CONNACK within 30 s')), 30_000);
      client.once('connect', () => {
        clearTimeout(deadline);
        resolve();
      });
      client.on('error', (err: Error & { code?: number }) => {
        last = err;
        if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) {
          clearTimeout(deadline);
          reject(err);
        }
      });
    });
  }

  /** Sends events until every one is acked or rejected; resolves then. */
  deliver(events: Event[]): Promise<void> {
    this.enqueue(events);
    return this.settled();
  }

  /** Queues events for sending (in order, behind earlier ones) without waiting for their acks. */
  enqueue(events: Event[]): void {
    this.pending.push(...events);
    this.outstanding += events.length;
    this.timer ??= setInterval(() => this.retransmitStale(), Math.min(this.opts.retransmitMs ?? 5000, 1000));
    this.pump();
  }

  /** Events queued and not yet acked or rejected. */
  get unsettled(): number {
    return this.outstanding;
  }

  /** Resolves once every event queued so far (and any queued meanwhile) is acked or rejected. */
  settled(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The kiosk loses its network (no will, no goodbye): queued events wait until goOnline(). */
  async goOffline(): Promise<void> {
    this.offline = true;
    await this.client?.endAsync(true);
  }

  goOnline(): void {
    if (!this.offline) return;
    this.offline = false;
    this.client?.reconnect();
  }

  private pump(): void {
    const client = this.client;
    if (!client?.connected) return;
    const size = this.opts.batchSize ?? MAX_EVENTS_PER_BATCH;
    while (this.pending.length > 0 && this.inFlight.size < (this.opts.window ?? 4)) {
      const events = this.pending.splice(0, size);
      const key = events[0]!.id;
      this.inFlight.set(key, { events, sentAt: Date.now() });
      const payload = JSON.stringify({ v: 1, kioskId: this.opts.kioskId, events });
      client.publish(kioskTopic(this.prefix, this.opts.kioskId, 'events'), payload, { qos: 1 });
    }
  }

  private onAck(payload: Buffer): void {
    let msg: { ids?: string[]; rejected?: { id: string; reason: string }[] };
    try {
      msg = JSON.parse(payload.toString());
    } catch {
      return;
    }
    for (const id of msg.ids ?? []) this.settle(id, () => this.acked.add(id));
    for (const r of msg.rejected ?? []) this.settle(r.id, () => this.rejected.set(r.id, r.reason));
    for (const [key, batch] of this.inFlight) {
      if (batch.events.every((e) => this.acked.has(e.id) || this.rejected.has(e.id))) this.inFlight.delete(key);
    }
    this.pump();
    if (this.outstanding === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  private settledId(id: string): boolean {
    return this.acked.has(id) || this.rejected.has(id);
  }

  private settle(id: string, record: () => void): void {
    if (this.settledId(id)) return; // a duplicate ack of a resend
    record();
    this.outstanding--;
    this.opts.onSettle?.(id, this.acked.has(id) ? 'acked' : 'rejected');
  }

  private resendAll(): void {
    const unacked = [...this.inFlight.values()].flatMap((b) => b.events.filter((e) => !this.settledId(e.id)));
    this.pending.unshift(...unacked); // in the order they were first sent
    this.inFlight.clear();
    this.pump();
  }

  private retransmitStale(): void {
    const limit = Date.now() - (this.opts.retransmitMs ?? 5000);
    for (const [key, batch] of this.inFlight) {
      if (batch.sentAt < limit) {
        this.inFlight.delete(key);
        this.pending.unshift(...batch.events.filter((e) => !this.settledId(e.id)));
      }
    }
    this.pump();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    const client = this.client;
    if (!client) return;
    // A graceful end waits for in-flight PUBACKs; a black-holed link would make it wait forever.
    const ended = client.endAsync().then(() => true);
    if (!(await Promise.race([ended, new Promise<false>((r) => setTimeout(r, 2000, false))]))) await client.endAsync(true);
  }
}
