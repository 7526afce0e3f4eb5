/**
 * The duty feed: keeps `duty` (who is on duty at the desk) on every staff panel bound to a desk in each
 * kiosk's retained config, as a new revision only when it changed. It refreshes
 *  - when the organisation changes (settings.org_rev, polled every `pollMs`: assignments, rota and queue
 *    imports, bindings, employees' names — made through this gateway or another on the same database),
 *  - at the instant the next assignment starts or ends (a timer, re-armed after every refresh; never longer
 *    than `maxSleepMs`, so a shift another gateway scheduled is picked up even if that gateway died),
 *  - when asked (`refresh`, after a kiosk's config was replaced through the API).
 * Several gateways may refresh at once: a revision is written only over the one read (compare-and-set), and
 * publishing the same revision twice is harmless. A kiosk offline at the change gets the retained message
 * when it reconnects.
 */
import type { Logger } from 'pino';
import type { KioskConfigMessage } from '../../../shared/src/index.js';
import { dutyAt, nextBoundary, withDuty } from '../domain/duty.js';
import type { Store } from '../store/store.js';

export interface DutyFeedOptions {
  store: Store;
  publish: (kioskId: string, msg: KioskConfigMessage) => Promise<boolean>;
  log: Logger;
  pollMs?: number;
  maxSleepMs?: number;
}

/** Tries per kiosk when another writer keeps changing its config under us. */
const CAS_TRIES = 3;

export class DutyFeed {
  private readonly pollMs: number;
  private readonly maxSleepMs: number;
  private chain: Promise<unknown> = Promise.resolve();
  private orgRev: number | null = null;
  private boundaryTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: DutyFeedOptions) {
    this.pollMs = opts.pollMs ?? 1000;
    this.maxSleepMs = opts.maxSleepMs ?? 60_000;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.pollTimer = setInterval(() => void this.poll(), this.pollMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.boundaryTimer);
    await this.chain.catch(() => undefined);
  }

  /**
   * Brings the duty of every kiosk (or of these) up to date now, one refresh at a time; resolves with the
   * current config of each kiosk read, after any new revision was stored and handed to the broker.
   */
  refresh(kioskIds?: readonly string[], at?: number): Promise<Map<string, KioskConfigMessage>> {
    const run = this.chain.then(() => this.apply(kioskIds, at));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async poll(): Promise<void> {
    try {
      const rev = await this.opts.store.orgRev();
      if (rev !== this.orgRev && !this.stopped) await this.refresh();
    } catch (err) {
      this.opts.log.warn({ err }, 'duty feed: reading the organisation revision failed');
    }
  }

  private async apply(kioskIds: readonly string[] | undefined, at: number | undefined): Promise<Map<string, KioskConfigMessage>> {
    const { store, publish, log } = this.opts;
    // A timer may fire a millisecond early: judge at the boundary it was set for, never before it.
    const now = Math.max(Date.now(), at ?? 0);
    const out = new Map<string, KioskConfigMessage>();
    let pending: readonly string[] | undefined = kioskIds;
    for (let attempt = 0; attempt < CAS_TRIES && (pending === undefined || pending.length > 0); attempt++) {
      const snap = await store.dutySnapshot(now, pending);
      const whole = pending === undefined;
      const onDuty = dutyAt(snap.assignments, now);
      const desks = new Map<string, Map<string, string>>();
      for (const b of snap.bindings) {
        if (!desks.has(b.kioskId)) desks.set(b.kioskId, new Map());
        desks.get(b.kioskId)!.set(b.panel, b.deskId);
      }
      const retry: string[] = [];
      for (const { kioskId, config } of snap.configs) {
        const panels = withDuty(config, desks.get(kioskId) ?? new Map(), onDuty);
        if (!panels) {
          out.set(kioskId, config);
          continue;
        }
        const msg = await store.replaceConfigPanels(kioskId, config.rev, panels);
        if (!msg) {
          retry.push(kioskId); // someone wrote a revision since we read: judge that one
          continue;
        }
        out.set(kioskId, msg);
        const published = await publish(kioskId, msg);
        log.info(
          {
            kioskId,
            rev: msg.rev,
            published,
            duty: panels.filter((p) => p.duty !== undefined).map((p) => ({ panel: p.id, duty: p.duty })),
          },
          'duty changed',
        );
      }
      if (whole) {
        this.orgRev = snap.orgRev;
        this.arm(nextBoundary(snap.assignments, now));
      }
      pending = retry;
    }
    if (pending && pending.length > 0) log.warn({ kiosks: pending }, 'duty feed: configs kept changing; left to the next refresh');
    return out;
  }

  /** Wakes at the next boundary (or after maxSleepMs, to re-read what other gateways scheduled). */
  private arm(boundary: number | null): void {
    clearTimeout(this.boundaryTimer);
    if (this.stopped) return;
    const wait = boundary === null ? this.maxSleepMs : Math.min(Math.max(boundary - Date.now(), 0), this.maxSleepMs);
    const at = boundary !== null && boundary - Date.now() <= this.maxSleepMs ? boundary : undefined;
    this.boundaryTimer = setTimeout(() => {
      this.refresh(undefined, at).catch((err: Error) => this.opts.log.error({ err }, 'duty feed: refresh failed'));
    }, wait).unref();
  }
}
