/**
 * The CRM's feed of negative presses (issue 13): ingest writes each counted negative press's `press.negative`
 * outbox row in its own transaction (store/negative-feed.ts), so none is lost to a crash between the commit
 * and the outbox. What is left here is speed: when a committed press is negative, wake the delivery worker
 * rather than wait for its next poll.
 */
import type { PressFeed } from '../lib/press-feed.js';

/** Calls `wake` after each commit with a bad or neutral press; returns the unsubscribe. Quick, never throws. */
export function wakeOnNegativePresses(feed: PressFeed, wake: () => void): () => void {
  return feed.subscribe((items) => {
    if (items.some((item) => item.kind === 'presses' && item.events.some((e) => e.button !== 'good'))) wake();
  });
}
