/**
 * What a new press scores as: its office, desk, kind, clock-corrected time, employee (at the press time)
 * and the gateway's authoritative misuse flag, decided from what the scorer holds — settings, zones,
 * bindings, assignments, boot anchors and each panel's rule state. It holds plain data and reads
 * nothing: when it lacks something it answers `MISS`, and the store (store/scoring-store.ts) loads it
 * and asks again. The store also says when what it holds is stale (`setOrg`, `checkKiosk`, `invalidate`).
 */
import type { Event, PanelKind } from '../../../shared/src/index.js';
import { emptyHistory, flagPress, type PanelHistory } from '../../../shared/src/misuse.js';
import type { CompanySettings, DeskAssignment, PanelBinding } from '../domain/organisation.js';
import { TIME_SOURCE, type BootAnchor } from '../domain/press.js';
import { employeeAt } from './attribution.js';
import { correctedAt } from './clock-correction.js';
import { HourBuckets, type HourKey } from './hour-buckets.js';
import type { Pass } from './pass.js';

/** scoreCached's answer when the scorer lacks what it needs. */
export const MISS = Symbol('cache miss');

/** The misuse rules' state after the latest timed press of a panel. */
export interface PanelState {
  kioskId: string;
  panel: string;
  lastT: number;
  lastSeq: number;
  history: PanelHistory;
}

/** The scoring columns of a new press, before it is inserted. */
export interface NewScoring {
  officeId: string;
  deskId: string | null;
  kind: PanelKind;
  employeeId: string | null;
  t: number | null;
  timeSource: number;
  /** The misuse flag, final when `inOrder` (the press follows every timed press of its panel); armed adds bit 2. */
  excl: number;
  /** Armed panels: the ticket answered or sent (set by the store's armed judgement). */
  ticket?: string | null;
  inOrder: PanelState | null;
}

/** What is held per kiosk: valid while its `received` counter equals `stamp`. */
interface KioskState {
  stamp: number | undefined;
  panels: Map<string, PanelState | null>;
  anchors: Map<string, BootAnchor | null>;
}

export class Scorer {
  private orgRev: number | undefined;
  private settingsNow: CompanySettings | undefined;
  private zones = new Map<string, string>();
  /** Per kiosk, per panel (nested: no key string built per press). */
  private bindings = new Map<string, Map<string, PanelBinding | null>>();
  private desks = new Map<string, DeskAssignment[]>();
  private kiosks = new Map<string, KioskState>();
  private readonly hours = new HourBuckets();

  /** Forgets everything held (after a rolled-back transaction, whose reads may be in it). */
  invalidate(): void {
    this.orgRev = undefined;
    this.settingsNow = undefined;
    this.zones.clear();
    this.bindings.clear();
    this.desks.clear();
    this.kiosks.clear();
  }

  /** Whether the organisation held is revision `rev` (settings.org_rev, bumped by every organisation change). */
  holdsOrg(rev: number): boolean {
    return rev === this.orgRev && this.settingsNow !== undefined;
  }

  /** The organisation changed: everything held goes, and revision `rev`'s settings and office time zones come. */
  setOrg(rev: number, settings: CompanySettings, zones: Iterable<{ id: string; timeZone: string }>): void {
    this.invalidate();
    this.orgRev = rev;
    this.settingsNow = settings;
    for (const z of zones) this.zones.set(z.id, z.timeZone);
  }

  settings(): CompanySettings {
    if (!this.settingsNow) throw new Error('scorer used before its organisation was set');
    return this.settingsNow;
  }

  /** The kiosk's `received` counter as now stored: drops what is held for it if another writer moved it. */
  checkKiosk(kioskId: string, received: number): void {
    const c = this.kiosks.get(kioskId);
    if (c && c.stamp !== received) this.kiosks.delete(kioskId);
  }

  /** After commit: what is held for the kiosk is current as of this `received` count. */
  stampKiosk(kioskId: string, received: number): void {
    this.kiosk(kioskId).stamp = received;
  }

  private kiosk(kioskId: string): KioskState {
    let c = this.kiosks.get(kioskId);
    if (!c) this.kiosks.set(kioskId, (c = { stamp: undefined, panels: new Map(), anchors: new Map() }));
    return c;
  }

  /** Their assignments changed. */
  forgetDesks(deskIds: readonly string[]): void {
    for (const d of deskIds) this.desks.delete(d);
  }

  forgetPanel(kioskId: string, panel: string): void {
    this.kiosks.get(kioskId)?.panels.delete(panel);
  }

  /** Held bindings, assignments, anchors and panel states: undefined when not held (null: known to be none). */
  binding(kioskId: string, panel: string): PanelBinding | null | undefined {
    return this.bindings.get(kioskId)?.get(panel);
  }

  putBinding(kioskId: string, panel: string, b: PanelBinding | null): void {
    let panels = this.bindings.get(kioskId);
    if (!panels) this.bindings.set(kioskId, (panels = new Map()));
    panels.set(panel, b);
  }

  assignments(deskId: string): DeskAssignment[] | undefined {
    return this.desks.get(deskId);
  }

  putAssignments(deskId: string, list: DeskAssignment[]): void {
    this.desks.set(deskId, list);
  }

  anchor(kioskId: string, bootId: string): BootAnchor | null | undefined {
    return this.kiosks.get(kioskId)?.anchors.get(bootId);
  }

  putAnchor(kioskId: string, bootId: string, a: BootAnchor | null): void {
    this.kiosk(kioskId).anchors.set(bootId, a);
  }

  panelState(kioskId: string, panel: string): PanelState | null | undefined {
    return this.kiosks.get(kioskId)?.panels.get(panel);
  }

  putPanelState(kioskId: string, panel: string, st: PanelState | null): void {
    this.kiosk(kioskId).panels.set(panel, st);
  }

  /** After the press was stored: its panel's state moves on. */
  advance(next: PanelState): void {
    this.putPanelState(next.kioskId, next.panel, next);
  }

  /** The local hour of the office that `t` is counted in. */
  hourKey(officeId: string, t: number): HourKey {
    return this.hours.of(t, this.zones.get(officeId) ?? 'UTC');
  }

  /** The employee at the desk at `t` (none without a desk or a time); the desk's assignments must be held. */
  employee(deskId: string | null, t: number | null): string | null {
    if (deskId === null || t === null) return null;
    const list = this.desks.get(deskId);
    if (!list) throw new Error(`assignments of desk ${deskId} not held`);
    return employeeAt(list, deskId, t) ?? null;
  }

  /**
   * Scoring columns for a new press from what is held alone (no generator, no allocation beyond the
   * result: this runs for every press); `MISS` when something must be loaded first.
   */
  scoreCached(kioskId: string, e: Event, at: number, pass: Pass): NewScoring | null | typeof MISS {
    const b = this.bindings.get(kioskId)?.get(e.panel);
    if (b === undefined) return MISS;
    if (b === null) return null;
    const cache = this.kiosks.get(kioskId);
    let t: number | null = at;
    let timeSource: number = TIME_SOURCE.synced;
    if (!e.clockSynced) {
      const a = cache?.anchors.get(e.bootId);
      if (a === undefined) return MISS;
      t = a ? correctedAt(a, e.uptimeMs) : null;
      timeSource = a ? TIME_SOURCE.corrected : TIME_SOURCE.uncertain;
    }
    let employeeId: string | null = null;
    if (b.deskId !== null && t !== null) {
      const list = this.desks.get(b.deskId);
      if (!list) return MISS;
      employeeId = employeeAt(list, b.deskId, t) ?? null;
    }
    let excl = 0;
    let inOrder: PanelState | null = null;
    if (t !== null && !pass.dirty(kioskId, e.panel)) {
      const st = cache?.panels.get(e.panel);
      if (st === undefined) return MISS;
      if (!st || t > st.lastT || (t === st.lastT && e.seq > st.lastSeq)) {
        const r = flagPress(st?.history ?? emptyHistory(), t, this.settings().misuse);
        excl = r.flags.length > 0 ? 1 : 0;
        inOrder = { kioskId, panel: e.panel, lastT: t, lastSeq: e.seq, history: r.history };
      }
    }
    return { officeId: b.officeId, deskId: b.deskId, kind: b.kind, employeeId, t, timeSource, excl, inOrder };
  }

  /** True when the boot's held anchor is at or before `uptimeMs`: a synced press there changes nothing. */
  anchorHolds(kioskId: string, bootId: string, uptimeMs: number): boolean {
    const a = this.kiosks.get(kioskId)?.anchors.get(bootId);
    return !!a && a.uptimeMs <= uptimeMs;
  }

  /**
   * A synced press just stored: it becomes its boot's anchor if it is the boot's earliest synced press
   * (the boot's anchor must be held). True when it did: the store writes it, and the pass re-corrects the boot.
   */
  offerAnchor(pass: Pass, kioskId: string, bootId: string, uptimeMs: number, at: number): boolean {
    const a = this.anchor(kioskId, bootId);
    if (a === undefined) throw new Error(`anchor of boot ${bootId} not held`);
    if (a && a.uptimeMs <= uptimeMs) return false;
    this.putAnchor(kioskId, bootId, { uptimeMs, at });
    pass.anchorMoved(kioskId, bootId);
    return true;
  }
}
