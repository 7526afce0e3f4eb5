/**
 * Failed MQTT logins per source address: a burst, then one a second. A source out of tokens is refused
 * (CONNACK 3, server unavailable) without a password check until it has one again; unthrottled, one
 * source had ~1 470 wrong logins a second checked. The password is never logged.
 *
 * A login is checked while its source has a whole token and costs one only if it fails, so a fleet
 * behind one NAT address reconnecting at once is never refused for its own logins. Failures that were
 * being checked together (a database lookup in flight) may overdraw the budget; the debt is paid by
 * the refill, so the long-run rate stays one a second. Kiosks behind the same address as a guesser
 * are refused with it while it keeps guessing: the price of not checking passwords for it.
 */
import type { Logger } from 'pino';
import { KeyedBuckets } from '../lib/rate-limit.js';

export const FAILED_LOGIN_BURST = 10;
export const FAILED_LOGINS_PER_SECOND = 1;

export class LoginThrottle {
  private readonly buckets = new KeyedBuckets({ burst: FAILED_LOGIN_BURST, perSecond: FAILED_LOGINS_PER_SECOND });
  /** Sources being refused, and how many attempts so far. */
  private readonly throttled = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly log: Logger) {
    this.timer = setInterval(() => this.prune(), 10_000).unref();
  }

  /** False: refuse this login unchecked. True: check it (and call `failed` if it fails). */
  begin(source: string): boolean {
    if (!this.buckets.empty(source)) return true;
    const refused = this.throttled.get(source);
    if (refused === undefined) this.log.info({ source }, 'mqtt logins throttled');
    this.throttled.set(source, (refused ?? 0) + 1);
    return false;
  }

  failed(source: string, details: { username?: string; clientId: string; reason: string }): void {
    this.buckets.debit(source);
    const username = details.username === undefined ? null : details.username.slice(0, 64);
    this.log.info({ kioskId: username, clientId: details.clientId.slice(0, 64), source, reason: details.reason }, 'mqtt login failed');
  }

  private prune(): void {
    for (const source of this.buckets.prune()) {
      const refused = this.throttled.get(source);
      if (refused === undefined) continue;
      this.throttled.delete(source);
      this.log.info({ source, refused }, 'mqtt login throttling ended');
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
