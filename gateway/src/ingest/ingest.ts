/**
 * Ingest pipeline: messages are queued as they arrive and flushed together — one transaction for
 * everything queued (group commit), then one ack per events message, only after the commit.
 * Never throws into the MQTT client; bad input becomes dead letters.
 */
import type { Logger } from 'pino';
import { kioskTopic, parseKioskTopic, type AckMessage } from '../../../shared/src/index.js';
import { deadLetterReason, type GatewayMetrics } from '../lib/metrics.js';
import type { FeedItem, PressFeed } from '../lib/press-feed.js';
import type { BatchOutcome, IngestWork, NewDeadLetter, Store } from '../store/store.js';
import { DeadLetterBudget, SUMMARY_INTERVAL_MS } from './dead-letter-budget.js';
import type { FleetView } from './fleet-view.js';
import { classifyEvents, classifyStatus, preview, type Classified } from './validate.js';

export interface IngestDeps {
  store: Store;
  prefix: string;
  /** Publishes an ack (QoS 1, not retained). */
  publish: (topic: string, payload: string) => void;
  log: Logger;
  /** Per-kiosk caps on stored dead letters (shared with the broker, which paces kiosks out of budget). */
  deadLetterBudget?: DeadLetterBudget;
  /** Counted as ingest works (lib/metrics.ts). */
  metrics?: GatewayMetrics;
  /** Told every status committed (ingest/fleet-view.ts). */
  fleet?: FleetView;
  /** Told every press and status committed (lib/press-feed.ts), after the acks are sent. */
  feed?: PressFeed;
}

/** The last commit failed: what the database said, and since when commits have been failing. */
export interface CommitFailure {
  error: string;
  since: string;
}

interface Incoming {
  topic: string;
  payload: Buffer;
  /** performance.now() when it arrived: the ack latency starts here. */
  arrived: number;
}

/** Above this many queued messages the MQTT adapter holds PUBACKs, so the broker stops sending. */
export const QUEUE_HIGH_WATER = 64;
/** Held messages let in per flush (they join the next one). */
const ADMIT_PER_FLUSH = 4 * QUEUE_HIGH_WATER;

export class Ingest {
  private queue: Incoming[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private drainWaiters: Array<() => void> = [];
  /** Registered kiosks seen so far; kiosks are never deleted, so a positive cache is safe. */
  private known = new Set<string>();
  private closed = false;
  private failing: CommitFailure | undefined;
  /** Summaries of dead letters counted instead of stored, to go with the next commit. */
  private summaries: NewDeadLetter[] = [];
  readonly deadLetterBudget: DeadLetterBudget;
  private readonly summaryTimer: NodeJS.Timeout;

  constructor(private readonly deps: IngestDeps) {
    this.deadLetterBudget = deps.deadLetterBudget ?? new DeadLetterBudget();
    this.summaryTimer = setInterval(() => this.summarize(), SUMMARY_INTERVAL_MS).unref();
  }

  /** Set while ingest commits fail (a full disk, a lost database), cleared by the next one that succeeds. */
  get commitFailure(): CommitFailure | undefined {
    return this.failing;
  }

  get pending(): number {
    return this.queue.length;
  }

  handle(topic: string, payload: Buffer): void {
    // After close: never acked, so the kiosk resends it to whoever ingests next.
    if (this.closed) return;
    this.queue.push({ topic, payload, arrived: performance.now() });
    if (!this.flushing) this.schedule();
  }

  /** Resolves once the queue is below the high-water mark (immediately if it is). */
  whenBelowHighWater(): Promise<void> {
    if (this.queue.length < QUEUE_HIGH_WATER) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Stops taking messages and waits for what was queued to be committed and acked. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.summaryTimer);
    this.summaries.push(...this.deadLetterBudget.takeSummaries());
    await this.idle();
  }

  /** Waits until everything queued so far is committed and acked. */
  async idle(): Promise<void> {
    while (this.flushing || this.queue.length > 0 || this.summaries.length > 0) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  private summarize(): void {
    const summaries = this.deadLetterBudget.takeSummaries();
    if (summaries.length === 0) return;
    this.summaries.push(...summaries);
    if (!this.flushing) this.schedule();
  }

  private startFlush(): void {
    this.scheduled = false;
    if (this.flushing || (this.queue.length === 0 && this.summaries.length === 0)) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  /**
   * The next flush waits for a turn of the event loop, never a microtask: the acks just published
   * are written to the kiosks' sockets first (they refill their windows sooner), and messages that
   * arrived meanwhile join the next group commit.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.startFlush());
  }

  private async flush(): Promise<void> {
    const messages = this.queue;
    this.queue = [];
    // Admit held messages a few high-waters at a time, oldest first, not every one: with thousands of
    // kiosks waiting, admitting all at once made the next flush one giant transaction (a long block);
    // admitting one high-water's worth made commits too small to amortise their fsync.
    for (const w of this.drainWaiters.splice(0, ADMIT_PER_FLUSH)) w();
    const classified: Classified[] = [];
    /** Per classified message, when it arrived (undefined: the summaries). */
    const arrivals: Array<number | undefined> = [];
    // Summaries ride along once; if their commit fails they are lost, which costs a count, not a press.
    if (this.summaries.length) {
      classified.push({ deadLetters: this.summaries.splice(0) });
      arrivals.push(undefined);
    }
    try {
      for (const m of messages) {
        const c = await this.classify(m);
        for (const d of c.deadLetters) this.deps.metrics?.deadLetters.inc({ reason: deadLetterReason(d.reason) });
        classified.push(this.withinBudget(c));
        arrivals.push(m.arrived);
      }
      await this.commit(classified, arrivals);
    } catch (err) {
      if (classified.length < 2) {
        // Nothing was acked: the kiosks resend, and the events are inserted idempotently then.
        this.deps.log.error({ err, messages: messages.length }, 'ingest commit failed; kiosks will resend');
        return;
      }
      // One message the database refuses must not hold back everyone else's: commit them one by one.
      this.deps.log.warn({ err, messages: classified.length }, 'group commit failed; committing its messages one by one');
      for (const [i, c] of classified.entries()) {
        await this.commit([c], [arrivals[i]]).catch((e: Error) =>
          this.deps.log.error({ err: e, kioskId: c.batch?.kioskId ?? c.status?.kioskId }, 'ingest commit failed; the kiosk will resend'),
        );
      }
    }
  }

  /** Dead letters beyond the kiosk's budget are counted, not stored (and not logged one by one). */
  private withinBudget(c: Classified): Classified {
    if (c.deadLetters.length === 0) return c;
    return { ...c, deadLetters: c.deadLetters.filter((d) => this.deadLetterBudget.admit(d)) };
  }

  private async commit(classified: Classified[], arrivals: Array<number | undefined>): Promise<void> {
    const work: IngestWork = { batches: [], statuses: [], deadLetters: [] };
    for (const c of classified) this.addTo(work, c);
    let outcomes: BatchOutcome[];
    try {
      outcomes = await this.deps.store.commitIngest(work);
    } catch (err) {
      this.deps.metrics?.commitFailures.inc();
      this.failing ??= { error: (err as Error).message, since: new Date().toISOString() };
      this.failing.error = (err as Error).message;
      throw err;
    }
    if (this.failing) this.deps.log.info({ failingSince: this.failing.since }, 'ingest commits succeed again');
    this.failing = undefined;
    this.report(work, outcomes);
    for (const o of outcomes) this.ack(o);
    this.deps.fleet?.applied(work.statuses, new Date().toISOString());
    this.count(classified, arrivals, outcomes);
    this.tell(work, outcomes);
  }

  /** Batches are committed in order and answered in order: outcome i is batch i's. */
  private tell(work: IngestWork, outcomes: BatchOutcome[]): void {
    const feed = this.deps.feed;
    if (!feed || feed.size === 0) return;
    const items: FeedItem[] = [];
    outcomes.forEach((o, i) => {
      const events = work.batches[i]?.events;
      if (events && o.stored.length > 0) items.push({ kind: 'presses', kioskId: o.kioskId, events: o.stored.map((j) => events[j]!) });
    });
    for (const s of work.statuses) items.push({ kind: 'status', kioskId: s.kioskId, payload: s.payload });
    try {
      feed.publish(items);
    } catch (err) {
      this.deps.log.error({ err }, 'a press feed listener failed');
    }
  }

  private count(classified: Classified[], arrivals: Array<number | undefined>, outcomes: BatchOutcome[]): void {
    const m = this.deps.metrics;
    if (!m) return;
    const now = performance.now();
    for (const [i, c] of classified.entries()) {
      const arrived = arrivals[i];
      if (arrived === undefined) continue;
      if (c.status) m.messages.inc({ kind: 'status' });
      else if (c.batch) {
        m.messages.inc({ kind: 'events' });
        m.ackLatency.observe((now - arrived) / 1000);
      }
    }
    for (const o of outcomes) {
      m.presses.inc({ outcome: 'stored' }, o.inserted);
      m.presses.inc({ outcome: 'duplicate' }, o.duplicates);
      m.presses.inc({ outcome: 'rejected' }, o.rejected.length);
    }
  }

  private async classify(m: Incoming): Promise<Classified> {
    const parsed = parseKioskTopic(this.deps.prefix, m.topic);
    if (!parsed || (parsed.kind !== 'events' && parsed.kind !== 'status')) {
      return {
        deadLetters: [
          { topic: m.topic, kioskId: null, reason: 'not an events or status topic of contract v1', payload: preview(m.payload) },
        ],
      };
    }
    // An empty retained message only clears the broker's copy: nothing to store.
    if (parsed.kind === 'status' && m.payload.length === 0) return { deadLetters: [] };
    const ctx = { topic: m.topic, topicKioskId: parsed.kioskId, registered: await this.isRegistered(parsed.kioskId), now: Date.now() };
    try {
      return parsed.kind === 'events' ? classifyEvents(ctx, m.payload) : classifyStatus(ctx, m.payload);
    } catch (err) {
      this.deps.log.error({ err, topic: m.topic }, 'classifying a message failed');
      return {
        deadLetters: [
          {
            topic: m.topic,
            kioskId: parsed.kioskId,
            reason: `gateway could not classify: ${(err as Error).message}`,
            payload: preview(m.payload),
          },
        ],
      };
    }
  }

  private async isRegistered(kioskId: string): Promise<boolean> {
    if (this.known.has(kioskId)) return true;
    const exists = await this.deps.store.kioskExists(kioskId);
    if (exists) this.known.add(kioskId);
    return exists;
  }

  private addTo(work: IngestWork, c: Classified): void {
    if (c.batch) work.batches.push(c.batch);
    if (c.status) work.statuses.push(c.status);
    work.deadLetters.push(...c.deadLetters);
  }

  private report(work: IngestWork, outcomes: BatchOutcome[]): void {
    const { log } = this.deps;
    for (const d of work.deadLetters) log.warn({ kioskId: d.kioskId, topic: d.topic, reason: d.reason }, 'dead letter');
    for (const o of outcomes) {
      log.debug({ kioskId: o.kioskId, inserted: o.inserted, duplicates: o.duplicates, rejected: o.rejected.length }, 'batch committed');
    }
  }

  private ack(o: BatchOutcome): void {
    if (o.ids.length === 0 && o.rejected.length === 0) return;
    const msg: AckMessage = { v: 1 };
    if (o.ids.length) msg.ids = o.ids;
    if (o.rejected.length) msg.rejected = o.rejected.map(({ id, reason }) => ({ id, reason }));
    this.deps.publish(kioskTopic(this.deps.prefix, o.kioskId, 'acks'), JSON.stringify(msg));
  }
}
