/**
 * The delivery loops of one gateway (several may share a PostgreSQL database):
 * - fan-out: every `pollMs`, alert events not yet fanned out become delivery rows, in the transaction that
 *   marks them fanned out (store/deliveries.ts), and the sender is woken at once;
 * - sender: claims due deliveries with a lease, sends them (webhook POST or SMTP), records the outcome and
 *   the next attempt (exponential back-off with jitter) or gives up after `maxAttempts`. It sleeps until
 *   the next due time or lease expiry (at most `IDLE_MS`, for rows another gateway made) unless woken.
 * A gateway killed while sending leaves its claimed rows leased until `leaseMs` passes; then another
 * gateway sends them again: delivery is at-least-once across that crash, and the idempotency key lets
 * the receiver drop the repeat.
 */
import { ulid } from 'ulid';
import type { Logger } from 'pino';
import type { DeliveryConfig } from '../lib/config.js';
import type { Rendered } from '../domain/report-render.js';
import type { Channel, ClaimedDelivery, DeliveryStore } from '../store/deliveries.js';
import type { OrgStore } from '../store/store.js';
import { Mailer } from './mailer.js';
import { planDeliveries } from './plan.js';
import { postWebhook, type Attempt } from './webhook.js';

const IDLE_MS = 5000;
const CLAIM_BATCH = 16;
const FAN_OUT_BATCH = 200;

/** Delay before attempt `attempts + 1`: base · 2^(attempts−1), ±25 % jitter so retries of many spread out. */
export function backoffMs(attempts: number, baseMs: number, random = Math.random): number {
  return Math.round(baseMs * 2 ** Math.max(0, attempts - 1) * (0.75 + 0.5 * random()));
}

export class DeliveryWorker {
  /** This process's name in claimed_by. */
  readonly instance = ulid();
  private readonly channels: Channel[];
  private readonly mailer: Mailer | undefined;
  private stopped = false;
  private fanTimer: NodeJS.Timeout | undefined;
  private sendTimer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private again = false;
  private fanning: Promise<void> | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly org: OrgStore,
    private readonly config: DeliveryConfig,
    private readonly log: Logger,
  ) {
    this.mailer = config.smtp ? new Mailer(config.smtp, config.timeoutMs) : undefined;
    // A gateway without SMTP settings leaves email to those that have them.
    this.channels = this.mailer ? ['webhook', 'email'] : ['webhook'];
  }

  start(): void {
    this.scheduleFanOut(0);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.fanTimer);
    clearTimeout(this.sendTimer);
    await this.fanning;
    await this.sending;
    this.mailer?.close();
  }

  /** Sends what is due now (after a fan-out, a report, a retry): no waiting for the next tick. */
  wake(): void {
    if (this.stopped) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    clearTimeout(this.sendTimer);
    this.sending = this.sendDue()
      .catch((err: Error) => this.log.warn({ err }, 'delivery sender failed; retrying'))
      .finally(() => {
        this.sending = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else void this.sleep();
      });
  }

  private async sleep(): Promise<void> {
    let wait = IDLE_MS;
    try {
      const due = await this.store.nextDue(this.channels);
      if (due !== undefined) wait = Math.min(IDLE_MS, Math.max(0, due - Date.now() + 5));
    } catch (err) {
      this.log.warn({ err }, 'delivery: reading the next due time failed');
    }
    if (this.stopped || this.sending) return;
    clearTimeout(this.sendTimer);
    this.sendTimer = setTimeout(() => this.wake(), wait).unref();
  }

  private async sendDue(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const now = Date.now();
      const batch = await this.store.claim(this.instance, this.channels, now, this.config.leaseMs, CLAIM_BATCH);
      if (batch.length === 0) return;
      await Promise.all(batch.map((d) => this.deliver(d)));
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const log = this.log.child({ deliveryId: d.id, idemKey: d.idemKey, channel: d.channel });
    log.debug({ attempt: d.attempts }, 'delivery sending');
    const result = await this.attempt(d);
    let outcome: Parameters<DeliveryStore['finish']>[2];
    if (result.ok) outcome = { state: 'delivered' };
    else if (result.permanent || d.attempts >= this.config.maxAttempts) outcome = { state: 'failed', error: result.error };
    else outcome = { state: 'pending', error: result.error, retryAt: Date.now() + backoffMs(d.attempts, this.config.retryBaseMs) };
    const recorded = await this.store.finish(d.id, this.instance, outcome);
    const fields = { attempt: d.attempts, ...(result.ok ? {} : { error: result.error }), recorded };
    if (outcome.state === 'delivered') log.info(fields, 'delivery sent');
    else if (outcome.state === 'failed') log.warn(fields, 'delivery failed for good');
    else log.info({ ...fields, retryAt: new Date(outcome.retryAt).toISOString() }, 'delivery attempt failed; will retry');
  }

  private async attempt(d: ClaimedDelivery): Promise<Attempt> {
    if (d.channel === 'webhook') {
      if (d.secret === null) return { ok: false, permanent: true, error: 'subscription deleted' };
      return postWebhook(d.target, d.payload, d.secret, d.idemKey, this.config.timeoutMs);
    }
    if (!this.mailer) return { ok: false, permanent: false, error: 'no SMTP settings on this gateway' };
    return this.mailer.send(d.target, JSON.parse(d.payload) as Rendered, d.idemKey);
  }

  private scheduleFanOut(delay: number): void {
    if (this.stopped) return;
    this.fanTimer = setTimeout(() => {
      this.fanning = this.fanOut()
        .then(() => undefined)
        .catch((err: Error) => this.log.warn({ err }, 'delivery fan-out failed; retrying'))
        .finally(() => {
          this.fanning = undefined;
          this.scheduleFanOut(this.config.pollMs);
        });
    }, delay).unref();
  }

  /** Fans out every pending alert event, then wakes the sender if that made deliveries. */
  async fanOut(): Promise<number> {
    let made = 0;
    while (!this.stopped && (await this.store.hasPendingEvents())) {
      const subs = await this.store.listSubscriptions();
      const regions = [...new Set(subs.flatMap((s) => (s.scope.level === 'region' && s.scope.id ? [s.scope.id] : [])))];
      const regionOffices = new Map<string, string[]>();
      for (const r of regions) regionOffices.set(r, await this.org.officesInRegions([r]));
      const r = await this.store.fanOut(
        FAN_OUT_BATCH,
        (events, current) => planDeliveries(events, current, regionOffices, this.config.publicUrl),
        Date.now(),
      );
      made += r.made;
      if (r.made > 0) this.wake();
      if (r.events === 0) break; // another gateway holds them
    }
    return made;
  }
}
