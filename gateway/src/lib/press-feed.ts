/**
 * What ingest has just committed, told to whoever listens in this process: the console's live view and
 * the alert rules. On PostgreSQL other gateways' commits arrive here too (relayed by LISTEN/NOTIFY), so a
 * listener sees every gateway's presses. Listeners must be quick and must not throw: ingest calls them
 * after it has acked, and a slow listener would delay the next commit.
 */
import type { Event, StatusMessage } from '../../../shared/src/index.js';

/** Newly stored presses of one kiosk (duplicates left out), in seq order. */
export interface CommittedPresses {
  kind: 'presses';
  kioskId: string;
  events: Event[];
}
/** A status a kiosk published, now stored. */
export interface CommittedStatus {
  kind: 'status';
  kioskId: string;
  payload: StatusMessage;
}
export type FeedItem = CommittedPresses | CommittedStatus;
export type FeedListener = (items: readonly FeedItem[]) => void;

export class PressFeed {
  private listeners = new Set<FeedListener>();

  /** Returns the function that unsubscribes. */
  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(items: readonly FeedItem[]): void {
    if (items.length === 0) return;
    for (const listener of this.listeners) listener(items);
  }

  get size(): number {
    return this.listeners.size;
  }
}
