/**
 * The CRM's feed of negative presses (issue 13): each counted bad press (and neutral, when the company
 * counts neutral as dissatisfied) on a staff or office panel goes, with its office, desk, employee, time,
 * ticket and reason, through the signed, persisted webhook delivery (delivery/) as `press.negative` —
 * only while some enabled webhook subscription asks for kind 'negative-press'.
 *
 * It listens to the press feed (after ingest's commit) and writes the delivery outbox row in a transaction
 * of its own: a gateway killed between the two loses that press's webhook (the press itself is stored and
 * scored). Closing that gap means writing the outbox row inside ingest's transaction — left for later.
 */
import type { Logger } from 'pino';
import type { FeedItem, PressFeed } from '../lib/press-feed.js';
import type { Store } from '../store/store.js';

const COALESCE_MS = 100;

export class NegativePressRelay {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private work: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly queued: () => void,
  ) {}

  start(feed: PressFeed): void {
    this.unsubscribe = feed.subscribe((items) => this.onFeed(items));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.work;
  }

  /** Resolves when what was fed so far is in the outbox (tests). */
  async idle(): Promise<void> {
    while (this.timer || this.pending.length > 0) await new Promise((r) => setTimeout(r, 10));
    await this.work;
  }

  /** Quick and never throws (PressFeed's rule). */
  private onFeed(items: readonly FeedItem[]): void {
    for (const item of items) if (item.kind === 'presses') for (const e of item.events) if (e.button !== 'good') this.pending.push(e.id);
    if (this.pending.length === 0 || this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const ids = this.pending;
      this.pending = [];
      this.work = this.work.then(() => this.relay(ids)).catch((err: Error) => this.log.error({ err }, 'negative press relay failed'));
    }, COALESCE_MS);
  }

  private async relay(ids: string[]): Promise<void> {
    if (!(await this.store.loop.negativePressWanted())) return;
    const { neutralCountsAsDissatisfied } = await this.store.getSettings();
    const presses = await this.store.loop.negativePresses(ids, neutralCountsAsDissatisfied);
    if ((await this.store.loop.queueNegativePresses(presses)) > 0) this.queued();
  }
}
