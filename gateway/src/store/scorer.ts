/**
 * Scoring inside the ingest transaction: each press of a bound panel gets its office, desk, kind,
 * clock-corrected time, employee (at the press time) and the gateway's authoritative misuse flag; the
 * hour and day rollups change by exactly the difference each press's contribution made. Every change
 * (new press, late press, clock correction, re-flag, re-attribution) goes through one `Pass`, so the
 * rollups always equal a recount of the presses.
 *
 * Several gateways may share one PostgreSQL database, so caches are checked, not trusted: organisation
 * caches against `settings.org_rev` (bumped by every organisation change) at the start of every
 * transaction, a kiosk's panel states and boot anchors against its `received` counter once the kiosk's
 * row is locked (another gateway that stored presses for it moved the counter).
 */
import type { Event, MisuseRules, PanelKind } from '../../../shared/src/index.js';
import { emptyHistory, flagPress, type PanelHistory } from '../../../shared/src/misuse.js';
import { employeeAt, type DeskAssignment } from '../scoring/attribution.js';
import { correctClock } from '../scoring/clock-correction.js';
import { quietGapMs } from '../scoring/misuse.js';
import { bucketStart, localTime } from '../scoring/periods.js';
import { dayNumber, type CompanySettings, type PanelBinding } from './org.js';
import { all, get, run, type Q, type Row, type SqlDriver } from './sql.js';

export interface ScoredRow {
  rid: number;
  kiosk_id: string;
  panel: string;
  seq: number;
  button: 'good' | 'neutral' | 'bad';
  boot_id: string;
  uptime_ms: number;
  at: number;
  office_id: string | null;
  desk_id: string | null;
  employee_id: string | null;
  kind: PanelKind | null;
  t: number | null;
  time_source: number | null;
  excl: number;
}

const SYNCED = 0;
const CORRECTED = 1;
const UNCERTAIN = 2;
const ROW_COLUMNS = 'rid, kiosk_id, panel, seq, button, boot_id, uptime_ms, at, office_id, desk_id, employee_id, kind, t, time_source, excl';
const SLOT_MS = 15 * 60_000;
/** scoreCached's answer when a cache lacks what it needs. */
export const MISS = Symbol('cache miss');

const SQL = {
  binding: 'SELECT kind, office_id, desk_id FROM panel_bindings WHERE kiosk_id = ? AND panel = ?',
  zones: 'SELECT id, time_zone FROM offices',
  assignments: 'SELECT desk_id AS "deskId", employee_id AS "employeeId", from_ms AS "from", to_ms AS "to" FROM assignments WHERE desk_id = ?',
  settings: 'SELECT * FROM settings WHERE id = 1',
  anchor: 'SELECT uptime_ms AS "uptimeMs", at FROM boot_anchors WHERE kiosk_id = ? AND boot_id = ?',
  putAnchor: `INSERT INTO boot_anchors (kiosk_id, boot_id, uptime_ms, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (kiosk_id, boot_id) DO UPDATE SET uptime_ms = excluded.uptime_ms, at = excluded.at`,
  unsynced: `SELECT ${ROW_COLUMNS} FROM events WHERE kiosk_id = ? AND boot_id = ? AND time_source > 0 AND office_id IS NOT NULL`,
  lastTimed: 'SELECT t, seq FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL ORDER BY t DESC, seq DESC LIMIT 1',
  window: 'SELECT t, excl FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL AND t >= ? AND t <= ? ORDER BY t, seq, rid',
  stretch: `SELECT ${ROW_COLUMNS} FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL AND t >= ? AND t <= ? ORDER BY t, seq, rid`,
  // A desk's presses through its panels' kiosks (events_kiosk_seq): no per-press desk index to maintain.
  onDesk: `SELECT ${ROW_COLUMNS.split(', ').map((c) => `e.${c}`).join(', ')} FROM desk_panels p CROSS JOIN events e
    WHERE e.kiosk_id = p.kiosk_id AND e.panel = p.panel AND e.t IS NOT NULL AND e.t >= ? AND e.t < ? AND e.desk_id = p.desk_id
    AND p.desk_id = ?`,
  setTime: 'UPDATE events SET t = ?, time_source = ?, employee_id = ? WHERE rid = ?',
  setExcl: 'UPDATE events SET excl = ? WHERE rid = ?',
  setEmployee: 'UPDATE events SET employee_id = ? WHERE rid = ?',
  hour: `INSERT INTO rollup_hour (office_id, hour_start, kind, desk_id, employee_id, day, local_hour, weekday, good, neutral, bad, excl)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, hour_start, kind, desk_id, employee_id) DO UPDATE SET
    good = rollup_hour.good + excluded.good, neutral = rollup_hour.neutral + excluded.neutral,
    bad = rollup_hour.bad + excluded.bad, excl = rollup_hour.excl + excluded.excl`,
  day: `INSERT INTO rollup_day (office_id, day, kind, desk_id, employee_id, good, neutral, bad, excl)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, day, kind, desk_id, employee_id) DO UPDATE SET
    good = rollup_day.good + excluded.good, neutral = rollup_day.neutral + excluded.neutral,
    bad = rollup_day.bad + excluded.bad, excl = rollup_day.excl + excluded.excl`,
  bumpOrg: 'UPDATE settings SET org_rev = org_rev + 1 WHERE id = 1',
};

/** A panel to re-flag from `min` (`max`: the latest change); presses are judged in (t, seq, arrival) order, as flagPresses does. */
interface PanelStretch { kioskId: string; panel: string; min: number; max: number }

/** The scoring columns of a new press, before it is inserted. */
export interface NewScoring {
  officeId: string; deskId: string | null; kind: PanelKind; employeeId: string | null; t: number | null; timeSource: number;
  /** The misuse flag, final when `inOrder` (the press follows every timed press of its panel). */
  excl: number;
  inOrder: PanelState | null;
}

/** The misuse rules' state after the latest timed press of a panel. */
interface PanelState { kioskId: string; panel: string; lastT: number; lastSeq: number; history: PanelHistory }
type Anchor = { uptimeMs: number; at: number };
/** What is cached per kiosk: valid while its `received` counter equals `stamp`. */
interface KioskCache { stamp: number | undefined; panels: Map<string, PanelState | null>; anchors: Map<string, Anchor | null> }

interface HourKey { hourStart: number; day: number; localHour: number; weekday: number }
interface Delta { office: string; hour: HourKey; kind: string; desk: string; employee: string; good: number; neutral: number; bad: number; excl: number }

function settingsFromRow(r: Row): CompanySettings {
  return {
    k: r.k as number, neutralCountsAsDissatisfied: r.neutral_dissatisfied === 1, minSample: r.min_sample as number,
    misuse: { lockoutMs: r.lockout_ms as number, burstCount: r.burst_count as number, burstWindowMs: r.burst_window_ms as number },
  };
}

/** Caches of what the hot path looks up (bindings, zones, assignments, anchors, settings, panel states). */
export class Scorer {
  private orgRev: number | undefined;
  private settingsCache: CompanySettings | undefined;
  private zones = new Map<string, string>();
  /** Per kiosk, per panel (nested: no key string built per press). */
  private bindings = new Map<string, Map<string, PanelBinding | null>>();
  private desks = new Map<string, DeskAssignment[]>();
  private kiosks = new Map<string, KioskCache>();
  private hours = new Map<string, Map<number, HourKey>>();

  constructor(readonly driver: SqlDriver) {}

  /** Forgets everything cached (after a rolled-back transaction, whose reads may be in the caches). */
  invalidate(): void {
    this.orgRev = undefined;
    this.settingsCache = undefined;
    this.zones.clear();
    this.bindings.clear();
    this.desks.clear();
    this.kiosks.clear();
  }

  /**
   * Start of a transaction: reloads settings and zones if the organisation changed since we last looked.
   * `share` locks the settings row for the transaction (ingest), so an organisation change waits for it.
   */
  *sync(share = false): Q<void> {
    const r = (yield* get(SQL.settings + (share ? this.driver.forShare : '')))!;
    if (r.org_rev === this.orgRev && this.settingsCache) return;
    this.invalidate();
    this.orgRev = r.org_rev as number;
    this.settingsCache = settingsFromRow(r);
    for (const z of yield* all<{ id: string; time_zone: string }>(SQL.zones)) this.zones.set(z.id, z.time_zone);
  }

  /**
   * Start of an organisation change: bumps org_rev first (its row lock waits for running ingests and
   * holds new ones back until commit), then reloads.
   */
  *changeOrg(): Q<void> {
    yield* run(SQL.bumpOrg);
    yield* this.sync();
  }

  /** Valid after `sync()`. */
  settings(): CompanySettings {
    if (!this.settingsCache) throw new Error('scorer used before sync()');
    return this.settingsCache;
  }

  /** The kiosk's row is locked and its `received` counter read: drops its caches if another writer moved it. */
  checkKiosk(kioskId: string, received: number): void {
    const c = this.kiosks.get(kioskId);
    if (c && c.stamp !== received) this.kiosks.delete(kioskId);
  }

  /** After commit: the kiosk's caches are current as of this `received` count. */
  stampKiosk(kioskId: string, received: number): void {
    this.kioskCache(kioskId).stamp = received;
  }

  private kioskCache(kioskId: string): KioskCache {
    let c = this.kiosks.get(kioskId);
    if (!c) this.kiosks.set(kioskId, (c = { stamp: undefined, panels: new Map(), anchors: new Map() }));
    return c;
  }

  /** Their assignments changed within this transaction. */
  forgetDesks(deskIds: readonly string[]): void {
    for (const d of deskIds) this.desks.delete(d);
  }

  forgetPanel(kioskId: string, panel: string): void {
    this.kiosks.get(kioskId)?.panels.delete(panel);
  }

  private *panelState(kioskId: string, panel: string): Q<PanelState | null> {
    const panels = this.kioskCache(kioskId).panels;
    let st = panels.get(panel);
    if (st === undefined) {
      const last = yield* get<{ t: number; seq: number }>(SQL.lastTimed, kioskId, panel);
      st = null;
      if (last) {
        const history = yield* storedHistory(kioskId, panel, last.t - quietGapMs(this.settings().misuse), last.t);
        st = { kioskId, panel, lastT: last.t, lastSeq: last.seq, history };
      }
      panels.set(panel, st);
    }
    return st;
  }

  /** After the press was stored: its panel's state moves on. */
  advance(next: PanelState): void {
    this.kioskCache(next.kioskId).panels.set(next.panel, next);
  }

  *binding(kioskId: string, panel: string): Q<PanelBinding | null> {
    let panels = this.bindings.get(kioskId);
    if (!panels) this.bindings.set(kioskId, (panels = new Map()));
    let b = panels.get(panel);
    if (b === undefined) {
      const r = yield* get<{ kind: PanelKind; office_id: string; desk_id: string | null }>(SQL.binding, kioskId, panel);
      b = r ? { kioskId, panel, kind: r.kind, officeId: r.office_id, deskId: r.desk_id } : null;
      panels.set(panel, b);
    }
    return b;
  }

  *assignments(deskId: string): Q<DeskAssignment[]> {
    let list = this.desks.get(deskId);
    if (!list) {
      list = yield* all<DeskAssignment>(SQL.assignments, deskId);
      this.desks.set(deskId, list);
    }
    return list;
  }

  /**
   * The local hour bucket of `t`, memoised per 15-minute UTC slot: every UTC offset in use since 1972 is
   * a multiple of 15 minutes and clocks change on a local hour, so a local hour never starts inside a
   * slot. Saves the ~10 Intl calls per press that made localTime the ingest's hottest function.
   */
  hourKey(officeId: string, t: number): HourKey {
    const zone = this.zones.get(officeId) ?? 'UTC';
    let slots = this.hours.get(zone);
    if (!slots) this.hours.set(zone, (slots = new Map()));
    const slot = Math.floor(t / SLOT_MS);
    let h = slots.get(slot);
    if (!h) {
      h = hourOf(t, zone);
      if (slots.size > 200_000) slots.clear();
      slots.set(slot, h);
    }
    return h;
  }

  private *anchor(kioskId: string, bootId: string): Q<Anchor | null> {
    const anchors = this.kioskCache(kioskId).anchors;
    let a = anchors.get(bootId);
    if (a === undefined) {
      a = (yield* get<Anchor>(SQL.anchor, kioskId, bootId)) ?? null;
      anchors.set(bootId, a);
    }
    return a;
  }

  private *employee(deskId: string | null, t: number | null): Q<string | null> {
    if (deskId === null || t === null) return null;
    return employeeAt(yield* this.assignments(deskId), deskId, t) ?? null;
  }

  /**
   * Scoring columns for a new press from the caches alone (no generator, no allocation beyond the
   * result: this runs for every press); `MISS` when something must be read first (`scoreNew`).
   */
  scoreCached(kioskId: string, e: Event, at: number, pass: Pass): NewScoring | null | typeof MISS {
    const b = this.bindings.get(kioskId)?.get(e.panel);
    if (b === undefined) return MISS;
    if (b === null) return null;
    const cache = this.kiosks.get(kioskId);
    let t: number | null = at;
    let timeSource = SYNCED;
    if (!e.clockSynced) {
      const a = cache?.anchors.get(e.bootId);
      if (a === undefined) return MISS;
      t = a ? correctedTime(a, e.uptimeMs, at) : null;
      timeSource = a ? CORRECTED : UNCERTAIN;
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

  /** `scoreCached` after reading into the caches whatever it lacks. */
  *scoreNew(kioskId: string, e: Event, at: number, pass: Pass): Q<NewScoring | null> {
    const b = yield* this.binding(kioskId, e.panel);
    if (!b) return null;
    const a = e.clockSynced ? undefined : yield* this.anchor(kioskId, e.bootId);
    if (b.deskId !== null) yield* this.assignments(b.deskId);
    if (a !== null) yield* this.panelState(kioskId, e.panel);
    const sc = this.scoreCached(kioskId, e, at, pass);
    if (sc === MISS) throw new Error('scorer caches incomplete after loading');
    return sc;
  }

  /** True when the boot's cached anchor is at or before `uptimeMs`: `offerAnchor` would change nothing. */
  anchorHolds(kioskId: string, bootId: string, uptimeMs: number): boolean {
    const a = this.kiosks.get(kioskId)?.anchors.get(bootId);
    return !!a && a.uptimeMs <= uptimeMs;
  }

  /** A synced press just stored: the boot's anchor if it is the earliest synced press of its boot. */
  *offerAnchor(pass: Pass, kioskId: string, bootId: string, uptimeMs: number, at: number): Q<void> {
    const a = yield* this.anchor(kioskId, bootId);
    if (a && a.uptimeMs <= uptimeMs) return;
    yield* run(SQL.putAnchor, kioskId, bootId, uptimeMs, at);
    this.kioskCache(kioskId).anchors.set(bootId, { uptimeMs, at });
    pass.boots.add(`${kioskId}\u0000${bootId}`);
  }

  newPass(): Pass {
    return new Pass(this);
  }

  *recorrect(pass: Pass, kioskId: string, bootId: string): Q<void> {
    const a = yield* this.anchor(kioskId, bootId);
    if (!a) return;
    for (const fromDb of yield* all<ScoredRow>(SQL.unsynced, kioskId, bootId)) {
      const row = pass.track(fromDb);
      const t = correctedTime(a, row.uptime_ms, row.at);
      if (row.t === t && row.time_source === CORRECTED) continue;
      if (row.t !== null) pass.reflagAt(row, row.t);
      row.t = t;
      row.time_source = CORRECTED;
      row.employee_id = yield* this.employee(row.desk_id, t);
      yield* run(SQL.setTime, t, CORRECTED, row.employee_id, row.rid);
      pass.reflagAt(row, t);
    }
  }

  /** Presses of `deskId` in [from, to) get the employee the current assignments give at their time. */
  *reattribute(pass: Pass, deskId: string, from: number, to: number | null): Q<void> {
    for (const fromDb of yield* all<ScoredRow>(SQL.onDesk, from, to ?? Number.MAX_SAFE_INTEGER, deskId)) {
      const row = pass.track(fromDb);
      const employee = yield* this.employee(deskId, row.t);
      if (employee === row.employee_id) continue;
      row.employee_id = employee;
      yield* run(SQL.setEmployee, employee, row.rid);
      pass.changed++;
    }
  }
}

/**
 * The local clock hour holding `t`: its wall reading minus the minutes and seconds, confirmed by reading
 * the wall clock at that instant (two Intl calls); `bucketStart` (about ten) only where a clock change
 * falls inside the hour (e.g. Lord Howe's half-hour DST).
 */
function hourOf(t: number, zone: string): HourKey {
  const l = localTime(t, zone);
  const guess = t - (l.minute * 60 + l.second) * 1000 - (((t % 1000) + 1000) % 1000);
  const check = localTime(guess, zone);
  const exact = check.hour === l.hour && check.minute === 0 && check.second === 0 && check.day === l.day;
  const hourStart = exact ? guess : bucketStart(t, zone, 'hour');
  const s = exact ? l : localTime(hourStart, zone);
  return { hourStart, day: dayNumber(s.year, s.month, s.day), localHour: s.hour, weekday: s.weekday };
}

/**
 * The rules' state of a panel after its stored presses with t in [from, to], rebuilt from their stored
 * flags (the last accepted press, the recent presses); `from` a quiet gap before `to` is enough.
 */
function* storedHistory(kioskId: string, panel: string, from: number, to: number): Q<PanelHistory> {
  const history = emptyHistory();
  for (const r of yield* all<{ t: number; excl: number }>(SQL.window, kioskId, panel, from, to)) {
    history.recent.push(r.t);
    if (!r.excl) history.lastAcceptedAt = r.t;
  }
  return history;
}

/** correctClock with one anchor: the boot's earliest synced press. */
function correctedTime(anchor: Anchor, uptimeMs: number, at: number): number {
  const [, corrected] = correctClock([
    { bootId: 'b', uptimeMs: anchor.uptimeMs, at: anchor.at, clockSynced: true },
    { bootId: 'b', uptimeMs, at, clockSynced: false },
  ]);
  return corrected!.correctedAt;
}

/** Past any press time, with room to add a quiet gap: `reflag` then reads the panel's presses in one go. */
const WHOLE = Number.MAX_SAFE_INTEGER / 2;
const isZero = (d: Delta) => !d.good && !d.neutral && !d.bad && !d.excl;
/** Rollup rows are written in key order, so two gateways updating the same rows cannot deadlock. */
const sortedByKey = (m: Map<string, Delta>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);

/** One transaction's worth of scoring changes. */
export class Pass {
  /** Touched stored rows, their current state (their stored contribution was taken back when first touched). */
  private readonly rows = new Map<number, ScoredRow>();
  /** Rollup changes per (office, hour, kind, desk, employee). */
  private readonly hours = new Map<string, Delta>();
  private last: Delta | undefined;
  private readonly panels = new Map<string, PanelStretch>();
  readonly boots = new Set<string>();
  /** Presses re-attributed / whose misuse flag changed. */
  changed = 0;
  reflagged = 0;

  constructor(private readonly scorer: Scorer) {}

  /**
   * A press stored in this pass: its contribution counts at once. It is not tracked: should the pass
   * touch it again (re-flag, clock correction), it is read back as stored, and that stored contribution
   * is what `track` then takes back out. `flagged`: its misuse flag is already final.
   */
  addNew(kioskId: string, e: Event, sc: NewScoring): void {
    this.count(sc.officeId, sc.t, sc.kind, sc.deskId, sc.employeeId, sc.excl, e.button, 1);
    if (sc.t !== null && sc.inOrder === null) this.reflagAt({ kiosk_id: kioskId, panel: e.panel }, sc.t);
  }

  /** The whole history of a panel is to be judged again (the misuse rules changed). */
  reflagWhole(kioskId: string, panel: string): void {
    this.panels.set(`${kioskId}\u0000${panel}`, { kioskId, panel, min: 0, max: WHOLE });
  }

  /** The panel will be re-flagged at the end of the pass: its presses take the slow path until then. */
  dirty(kioskId: string, panel: string): boolean {
    return this.panels.size > 0 && this.panels.has(`${kioskId}\u0000${panel}`);
  }

  /** The pass's copy of a row read from the database (its current state). */
  track(row: ScoredRow): ScoredRow {
    const known = this.rows.get(row.rid);
    if (known) return known;
    this.add(row, -1);
    this.rows.set(row.rid, row);
    return row;
  }

  /** The panel of `row` must be re-flagged from `t` on. */
  reflagAt(row: Pick<ScoredRow, 'kiosk_id' | 'panel'>, t: number): void {
    const key = `${row.kiosk_id}\u0000${row.panel}`;
    const p = this.panels.get(key);
    if (p) {
      p.min = Math.min(p.min, t);
      p.max = Math.max(p.max, t);
    } else this.panels.set(key, { kioskId: row.kiosk_id, panel: row.panel, min: t, max: t });
  }

  /** Re-corrects boots that got an anchor, re-flags touched stretches, then writes rollup deltas. */
  *finish(): Q<number> {
    for (const boot of this.boots) {
      const [kioskId, bootId] = boot.split('\u0000') as [string, string];
      yield* this.scorer.recorrect(this, kioskId, bootId);
    }
    const rules = this.scorer.settings().misuse;
    for (const p of this.panels.values()) {
      yield* this.reflag(p, rules);
      this.scorer.forgetPanel(p.kioskId, p.panel);
    }
    return yield* this.writeRollups();
  }

  /**
   * Re-flags a panel from `min` on. The rules' state just before `min` (last accepted press, presses in
   * the burst window) follows from the stored flags of the presses in the `quietGapMs` before it, which
   * nothing at or after `min` can change; so the replay starts at `min`, not at the beginning of a
   * possibly endless mashing session. It runs on until flags have stopped changing for `quietGapMs`:
   * from there on the state equals the stored one, so every later flag stands.
   */
  private *reflag(p: PanelStretch, rules: MisuseRules): Q<void> {
    const quiet = quietGapMs(rules);
    let state = yield* storedHistory(p.kioskId, p.panel, p.min - quiet, p.min - 1);
    let from = p.min;
    let to = p.max + quiet;
    let lastChange = p.max;
    for (;;) {
      for (const r of yield* this.stored(p, from, to)) {
        const result = flagPress(state, r.t!, rules);
        state = result.history;
        const excl = result.flags.length > 0 ? 1 : 0;
        if (excl === r.excl) continue;
        r.excl = excl;
        this.reflagged++;
        yield* run(SQL.setExcl, excl, r.rid);
        lastChange = Math.max(lastChange, r.t!);
      }
      if (lastChange + quiet <= to) return;
      from = to + 1;
      to = lastChange + quiet;
    }
  }

  /** Presses of the panel with t in [from, to], in judging order, as the pass's copies. */
  private *stored(p: PanelStretch, from: number, to: number): Q<ScoredRow[]> {
    return (yield* all<ScoredRow>(SQL.stretch, p.kioskId, p.panel, from, to)).map((r) => this.track(r));
  }

  /** Adds (sign 1) or takes back (-1) one press's contribution to the rollups. */
  private add(row: ScoredRow, sign: number): void {
    this.count(row.office_id, row.t, row.kind, row.desk_id, row.employee_id, row.excl, row.button, sign);
  }

  private count(office: string | null, t: number | null, kind: PanelKind | null, deskId: string | null, employeeId: string | null,
    excl: number, button: ScoredRow['button'], sign: number): void {
    if (office === null || t === null || kind === null) return;
    const hour = this.scorer.hourKey(office, t);
    const desk = deskId ?? '';
    const employee = employeeId ?? '';
    let acc = this.last;
    // Consecutive presses mostly share their rollup row (same panel, same hour): skip building the key.
    if (!acc || acc.hour !== hour || acc.office !== office || acc.kind !== kind || acc.desk !== desk || acc.employee !== employee) {
      const key = `${office}\u0000${hour.hourStart}\u0000${kind}\u0000${desk}\u0000${employee}`;
      acc = this.hours.get(key);
      if (!acc) this.hours.set(key, (acc = { office, hour, kind, desk, employee, good: 0, neutral: 0, bad: 0, excl: 0 }));
      this.last = acc;
    }
    if (excl) acc.excl += sign;
    else acc[button] += sign;
  }

  private *writeRollups(): Q<number> {
    for (const row of this.rows.values()) this.add(row, 1);
    const hours = this.hours;
    const days = new Map<string, Delta>();
    for (const d of sortedByKey(hours)) {
      if (isZero(d)) continue;
      yield* run(SQL.hour, d.office, d.hour.hourStart, d.kind, d.desk, d.employee, d.hour.day, d.hour.localHour, d.hour.weekday, d.good, d.neutral, d.bad, d.excl);
      const key = `${d.office}\u0000${d.hour.day}\u0000${d.kind}\u0000${d.desk}\u0000${d.employee}`;
      const acc = days.get(key);
      if (!acc) days.set(key, { ...d });
      else {
        acc.good += d.good;
        acc.neutral += d.neutral;
        acc.bad += d.bad;
        acc.excl += d.excl;
      }
    }
    for (const d of sortedByKey(days)) {
      if (isZero(d)) continue;
      yield* run(SQL.day, d.office, d.hour.day, d.kind, d.desk, d.employee, d.good, d.neutral, d.bad, d.excl);
    }
    return this.changed;
  }
}
