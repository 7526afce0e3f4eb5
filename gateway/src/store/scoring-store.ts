/**
 * The scoring core's database side, inside the ingest (or organisation-change) transaction: loads what
 * the `Scorer` lacks (scoring/scorer.ts), and at the end of a `Pass` (scoring/pass.ts) reads the presses
 * it must judge again, writes what the core decided and adds its rollup deltas.
 *
 * Several gateways may share one PostgreSQL database, so what the scorer holds is checked, not trusted:
 * the organisation against `settings.org_rev` (bumped by every organisation change) at the start of every
 * transaction, a kiosk's panel states and boot anchors against its `received` counter once the kiosk's
 * row is locked (another gateway that stored presses for it moved the counter).
 */
import type { Event, KioskConfigMessage } from '../../../shared/src/index.js';
import { EXCL, judgeArmedPress, type ServedTicket } from '../domain/armed.js';
import type { PanelHistory } from '../../../shared/src/misuse.js';
import type { CompanySettings, DeskAssignment, PanelBinding } from '../domain/organisation.js';
import type { Cause } from '../domain/case.js';
import type { BootAnchor, ScoredPress } from '../domain/press.js';
import { historyFromStored, PanelReplay, quietGapMs } from '../scoring/misuse.js';
import { Pass, REVIEW_FIELDS, type PanelStretch } from '../scoring/pass.js';
import { MISS, Scorer, type NewScoring, type PanelState } from '../scoring/scorer.js';
import { all, get, inList, run, type Q, type Row, type SqlDriver } from './sql.js';

/** The events columns of a scored press, as ScoredPress fields. */
const PRESS_FIELDS: Array<[column: string, field: string]> = [
  ['rid', 'rid'],
  ['kiosk_id', 'kioskId'],
  ['panel', 'panel'],
  ['seq', 'seq'],
  ['button', 'button'],
  ['boot_id', 'bootId'],
  ['uptime_ms', 'uptimeMs'],
  ['at', 'at'],
  ['office_id', 'officeId'],
  ['desk_id', 'deskId'],
  ['employee_id', 'employeeId'],
  ['kind', 'kind'],
  ['t', 't'],
  ['time_source', 'timeSource'],
  ['excl', 'excl'],
  ['ticket', 'ticket'],
  ['cause', 'cause'],
];
const pressColumns = (prefix = '') => PRESS_FIELDS.map(([c, f]) => `${prefix}${c} AS "${f}"`).join(', ');
const PRESS = pressColumns();
/** The rollups' review columns: scoring/pass.ts REVIEW_FIELDS, in the same order. */
const REVIEW_COLUMNS = ['rev_bad', 'rev_neutral', 'ext_bad', 'ext_neutral', 'off_bad', 'off_neutral', 'prod_bad', 'prod_neutral'];
const reviewSums = (t: string) => REVIEW_COLUMNS.map((c) => `${c} = ${t}.${c} + excluded.${c}`).join(', ');

const SQL = {
  binding: 'SELECT kind, office_id, desk_id FROM panel_bindings WHERE kiosk_id = ? AND panel = ?',
  zones: 'SELECT id, time_zone AS "timeZone" FROM offices',
  assignments:
    'SELECT desk_id AS "deskId", employee_id AS "employeeId", from_ms AS "from", to_ms AS "to" FROM assignments WHERE desk_id = ?',
  settings: 'SELECT * FROM settings WHERE id = 1',
  anchor: 'SELECT uptime_ms AS "uptimeMs", at FROM boot_anchors WHERE kiosk_id = ? AND boot_id = ?',
  putAnchor: `INSERT INTO boot_anchors (kiosk_id, boot_id, uptime_ms, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (kiosk_id, boot_id) DO UPDATE SET uptime_ms = excluded.uptime_ms, at = excluded.at`,
  unsynced: `SELECT ${PRESS} FROM events WHERE kiosk_id = ? AND boot_id = ? AND time_source > 0 AND office_id IS NOT NULL`,
  lastTimed: 'SELECT t, seq FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL ORDER BY t DESC, seq DESC LIMIT 1',
  window: 'SELECT t, excl FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL AND t >= ? AND t <= ? ORDER BY t, seq, rid',
  stretch: `SELECT ${PRESS} FROM events WHERE kiosk_id = ? AND panel = ? AND t IS NOT NULL AND t >= ? AND t <= ? ORDER BY t, seq, rid`,
  // A desk's presses through its panels' kiosks (events_kiosk_seq): no per-press desk index to maintain.
  onDesk: `SELECT ${pressColumns('e.')} FROM desk_panels p CROSS JOIN events e
    WHERE e.kiosk_id = p.kiosk_id AND e.panel = p.panel AND e.t IS NOT NULL AND e.t >= ? AND e.t < ? AND e.desk_id = p.desk_id
    AND p.desk_id = ?`,
  setTime: 'UPDATE events SET t = ?, time_source = ?, employee_id = ? WHERE rid = ?',
  setExcl: 'UPDATE events SET excl = ? WHERE rid = ?',
  setEmployee: 'UPDATE events SET employee_id = ? WHERE rid = ?',
  hour: `INSERT INTO rollup_hour (office_id, hour_start, kind, desk_id, employee_id, day, local_hour, weekday, good, neutral, bad, excl,
    ${REVIEW_COLUMNS.join(', ')})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, hour_start, kind, desk_id, employee_id) DO UPDATE SET
    good = rollup_hour.good + excluded.good, neutral = rollup_hour.neutral + excluded.neutral,
    bad = rollup_hour.bad + excluded.bad, excl = rollup_hour.excl + excluded.excl, ${reviewSums('rollup_hour')}`,
  day: `INSERT INTO rollup_day (office_id, day, kind, desk_id, employee_id, good, neutral, bad, excl, ${REVIEW_COLUMNS.join(', ')})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, day, kind, desk_id, employee_id) DO UPDATE SET
    good = rollup_day.good + excluded.good, neutral = rollup_day.neutral + excluded.neutral,
    bad = rollup_day.bad + excluded.bad, excl = rollup_day.excl + excluded.excl, ${reviewSums('rollup_day')}`,
  // The day rows per local month: what rankings and office scores by month sum for whole months.
  month: `INSERT INTO rollup_month (office_id, month, kind, desk_id, employee_id, good, neutral, bad, excl, ${REVIEW_COLUMNS.join(', ')})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, month, kind, desk_id, employee_id) DO UPDATE SET
    good = rollup_month.good + excluded.good, neutral = rollup_month.neutral + excluded.neutral,
    bad = rollup_month.bad + excluded.bad, excl = rollup_month.excl + excluded.excl, ${reviewSums('rollup_month')}`,
  // An office's local (weekday, hour) per local month, all desks and employees together: the breakdown's
  // rows for whole months (a twelfth to a fifth of the hour rows an office's year has).
  cell: `INSERT INTO rollup_cell (office_id, month, weekday, local_hour, kind, good, neutral, bad, excl, ${REVIEW_COLUMNS.join(', ')})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (office_id, month, weekday, local_hour, kind) DO UPDATE SET
    good = rollup_cell.good + excluded.good, neutral = rollup_cell.neutral + excluded.neutral,
    bad = rollup_cell.bad + excluded.bad, excl = rollup_cell.excl + excluded.excl, ${reviewSums('rollup_cell')}`,
  setCause: 'UPDATE events SET cause = ? WHERE rid = ?',
  caseByRid: `SELECT ${PRESS} FROM events WHERE rid = ?`,
  bumpOrg: 'UPDATE settings SET org_rev = org_rev + 1 WHERE id = 1',
  config: 'SELECT config FROM kiosks WHERE id = ?',
  served: `SELECT ticket, employee_id AS "employeeId", at_ms AS at FROM queue_events
    WHERE desk_id = ? AND type = 'served' AND at_ms > ? AND at_ms <= ?`,
};

function settingsFromRow(r: Row): CompanySettings {
  return {
    k: r.k as number,
    neutralCountsAsDissatisfied: r.neutral_dissatisfied === 1,
    minSample: r.min_sample as number,
    misuse: { lockoutMs: r.lockout_ms as number, burstCount: r.burst_count as number, burstWindowMs: r.burst_window_ms as number },
  };
}

export class ScoringStore {
  /** The core, and what it holds; used directly on the hot path (scoreCached, advance, anchorHolds). */
  readonly scorer = new Scorer();

  /** Per kiosk, its armed panels' windows as of config revision `rev` (kiosks.config_rev, read with the kiosk's lock). */
  private readonly armed = new Map<string, { rev: number; windows: Map<string, number> }>();
  /** Per desk, tickets answered by presses of the transaction so far (not yet visible in events). */
  private claimed = new Map<string, Set<string>>();

  constructor(readonly driver: SqlDriver) {}

  /** The armed window of a kiosk's panel (undefined: not armed), from its config at revision `configRev`. */
  *armedWindow(kioskId: string, configRev: number, panel: string): Q<number | undefined> {
    let held = this.armed.get(kioskId);
    if (!held || held.rev !== configRev) {
      const r = yield* get<{ config: string | null }>(SQL.config, kioskId);
      const windows = new Map<string, number>();
      for (const p of r?.config ? (JSON.parse(r.config) as KioskConfigMessage).panels : [])
        if (p.armed) windows.set(p.id, p.armed.windowMs);
      this.armed.set(kioskId, (held = { rev: configRev, windows }));
    }
    return held.windows.get(panel);
  }

  /** A new transaction: no ticket is claimed by it yet. */
  newTransaction(): void {
    this.claimed = new Map();
  }

  /**
   * A new press on an armed panel (scored, at a desk, with a time): counted only for a ticket served at its
   * desk within the window and not answered yet, and then credited to that ticket's operator (domain/armed.ts).
   */
  *judgeArmed(e: Event, sc: NewScoring, windowMs: number): Q<void> {
    const deskId = sc.deskId!;
    const t = sc.t!;
    const served = (yield* all<ServedTicket>(SQL.served, deskId, t - windowMs, t)).map((s) => ({ ...s, at: Number(s.at) }));
    let claimed = this.claimed.get(deskId);
    if (!claimed) this.claimed.set(deskId, (claimed = new Set()));
    const answered = new Set(claimed);
    if (served.length > 0) {
      const list = inList('ticket', [...new Set(served.map((s) => s.ticket))]);
      for (const r of yield* all<{ ticket: string }>(
        `SELECT ticket FROM events WHERE desk_id = ? AND ${list.sql} AND ticket IS NOT NULL AND (excl & ${EXCL.armed}) = 0`,
        deskId,
        ...list.args,
      ))
        answered.add(r.ticket);
    }
    const verdict = judgeArmedPress(t, e.ticket, windowMs, served, answered);
    if (verdict.counted) {
      sc.employeeId = verdict.employeeId;
      sc.ticket = verdict.ticket;
      claimed.add(verdict.ticket);
    } else {
      sc.excl |= EXCL.armed;
      sc.ticket = e.ticket ?? null;
    }
  }

  /**
   * Start of a transaction: reloads settings and zones if the organisation changed since we last looked.
   * `share` locks the settings row for the transaction (ingest), so an organisation change waits for it.
   */
  *sync(share = false): Q<void> {
    const r = (yield* get(SQL.settings + (share ? this.driver.forShare : '')))!;
    if (this.scorer.holdsOrg(r.org_rev as number)) return;
    const zones = yield* all<{ id: string; timeZone: string }>(SQL.zones);
    this.scorer.setOrg(r.org_rev as number, settingsFromRow(r), zones);
  }

  /**
   * Start of an organisation change: bumps org_rev first (its row lock waits for running ingests and
   * holds new ones back until commit), then reloads.
   */
  *changeOrg(): Q<void> {
    yield* run(SQL.bumpOrg);
    yield* this.sync();
  }

  newPass(): Pass {
    return new Pass(this.scorer);
  }

  private *panelState(kioskId: string, panel: string): Q<PanelState | null> {
    let st = this.scorer.panelState(kioskId, panel);
    if (st === undefined) {
      const last = yield* get<{ t: number; seq: number }>(SQL.lastTimed, kioskId, panel);
      st = null;
      if (last) {
        const history = yield* storedHistory(kioskId, panel, last.t - quietGapMs(this.scorer.settings().misuse), last.t);
        st = { kioskId, panel, lastT: last.t, lastSeq: last.seq, history };
      }
      this.scorer.putPanelState(kioskId, panel, st);
    }
    return st;
  }

  private *binding(kioskId: string, panel: string): Q<PanelBinding | null> {
    let b = this.scorer.binding(kioskId, panel);
    if (b === undefined) {
      const r = yield* get<{ kind: PanelBinding['kind']; office_id: string; desk_id: string | null }>(SQL.binding, kioskId, panel);
      b = r ? { kioskId, panel, kind: r.kind, officeId: r.office_id, deskId: r.desk_id } : null;
      this.scorer.putBinding(kioskId, panel, b);
    }
    return b;
  }

  *assignments(deskId: string): Q<DeskAssignment[]> {
    let list = this.scorer.assignments(deskId);
    if (!list) {
      list = yield* all<DeskAssignment>(SQL.assignments, deskId);
      this.scorer.putAssignments(deskId, list);
    }
    return list;
  }

  private *anchor(kioskId: string, bootId: string): Q<BootAnchor | null> {
    let a = this.scorer.anchor(kioskId, bootId);
    if (a === undefined) {
      a = (yield* get<BootAnchor>(SQL.anchor, kioskId, bootId)) ?? null;
      this.scorer.putAnchor(kioskId, bootId, a);
    }
    return a;
  }

  private *employee(deskId: string | null, t: number | null): Q<string | null> {
    if (deskId !== null && t !== null) yield* this.assignments(deskId);
    return this.scorer.employee(deskId, t);
  }

  /** `scorer.scoreCached` after loading whatever it lacks. */
  *scoreNew(kioskId: string, e: Event, at: number, pass: Pass): Q<NewScoring | null> {
    const b = yield* this.binding(kioskId, e.panel);
    if (!b) return null;
    const a = e.clockSynced ? undefined : yield* this.anchor(kioskId, e.bootId);
    if (b.deskId !== null) yield* this.assignments(b.deskId);
    if (a !== null) yield* this.panelState(kioskId, e.panel);
    const sc = this.scorer.scoreCached(kioskId, e, at, pass);
    if (sc === MISS) throw new Error('scorer caches incomplete after loading');
    return sc;
  }

  /** A synced press just stored: the boot's anchor if it is the earliest synced press of its boot. */
  *offerAnchor(pass: Pass, kioskId: string, bootId: string, uptimeMs: number, at: number): Q<void> {
    yield* this.anchor(kioskId, bootId);
    if (this.scorer.offerAnchor(pass, kioskId, bootId, uptimeMs, at)) yield* run(SQL.putAnchor, kioskId, bootId, uptimeMs, at);
  }

  /** Presses of `deskId` with t in [from, to) get the employee the current assignments give at their time. */
  *reattribute(pass: Pass, deskId: string, from: number, to: number | null): Q<void> {
    for (const stored of yield* all<ScoredPress>(SQL.onDesk, from, to ?? Number.MAX_SAFE_INTEGER, deskId)) {
      // An armed press that answered a ticket belongs to the ticket's operator, whoever the assignments say.
      if (stored.ticket != null && !(stored.excl & EXCL.armed)) continue;
      const press = pass.track(stored);
      if (!pass.attribute(press, yield* this.employee(deskId, press.t))) continue;
      yield* run(SQL.setEmployee, press.employeeId, press.rid);
      pass.changed++;
    }
  }

  /** Re-corrects boots that got an anchor, re-flags touched stretches, then writes the rollup deltas; returns pass.changed. */
  *finish(pass: Pass): Q<number> {
    for (const { kioskId, bootId } of pass.movedAnchors()) yield* this.recorrect(pass, kioskId, bootId);
    const rules = this.scorer.settings().misuse;
    for (const p of pass.stretches()) {
      const before = yield* storedHistory(p.kioskId, p.panel, p.min - quietGapMs(rules), p.min - 1);
      yield* this.reflag(pass, p, new PanelReplay(before, p.min, p.max, rules));
      this.scorer.forgetPanel(p.kioskId, p.panel);
    }
    const { hours, days, months, cells } = pass.rollupDeltas();
    for (const d of hours) {
      yield* run(
        SQL.hour,
        d.office,
        d.hour.hourStart,
        d.kind,
        d.desk,
        d.employee,
        d.hour.day,
        d.hour.localHour,
        d.hour.weekday,
        d.good,
        d.neutral,
        d.bad,
        d.excl,
        ...REVIEW_FIELDS.map((f) => d[f]),
      );
    }
    for (const d of days) {
      yield* run(
        SQL.day,
        ...[d.office, d.day, d.kind, d.desk, d.employee, d.good, d.neutral, d.bad, d.excl],
        ...REVIEW_FIELDS.map((f) => d[f]),
      );
    }
    for (const d of months) {
      yield* run(
        SQL.month,
        ...[d.office, d.month, d.kind, d.desk, d.employee, d.good, d.neutral, d.bad, d.excl],
        ...REVIEW_FIELDS.map((f) => d[f]),
      );
    }
    for (const d of cells) {
      yield* run(
        SQL.cell,
        ...[d.office, d.month, d.weekday, d.localHour, d.kind, d.good, d.neutral, d.bad, d.excl],
        ...REVIEW_FIELDS.map((f) => d[f]),
      );
    }
    return pass.changed;
  }

  /**
   * Classifies the stored press `rid` as `cause` (its old contribution taken back, the new one counted at
   * `finish`); false when it already had that cause. The caller has checked that it is a case.
   */
  *classify(pass: Pass, rid: number, cause: Cause): Q<boolean> {
    const stored = yield* get<ScoredPress>(SQL.caseByRid + this.driver.forUpdate, rid);
    if (!stored) return false;
    const press = pass.track(stored);
    if (!pass.classify(press, cause)) return false;
    yield* run(SQL.setCause, cause, rid);
    return true;
  }

  private *recorrect(pass: Pass, kioskId: string, bootId: string): Q<void> {
    const a = yield* this.anchor(kioskId, bootId);
    if (!a) return;
    for (const stored of yield* all<ScoredPress>(SQL.unsynced, kioskId, bootId)) {
      const press = pass.track(stored);
      if (!pass.recorrect(press, a)) continue;
      press.employeeId = yield* this.employee(press.deskId, press.t);
      yield* run(SQL.setTime, press.t, press.timeSource, press.employeeId, press.rid);
    }
  }

  /** Judges the panel's stored presses again, window by window, as the core's replay asks. */
  private *reflag(pass: Pass, p: PanelStretch, replay: PanelReplay): Q<void> {
    do {
      const window = (yield* all<ScoredPress>(SQL.stretch, p.kioskId, p.panel, replay.from, replay.to)).map((r) => pass.track(r));
      for (const press of replay.judge(window)) {
        pass.reflagged++;
        yield* run(SQL.setExcl, press.excl, press.rid);
      }
    } while (replay.next());
  }
}

/** The rules' state of a panel after its stored presses with t in [from, to]. */
function* storedHistory(kioskId: string, panel: string, from: number, to: number): Q<PanelHistory> {
  return historyFromStored(yield* all<{ t: number; excl: number }>(SQL.window, kioskId, panel, from, to));
}
