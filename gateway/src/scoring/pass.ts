/**
 * One transaction's worth of scoring changes, as arithmetic: every change (new press, late press, clock
 * correction, re-flag, re-attribution) goes through a `Pass`, which takes back a touched press's old
 * contribution and counts its new one, so the hour and day rollups change by exactly the difference and
 * always equal a recount of the presses. It also collects what must be judged again: the panels to
 * re-flag from some time on, the boots whose anchor moved. The store reads the presses it names and
 * writes what it decides (store/scoring-store.ts).
 */
import type { Event, PanelKind } from '../../../shared/src/index.js';
import { NOT_STAFF, type Cause } from '../domain/case.js';
import { isCounted, TIME_SOURCE, type BootAnchor, type ScoredPress } from '../domain/press.js';
import { correctedAt } from './clock-correction.js';
import type { HourKey } from './hour-buckets.js';
import type { NewScoring, Scorer } from './scorer.js';

/** A panel to re-flag from `min` (`max`: the latest change); presses are judged in (t, seq, arrival) order, as flagPresses does. */
export interface PanelStretch {
  kioskId: string;
  panel: string;
  min: number;
  max: number;
}

/** The counts of a rollup row. */
export interface RollupCounts {
  good: number;
  neutral: number;
  bad: number;
  excl: number;
  /** Counted bad / neutral presses classified by a reviewer (any cause), and those classified as not caused by staff. */
  revBad: number;
  revNeutral: number;
  extBad: number;
  extNeutral: number;
  /** Of those: classified `office`, and `product` (where they move: ИНК Офис's side, the product figure). */
  offBad: number;
  offNeutral: number;
  prodBad: number;
  prodNeutral: number;
}
/** What to add to one rollup row; desk and employee '' when none (as stored). */
export interface RollupDelta extends RollupCounts {
  office: string;
  kind: string;
  desk: string;
  employee: string;
}
export interface HourDelta extends RollupDelta {
  hour: HourKey;
}
export interface DayDelta extends RollupDelta {
  day: number;
}
export interface MonthDelta extends RollupDelta {
  /** The local month, yyyymm. */
  month: number;
}
/** What to add to one rollup_cell row: an office's local (weekday, hour) over a local month (yyyymm). */
export interface CellDelta extends RollupCounts {
  office: string;
  kind: string;
  month: number;
  weekday: number;
  localHour: number;
}

/** Past any press time, with room to add a quiet gap: the store then reads the panel's presses in one go. */
const WHOLE = Number.MAX_SAFE_INTEGER / 2;
/** The review fields of a rollup row (columns rev_bad … prod_neutral, in this order). */
export const REVIEW_FIELDS = ['revBad', 'revNeutral', 'extBad', 'extNeutral', 'offBad', 'offNeutral', 'prodBad', 'prodNeutral'] as const;
const COUNT_FIELDS = ['good', 'neutral', 'bad', 'excl', ...REVIEW_FIELDS] as const;
const isZero = (d: RollupCounts) => COUNT_FIELDS.every((f) => !d[f]);
const noCounts = (): RollupCounts => ({
  good: 0,
  neutral: 0,
  bad: 0,
  excl: 0,
  revBad: 0,
  revNeutral: 0,
  extBad: 0,
  extNeutral: 0,
  offBad: 0,
  offNeutral: 0,
  prodBad: 0,
  prodNeutral: 0,
});
/** Adds `d`'s counts into the row of `key` (made by `make` when new). */
function addCounts<D extends RollupCounts>(rows: Map<string, D>, key: string, make: () => D, d: RollupCounts): void {
  let acc = rows.get(key);
  if (!acc) rows.set(key, (acc = make()));
  for (const f of COUNT_FIELDS) acc[f] += d[f];
}
/** Rollup rows are written in key order, so two gateways updating the same rows cannot deadlock. */
const sortedByKey = <D>(m: Map<string, D>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);

export class Pass {
  /** Touched stored presses, their current state (their stored contribution was taken back when first touched). */
  private readonly presses = new Map<number, ScoredPress>();
  /** Of those, the ones that counted when first touched (the others may start counting: late cases). */
  private readonly countedBefore = new Set<number>();
  /** Rollup changes per (office, hour, kind, desk, employee). */
  private readonly hours = new Map<string, HourDelta>();
  private last: HourDelta | undefined;
  private readonly panels = new Map<string, PanelStretch>();
  private readonly boots = new Map<string, { kioskId: string; bootId: string }>();
  /** Presses re-attributed / whose misuse flag changed. */
  changed = 0;
  reflagged = 0;

  constructor(private readonly scorer: Scorer) {}

  /**
   * A press stored in this pass: its contribution counts at once. It is not tracked: should the pass
   * touch it again (re-flag, clock correction), it is read back as stored, and that stored contribution
   * is what `track` then takes back out. Its misuse flag is final when `inOrder`; else its panel is re-flagged.
   */
  addNew(kioskId: string, e: Event, sc: NewScoring): void {
    this.count(sc.officeId, sc.t, sc.kind, sc.deskId, sc.employeeId, sc.excl, e.button, null, 1);
    if (sc.t !== null && sc.inOrder === null) this.reflagAt({ kioskId, panel: e.panel }, sc.t);
  }

  /** The whole history of a panel is to be judged again (the misuse rules changed). */
  reflagWhole(kioskId: string, panel: string): void {
    this.panels.set(`${kioskId}\u0000${panel}`, { kioskId, panel, min: 0, max: WHOLE });
  }

  /** The panel will be re-flagged at the end of the pass: its presses take the slow path until then. */
  dirty(kioskId: string, panel: string): boolean {
    return this.panels.size > 0 && this.panels.has(`${kioskId}\u0000${panel}`);
  }

  /** The pass's copy of a press read from the database (its current state). */
  track(press: ScoredPress): ScoredPress {
    const known = this.presses.get(press.rid);
    if (known) return known;
    this.add(press, -1);
    this.presses.set(press.rid, press);
    if (isCounted(press)) this.countedBefore.add(press.rid);
    return press;
  }

  /**
   * Stored presses this pass made count (a clock correction gave them a time, a re-flag lifted their misuse
   * flag): those of them that are cases became cases after their ingest (store/negative-feed.ts feeds them).
   */
  startedCounting(): number[] {
    return [...this.presses.values()].filter((p) => !this.countedBefore.has(p.rid) && isCounted(p)).map((p) => p.rid);
  }

  /** The panel of `press` must be re-flagged from `t` on. */
  reflagAt(press: Pick<ScoredPress, 'kioskId' | 'panel'>, t: number): void {
    const key = `${press.kioskId}\u0000${press.panel}`;
    const p = this.panels.get(key);
    if (p) {
      p.min = Math.min(p.min, t);
      p.max = Math.max(p.max, t);
    } else this.panels.set(key, { kioskId: press.kioskId, panel: press.panel, min: t, max: t });
  }

  /** The panels to re-flag, each from its `min` on. */
  stretches(): Iterable<PanelStretch> {
    return this.panels.values();
  }

  /** The boot got a new anchor: its unsynced presses are to be corrected again. */
  anchorMoved(kioskId: string, bootId: string): void {
    this.boots.set(`${kioskId}\u0000${bootId}`, { kioskId, bootId });
  }

  movedAnchors(): Iterable<{ kioskId: string; bootId: string }> {
    return this.boots.values();
  }

  /**
   * An unsynced press (tracked) of a boot with `anchor`: its time follows the anchor, and its panel is
   * re-flagged at its old and new time. False when it already did; when true, its employee is to be
   * found again (`attribute`) at the new time.
   */
  recorrect(press: ScoredPress, anchor: BootAnchor): boolean {
    const t = correctedAt(anchor, press.uptimeMs);
    if (press.t === t && press.timeSource === TIME_SOURCE.corrected) return false;
    if (press.t !== null) this.reflagAt(press, press.t);
    press.t = t;
    press.timeSource = TIME_SOURCE.corrected;
    this.reflagAt(press, t);
    return true;
  }

  /** A press (tracked) is credited to `employee` (null: nobody); false when it already was. */
  attribute(press: ScoredPress, employee: string | null): boolean {
    if (employee === press.employeeId) return false;
    press.employeeId = employee;
    return true;
  }

  /** A press (tracked) is classified as `cause` (null: pending again); false when it already was. */
  classify(press: ScoredPress, cause: Cause | null): boolean {
    if ((press.cause ?? null) === cause) return false;
    press.cause = cause;
    return true;
  }

  /**
   * The end of the pass: the tracked presses' current contribution counts. The rollup rows to change, by
   * how much, in key order, those that do not change left out: hours first, then days (sums of the hours).
   */
  rollupDeltas(): { hours: HourDelta[]; days: DayDelta[]; months: MonthDelta[]; cells: CellDelta[] } {
    for (const press of this.presses.values()) this.add(press, 1);
    const hours: HourDelta[] = [];
    const days = new Map<string, DayDelta>();
    const months = new Map<string, MonthDelta>();
    const cells = new Map<string, CellDelta>();
    for (const d of sortedByKey(this.hours)) {
      if (isZero(d)) continue;
      hours.push(d);
      const { office, kind, desk, employee } = d;
      const { day, weekday, localHour } = d.hour;
      addCounts(
        days,
        `${office}\u0000${day}\u0000${kind}\u0000${desk}\u0000${employee}`,
        () => ({ office, day, kind, desk, employee, ...noCounts() }),
        d,
      );
      const month = Math.floor(day / 100);
      addCounts(
        months,
        `${office}\u0000${month}\u0000${kind}\u0000${desk}\u0000${employee}`,
        () => ({ office, month, kind, desk, employee, ...noCounts() }),
        d,
      );
      addCounts(
        cells,
        `${office}\u0000${month}\u0000${weekday}\u0000${localHour}\u0000${kind}`,
        () => ({ office, month, weekday, localHour, kind, ...noCounts() }),
        d,
      );
    }
    const nonZero = <D extends RollupCounts>(m: Map<string, D>) => sortedByKey(m).filter((d) => !isZero(d));
    return { hours, days: nonZero(days), months: nonZero(months), cells: nonZero(cells) };
  }

  /** Adds (sign 1) or takes back (-1) one press's contribution to the rollups. */
  private add(p: ScoredPress, sign: number): void {
    this.count(p.officeId, p.t, p.kind, p.deskId, p.employeeId, p.excl, p.button, p.cause ?? null, sign);
  }

  private count(
    office: string | null,
    t: number | null,
    kind: PanelKind | null,
    deskId: string | null,
    employeeId: string | null,
    excl: number,
    button: ScoredPress['button'],
    cause: Cause | null,
    sign: number,
  ): void {
    if (office === null || t === null || kind === null) return;
    const hour = this.scorer.hourKey(office, t);
    const desk = deskId ?? '';
    const employee = employeeId ?? '';
    let acc = this.last;
    // Consecutive presses mostly share their rollup row (same panel, same hour): skip building the key.
    if (!acc || acc.hour !== hour || acc.office !== office || acc.kind !== kind || acc.desk !== desk || acc.employee !== employee) {
      const key = `${office}\u0000${hour.hourStart}\u0000${kind}\u0000${desk}\u0000${employee}`;
      acc = this.hours.get(key);
      if (!acc) {
        acc = { office, hour, kind, desk, employee, ...noCounts() };
        this.hours.set(key, acc);
      }
      this.last = acc;
    }
    if (excl) {
      acc.excl += sign;
      return;
    }
    acc[button] += sign;
    // A classified dissatisfied press: counted among the reviewed, and out of qualified staff B when not staff-caused.
    if (cause === null || button === 'good') return;
    if (button === 'bad') {
      acc.revBad += sign;
      if (NOT_STAFF.has(cause)) acc.extBad += sign;
      if (cause === 'office') acc.offBad += sign;
      else if (cause === 'product') acc.prodBad += sign;
    } else {
      acc.revNeutral += sign;
      if (NOT_STAFF.has(cause)) acc.extNeutral += sign;
      if (cause === 'office') acc.offNeutral += sign;
      else if (cause === 'product') acc.prodNeutral += sign;
    }
  }
}
