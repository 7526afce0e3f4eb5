/**
 * The fleet in memory, for /metrics and "newest agent version": per kiosk its latest status, receipt
 * time and health memory. Loaded from the database at start in small pages (the event loop gets a turn
 * between them), moved on by every status this gateway commits, and, on a database that several gateways
 * may share (PostgreSQL), reloaded the same way every minute: each of them ingests only some kiosks' statuses. A scrape reads this
 * map, never the database: 10 000 kiosks cost one pass over it.
 */
import type { Logger } from 'pino';
import type { HealthThresholds, StatusMessage } from '../../../shared/src/index.js';
import { kioskHealth, newestVersion, track, type HealthTrack } from '../domain/kiosk-health.js';
import { slicer } from '../lib/event-loop.js';
import type { GatewayMetrics } from '../lib/metrics.js';
import type { Store, StatusUpdate } from '../store/store.js';

interface KioskView {
  status: { payload: StatusMessage; receivedAt: string } | null;
  track: HealthTrack | null;
}

const PAGE = 500;

interface Snapshot {
  online: number;
  offline: number;
  neverSeen: number;
  problems: Map<string, number>;
  unsynced: number;
  boardDown: number;
}

export class FleetView {
  private kiosks = new Map<string, KioskView>();
  /** Agent versions running, with how many kiosks run each (kept as statuses arrive). */
  private versions = new Map<string, number>();
  private newest: string | null | undefined;
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly thresholds: HealthThresholds,
    private readonly log: Logger,
  ) {}

  /** Loads the fleet, then (with `refreshMs`) reloads it that often in the background. */
  async start(refreshMs?: number): Promise<void> {
    await this.refresh();
    if (refreshMs === undefined) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err: Error) => this.log.warn({ err }, 'reloading the fleet view failed'));
    }, refreshMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Rereads every kiosk, a page at a time; statuses committed meanwhile are not lost (the newer wins). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const pause = slicer();
    const seen = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listKiosks(after, PAGE);
      for (const k of page) {
        seen.add(k.id);
        const mine = this.kiosks.get(k.id);
        const newer = !mine?.status || (k.status !== null && k.status.receivedAt >= mine.status.receivedAt);
        if (newer) this.put(k.id, { status: k.status, track: k.track });
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
      await pause();
    }
    for (const id of this.kiosks.keys()) if (!seen.has(id)) this.put(id, undefined);
  }

  /** A kiosk just registered: counted as never seen until its first status. */
  registered(id: string): void {
    if (!this.kiosks.has(id)) this.put(id, { status: null, track: null });
  }

  /** Statuses just committed, in order, received at `at` (what the database now has, too). */
  applied(statuses: readonly StatusUpdate[], at: string): void {
    for (const st of statuses) {
      const prev = this.kiosks.get(st.kioskId);
      this.put(st.kioskId, { status: { payload: st.payload, receivedAt: at }, track: track(prev?.track ?? null, st.payload, at) });
    }
  }

  private put(id: string, next: KioskView | undefined): void {
    const before = this.kiosks.get(id)?.status?.payload.version;
    if (next) this.kiosks.set(id, next);
    else this.kiosks.delete(id);
    const after = next?.status?.payload.version;
    if (before === after) return;
    if (before !== undefined) {
      const n = (this.versions.get(before) ?? 1) - 1;
      if (n > 0) this.versions.set(before, n);
      else this.versions.delete(before);
    }
    if (after !== undefined) this.versions.set(after, (this.versions.get(after) ?? 0) + 1);
    this.newest = undefined;
  }

  /** The newest agent version any kiosk reports (its last status). */
  newestVersion(): string | null {
    this.newest ??= newestVersion(this.versions.keys());
    return this.newest;
  }

  get size(): number {
    return this.kiosks.size;
  }

  /** The kiosk gauges' values for the current scrape (newScrape computes them). */
  private snapshot: Snapshot = { online: 0, offline: 0, neverSeen: 0, problems: new Map(), unsynced: 0, boardDown: 0 };

  /**
   * Call before each scrape: judges every kiosk's health once for all the kiosk gauges, giving the event
   * loop a turn every few ms (10 000 kiosks take ~20 ms in all).
   */
  async newScrape(): Promise<void> {
    const pause = slicer();
    const now = Date.now();
    const value: Snapshot = { online: 0, offline: 0, neverSeen: 0, problems: new Map(), unsynced: 0, boardDown: 0 };
    const newest = this.newestVersion();
    let i = 0;
    for (const k of [...this.kiosks.values()]) {
      const h = kioskHealth({ status: k.status, track: k.track, thresholds: this.thresholds, newestVersion: newest, now });
      if (!k.status) value.neverSeen++;
      else if (h.online) value.online++;
      else value.offline++;
      for (const p of h.problems) {
        value.problems.set(p.rule, (value.problems.get(p.rule) ?? 0) + 1);
        if (p.rule === 'clock-unsynced') value.unsynced++;
        if (p.rule === 'board-disconnected') value.boardDown++;
      }
      if (++i % 256 === 0) await pause();
    }
    this.snapshot = value;
  }

  /**
   * lb_kiosk_backlog, one series per kiosk that reported a backlog, as exposition text: written here, a
   * slice at a time, because prom-client formats a 10 000-series metric in one ~60 ms block. Kiosk ids
   * (KIOSK_ID_PATTERN) need no escaping in a label value.
   */
  async backlogText(): Promise<string> {
    const pause = slicer();
    const lines = [
      '# HELP lb_kiosk_backlog Presses waiting in each kiosk’s outbox (unacknowledged), from its last status',
      '# TYPE lb_kiosk_backlog gauge',
    ];
    let i = 0;
    for (const [kiosk, k] of [...this.kiosks]) {
      const pending = k.status?.payload.outbox?.pending;
      if (pending !== undefined) lines.push(`lb_kiosk_backlog{kiosk="${kiosk}"} ${pending}`);
      if (++i % 1000 === 0) await pause();
    }
    return `${lines.join('\n')}\n`;
  }

  /** Registers the kiosk gauges on `metrics`; they read the snapshot of newScrape, never the database. */
  registerGauges(metrics: GatewayMetrics): void {
    metrics.gauge('lb_kiosks', 'Registered kiosks by state: online, offline (or silent), never_seen', ['state'], (g) => {
      g.set({ state: 'online' }, this.snapshot.online);
      g.set({ state: 'offline' }, this.snapshot.offline);
      g.set({ state: 'never_seen' }, this.snapshot.neverSeen);
    });
    metrics.gauge('lb_kiosks_clock_unsynced', 'Online kiosks whose clock is not synchronised', [], (g) => g.set(this.snapshot.unsynced));
    metrics.gauge('lb_kiosks_board_disconnected', 'Online kiosks whose button board is disconnected', [], (g) =>
      g.set(this.snapshot.boardDown),
    );
    metrics.gauge('lb_kiosks_with_problem', 'Kiosks with each health problem (see GET /api/v1/kiosks?problem=)', ['rule'], (g) => {
      g.reset();
      for (const [rule, n] of this.snapshot.problems) g.set({ rule }, n);
    });
  }
}
