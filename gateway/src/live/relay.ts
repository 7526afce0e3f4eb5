/**
 * Several gateways on one PostgreSQL database: each tells the others what it committed, so a press
 * ingested by gateway A reaches a live stream opened on gateway B (and B's other feed listeners).
 * After each commit the committing gateway NOTIFYs the items themselves, split into payloads under the
 * server's 8000-byte limit, tagged with its instance id; every gateway LISTENs on a dedicated connection
 * and publishes the other gateways' items into its own PressFeed. The NOTIFY follows the commit (it is
 * not part of the transaction): a gateway that dies in between loses those items for live viewers only,
 * never for the database. A lost listen connection is reopened and the pages told to refetch (`onResume`).
 * SQLite has one gateway: nothing to relay.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CommittedPresses, FeedItem, PressFeed } from '../lib/press-feed.js';
import { NOTIFY_MAX_BYTES, PgListener, PgNotifier } from '../store/pg-notify.js';

export const LIVE_CHANNEL = 'lb_live_feed';

/** One notification: `g` the sending gateway, `n` its counter (the server folds identical payloads of one transaction), `i` the items. */
interface Wire {
  g: string;
  n: number;
  i: FeedItem[];
}

const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/**
 * The items as notification payloads, each under `max` bytes, in order; a kiosk's presses are split
 * between payloads where needed. An item that cannot fit even alone (a status with huge counters) is
 * returned in `tooBig`.
 */
export function encodeItems(gateway: string, items: readonly FeedItem[], next: () => number, max = NOTIFY_MAX_BYTES) {
  const payloads: string[] = [];
  const tooBig: FeedItem[] = [];
  const head = bytes({ g: gateway, n: Number.MAX_SAFE_INTEGER, i: [] });
  let chunk: FeedItem[] = [];
  let size = head;
  const flush = () => {
    if (chunk.length > 0) payloads.push(JSON.stringify({ g: gateway, n: next(), i: chunk } satisfies Wire));
    chunk = [];
    size = head;
  };
  for (const item of items) {
    if (item.kind === 'status') {
      const b = bytes(item) + 1;
      if (head + b > max) {
        tooBig.push(item);
        continue;
      }
      if (size + b > max) flush();
      chunk.push(item);
      size += b;
      continue;
    }
    const itemHead = bytes({ kind: 'presses', kioskId: item.kioskId, events: [] }) + 1;
    let current: CommittedPresses | undefined;
    for (const e of item.events) {
      const b = bytes(e) + 1;
      if (head + itemHead + b > max) {
        tooBig.push({ kind: 'presses', kioskId: item.kioskId, events: [e] });
        continue;
      }
      if (size + (current ? 0 : itemHead) + b > max) {
        flush();
        current = undefined;
      }
      if (!current) {
        current = { kind: 'presses', kioskId: item.kioskId, events: [] };
        chunk.push(current);
        size += itemHead;
      }
      current.events.push(e);
      size += b;
    }
  }
  flush();
  return { payloads, tooBig };
}

export class FeedRelay {
  /** This process's id: its own notifications come back to it and are skipped. */
  readonly instanceId = randomUUID();
  private readonly notifier: PgNotifier;
  private readonly listener: PgListener;
  private unsubscribe: (() => void) | undefined;
  /** True while publishing another gateway's items: those must not be notified again. */
  private relaying = false;
  private counter = 0;
  /** Notifications leave one after the other, so the other gateways see this one's commits in order. */
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly feed: PressFeed,
    url: string,
    private readonly log: Logger,
    onResume: () => void,
  ) {
    this.notifier = new PgNotifier(url);
    this.listener = new PgListener({ url, channel: LIVE_CHANNEL, log, onMessage: (p) => this.received(p), onResume });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.feed.subscribe((items) => {
      if (!this.relaying) this.send(items);
    });
    await this.listener.start();
  }

  get listening(): boolean {
    return this.listener.listening;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.listener.stop();
    await this.sending;
    await this.notifier.close();
  }

  private send(items: readonly FeedItem[]): void {
    const { payloads, tooBig } = encodeItems(this.instanceId, items, () => ++this.counter);
    if (tooBig.length > 0)
      this.log.warn({ items: tooBig.length, kioskId: tooBig[0]!.kioskId }, 'live relay: item too big for NOTIFY, not relayed');
    this.sending = this.sending
      .then(() => this.notifier.notify(LIVE_CHANNEL, payloads))
      .catch((err: unknown) => this.log.warn({ err }, 'live relay: NOTIFY failed; other gateways miss these live items'));
  }

  private received(payload: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(payload) as Wire;
    } catch (err) {
      this.log.warn({ err }, 'live relay: unreadable notification ignored');
      return;
    }
    if (wire.g === this.instanceId || !Array.isArray(wire.i)) return;
    this.relaying = true;
    try {
      this.feed.publish(wire.i);
    } catch (err) {
      this.log.error({ err }, 'a press feed listener failed on relayed items');
    } finally {
      this.relaying = false;
    }
  }
}
