/**
 * The kiosk's only MQTT adapter. Sends pending outbox rows in batches, marks them delivered only on
 * the gateway's application ack (never on the broker's PUBACK), retransmits on timeout and after every
 * reconnect, keeps a retained status with a last will, and hands the retained config to the agent.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { AckMessage, checker, kioskTopic, type StatusMessage } from '../../shared/src/index.js';
import { redactUrl } from '../../shared/src/log.js';
import type { Outbox } from './outbox.js';

export interface PublisherOptions {
  url: string;
  username: string;
  password?: string;
  /** mqtts:/wss:: PEM file of the only CA trusted for the broker's certificate (pinning). */
  ca?: string;
  kioskId: string;
  topicPrefix: string;
  outbox: Outbox;
  log: Logger;
  batchSize: number;
  inFlightBatches: number;
  ackTimeoutMs: number;
  statusIntervalMs: number;
  /** Current health, minus `state`. */
  status: () => Omit<StatusMessage, 'v' | 'state'>;
  /** Raw retained config payload; the agent validates and applies it. */
  onConfig: (payload: string) => void;
  /** Raw `arm` payload (armed panels); subscribed only while `armWanted()` says a panel is armed. */
  onArm?: (payload: string) => void;
  armWanted?: () => boolean;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface PublisherCounters {
  batchesSent: number;
  eventsSent: number;
  eventsAcked: number;
  eventsRejected: number;
  retransmits: number;
  connects: number;
}

const checkAck = checker(AckMessage);

/** OpenSSL's verification failures, as Node reports them on the TLS socket. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** A sentence naming what to check when the broker's certificate is refused; undefined for other errors. */
export function tlsTrustProblem(err: NodeJS.ErrnoException, ca: string | undefined): string | undefined {
  if (!err.code || !UNTRUSTED.has(err.code)) return undefined;
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return "mqtt tls: the broker's certificate is not for the host in mqtt.url; refusing to connect";
  if (err.code === 'CERT_HAS_EXPIRED' || err.code === 'CERT_NOT_YET_VALID')
    return "mqtt tls: the broker's certificate is expired or not yet valid; refusing to connect";
  return `mqtt tls: the broker's certificate is not signed by the CA in mqtt.ca (${ca ?? 'none'}); refusing to connect`;
}

export class Publisher {
  private client: MqttClient | undefined;
  private inFlight: { ids: Set<string>; sentAt: number }[] = [];
  /** Highest seq published in the current round; a new round (timeout, reconnect) starts from 0. */
  private cursor = 0;
  private reconnectAttempt = 0;
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private lastError: string | undefined;
  /** Subscribed to acks on the current connection: sending before that could lose the acks. */
  private listening = false;
  readonly counters: PublisherCounters = { batchesSent: 0, eventsSent: 0, eventsAcked: 0, eventsRejected: 0, retransmits: 0, connects: 0 };
  private readonly topics;

  constructor(private readonly opts: PublisherOptions) {
    const topic = (kind: 'events' | 'acks' | 'status' | 'config' | 'arm') => kioskTopic(opts.topicPrefix, opts.kioskId, kind);
    this.topics = { events: topic('events'), acks: topic('acks'), status: topic('status'), config: topic('config'), arm: topic('arm') };
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { opts } = this;
    this.stopping = false;
    this.client = mqtt.connect(opts.url, {
      clientId: opts.kioskId, // stable: the broker keeps our session and the gateway knows us by it
      clean: false, // keep subscriptions (and queued acks/config) across reconnects
      username: opts.username,
      password: opts.password,
      // MQTT.js retries at a fixed 1 s: a fleet that lost its broker would reconnect in lockstep.
      // We disable it and reconnect with jittered exponential back-off ourselves (see scheduleReconnect).
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify({ v: 1, state: 'offline' })), qos: 1, retain: true },
      // Node trusts only the CAs given here, not the system's: the gateway must present a certificate of ours.
      ...(opts.ca ? { ca: readFileSync(opts.ca), rejectUnauthorized: true } : {}),
    });
    // Attached before 'connect': queued acks that arrive with the CONNACK would otherwise be lost.
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.client.on('connect', () => this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('error', (err) => this.onError(err));
    const check = Math.min(1000, Math.max(50, Math.floor(opts.ackTimeoutMs / 4)));
    this.timers.push(setInterval(() => this.checkAckTimeout(), check));
    this.timers.push(setInterval(() => this.publishStatus(), opts.statusIntervalMs));
  }

  /** Logged once per distinct error, so a broker down for a week does not flood the log. */
  private onError(err: Error): void {
    const repeated = err.message === this.lastError;
    this.lastError = err.message;
    const untrusted = tlsTrustProblem(err as NodeJS.ErrnoException, this.opts.ca);
    if (untrusted) return void this.opts.log[repeated ? 'debug' : 'error']({ err }, untrusted);
    this.opts.log[repeated ? 'debug' : 'warn']({ err }, 'mqtt error');
  }

  private onConnect(): void {
    this.lastError = undefined;
    const client = this.client!;
    this.reconnectAttempt = 0;
    this.counters.connects++;
    this.opts.log.info({ url: redactUrl(this.opts.url) }, 'mqtt connected');
    this.publishStatus();
    client.subscribe([this.topics.acks, this.topics.config], { qos: 1 }, (err) => {
      if (err) return void this.opts.log.warn({ err }, 'subscribe failed');
      // Everything unacked goes again right away: acks of the last connection may have been lost.
      this.newRound();
      this.listening = true;
      this.pump();
    });
    this.subscribeArm();
  }

  /**
   * Apart from acks and config: a gateway whose ACL predates `arm` refuses it (SUBACK 0x80), and that must
   * not stop the kiosk from sending presses. Called again when the config arms a panel.
   */
  subscribeArm(): void {
    const client = this.client;
    if (!client?.connected || !this.opts.onArm || !this.opts.armWanted?.()) return;
    client.subscribe(this.topics.arm, { qos: 1 }, (err, granted) => {
      if (err || granted?.[0]?.qos === 128) this.opts.log.warn({ err, topic: this.topics.arm }, 'arm subscription refused by the broker');
    });
  }

  private onClose(): void {
    this.listening = false;
    this.newRound();
    // Our outbox resends what was in flight; MQTT.js's own copies would otherwise wait forever for a
    // PUBACK from a dead connection (reconnect() starts fresh stores) and block a graceful end().
    const client = this.client!;
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const min = this.opts.reconnectMinMs ?? 1000;
    const max = this.opts.reconnectMaxMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.reconnectAttempt++) * (0.5 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopping) this.client?.reconnect();
    }, delay);
  }

  /** New presses were committed: send them if the window has room. */
  notify(): void {
    this.pump();
  }

  private newRound(): void {
    this.inFlight = [];
    this.cursor = 0;
  }

  private pump(): void {
    const client = this.client;
    while (client?.connected && this.listening && this.inFlight.length < this.opts.inFlightBatches) {
      const events = this.opts.outbox.pendingAfter(this.cursor, this.opts.batchSize);
      if (events.length === 0) return;
      this.cursor = events[events.length - 1]!.seq;
      this.inFlight.push({ ids: new Set(events.map((e) => e.id)), sentAt: performance.now() });
      this.counters.batchesSent++;
      this.counters.eventsSent += events.length;
      const payload = JSON.stringify({ v: 1, kioskId: this.opts.kioskId, events });
      client.publish(this.topics.events, payload, { qos: 1 }, (err) => {
        if (err) this.opts.log.debug({ err }, 'publish failed; resent after reconnect');
      });
    }
  }

  private checkAckTimeout(): void {
    const oldest = this.inFlight[0];
    if (!oldest || performance.now() - oldest.sentAt < this.opts.ackTimeoutMs) return;
    this.counters.retransmits++;
    this.opts.log.warn({ unacked: this.inFlight.reduce((n, b) => n + b.ids.size, 0) }, 'no ack in time; retransmitting');
    this.newRound();
    this.pump();
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === this.topics.config) {
      if (payload.length > 0) this.opts.onConfig(payload.toString('utf8')); // empty = retained config cleared
    } else if (topic === this.topics.acks) this.onAck(payload);
    else if (topic === this.topics.arm) this.opts.onArm?.(payload.toString('utf8'));
  }

  private onAck(payload: Buffer): void {
    let ack: unknown;
    try {
      ack = JSON.parse(payload.toString('utf8'));
    } catch {
      ack = undefined;
    }
    if (!checkAck.check(ack)) return void this.opts.log.warn({ problems: checkAck.problems(ack) }, 'ignoring invalid ack');
    const now = Date.now();
    const ids = ack.ids ?? [];
    const rejected = ack.rejected ?? [];
    try {
      this.counters.eventsAcked += this.opts.outbox.markDelivered(ids, now);
      this.counters.eventsRejected += this.opts.outbox.markRejected(rejected, now);
    } catch (err) {
      // The disk refused (e.g. full): the rows stay pending, go again after the ack timeout and are
      // acked again as duplicates. Thrown from here it would be an uncaught exception in MQTT.js.
      return void this.opts.log.error({ err }, 'could not record an ack; the events will be resent');
    }
    for (const r of rejected) this.opts.log.warn({ id: r.id, reason: r.reason }, 'event rejected by gateway');
    const settled = new Set([...ids, ...rejected.map((r) => r.id)]);
    for (const batch of this.inFlight) for (const id of settled) batch.ids.delete(id);
    this.inFlight = this.inFlight.filter((b) => b.ids.size > 0);
    this.pump();
    this.statusChanged();
  }

  /** Something in the status changed: publish it soon (at most once a second). */
  statusChanged(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.publishStatus();
    }, 1000);
  }

  publishStatus(): void {
    if (!this.client?.connected) return;
    const status: StatusMessage = { v: 1, state: 'online', ...this.opts.status() };
    this.client.publish(this.topics.status, JSON.stringify(status), { qos: 1, retain: true });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [...this.timers, this.reconnectTimer, this.statusTimer]) clearTimeout(t);
    this.timers = [];
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      const offline = JSON.stringify({ v: 1, state: 'offline' });
      const sent = client.publishAsync(this.topics.status, offline, { qos: 1, retain: true }).catch(() => undefined);
      await Promise.race([sent, new Promise((resolve) => setTimeout(resolve, 1000))]); // a silent broker must not block shutdown
      const ended = client.endAsync().then(() => true);
      if (!(await Promise.race([ended, new Promise<false>((resolve) => setTimeout(resolve, 2000, false))]))) await client.endAsync(true);
    } else await client.endAsync(true);
  }
}
