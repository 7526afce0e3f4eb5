/**
 * How many refused messages each kiosk may have stored, and what a kiosk that keeps sending them costs.
 * One kiosk sending malformed 20 KB messages grew the database 52 MB in 10 s, each stored in full.
 * Now, per kiosk: a burst of DEAD_LETTER_BURST dead letters, then DEAD_LETTERS_PER_MINUTE; the rest
 * are counted and written as one summary dead letter per kiosk every SUMMARY_INTERVAL_MS. A kiosk
 * out of budget is also paced: the embedded broker holds each of its messages until a second has
 * passed since the last (`publishDelayMs`), so a flood costs the gateway one message a second; other
 * kiosks are not affected. Rejected event ids are still acked by id whether or not their dead letter
 * was stored, so an honest kiosk with a bug stops resending them.
 */
import { KeyedBuckets } from '../lib/rate-limit.js';
import type { NewDeadLetter } from '../store/store.js';

export const DEAD_LETTER_BURST = 20;
export const DEAD_LETTERS_PER_MINUTE = 10;
export const SUMMARY_INTERVAL_MS = 10_000;
/** A kiosk out of dead-letter budget may send one message per this long. */
export const THROTTLED_MESSAGE_INTERVAL_MS = 1000;

interface Suppressed {
  topic: string;
  count: number;
  lastReason: string;
}

export class DeadLetterBudget {
  private readonly stored = new KeyedBuckets({ burst: DEAD_LETTER_BURST, perSecond: DEAD_LETTERS_PER_MINUTE / 60 });
  private readonly paced = new KeyedBuckets({ burst: 1, perSecond: 1000 / THROTTLED_MESSAGE_INTERVAL_MS });
  private readonly suppressed = new Map<string, Suppressed>();

  /** True: store this dead letter. False: it was counted instead. */
  admit(d: NewDeadLetter): boolean {
    const key = d.kioskId ?? '';
    if (this.stored.take(key)) return true;
    const s = this.suppressed.get(key) ?? { topic: d.topic, count: 0, lastReason: '' };
    s.count++;
    s.lastReason = d.reason;
    this.suppressed.set(key, s);
    return false;
  }

  /** One dead letter per kiosk that had some counted instead of stored since the last call. */
  takeSummaries(): NewDeadLetter[] {
    const out = [...this.suppressed].map(
      ([key, s]): NewDeadLetter => ({
        topic: s.topic,
        kioskId: key || null,
        reason: `${s.count} more dead letters from ${key ? `kiosk "${key}"` : 'unknown topics'} were not stored (each kiosk: ${DEAD_LETTER_BURST} at once, then ${DEAD_LETTERS_PER_MINUTE} a minute); the last: ${s.lastReason}`,
        payload: '',
      }),
    );
    this.suppressed.clear();
    return out;
  }

  /** 0 for a kiosk within its budget; for one out of it, how long to hold its next message. */
  publishDelayMs(kioskId: string): number {
    return this.stored.empty(kioskId) ? this.paced.reserve(kioskId) : 0;
  }
}
