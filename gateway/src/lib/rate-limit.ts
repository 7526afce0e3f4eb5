/**
 * Token buckets per key (a source address, a kiosk id), in memory. Small on purpose: the broker needs
 * "may this happen now?" and "how long until it may?", and a bounded map an attacker cannot grow
 * without limit by varying the key.
 */
export interface BucketOptions {
  /** Tokens a key starts with and can save up: the burst allowed. */
  burst: number;
  /** Tokens added per second. */
  perSecond: number;
  /** Keys kept at most; beyond it the fullest (least interesting) buckets are dropped first. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly o: BucketOptions,
    private readonly now: () => number = Date.now,
  ) {}

  private bucket(key: string): Bucket {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      const max = this.o.maxKeys ?? 100_000;
      if (this.buckets.size >= max) this.prune();
      // Still full of keys in debt: forget the oldest (Map keeps insertion order).
      if (this.buckets.size >= max) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: this.o.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.o.burst, b.tokens + ((t - b.at) / 1000) * this.o.perSecond);
      b.at = t;
    }
    return b;
  }

  /** Takes a token if there is one. */
  take(key: string): boolean {
    const b = this.bucket(key);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Takes a token whether or not there is one: a debt is paid back by the refill before the next `take`. */
  debit(key: string): void {
    this.bucket(key).tokens -= 1;
  }

  /** True while the key has no whole token. */
  empty(key: string): boolean {
    return this.buckets.has(key) && this.bucket(key).tokens < 1;
  }

  /**
   * Reserves the next token, going into debt: the caller waits the returned ms before acting. Calls
   * made together are spaced one token apart, so a burst of them is paced, not released at once.
   */
  reserve(key: string): number {
    const b = this.bucket(key);
    b.tokens -= 1;
    return b.tokens >= 0 ? 0 : Math.ceil((-b.tokens / this.o.perSecond) * 1000);
  }

  /** Forgets keys whose bucket is full again (nothing to remember); returns them. */
  prune(): string[] {
    const full: string[] = [];
    for (const [key] of this.buckets) {
      if (this.bucket(key).tokens >= this.o.burst) full.push(key);
    }
    for (const key of full) this.buckets.delete(key);
    return full;
  }
}
