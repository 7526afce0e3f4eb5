/**
 * Organisation model and score queries, in domain terms (the `Store` interface extends these). Times are
 * epoch ms; `day` is a local calendar date as the integer yyyymmdd in the office's time zone.
 */
import type { MisuseRules, PanelKind } from '../../../shared/src/index.js';

export interface CompanySettings {
  k: number;
  neutralCountsAsDissatisfied: boolean;
  minSample: number;
  misuse: MisuseRules;
}

export interface Region { id: string; name: string }
export interface Office { id: string; name: string; timeZone: string; regionId: string | null; k: number | null }
export interface Desk { id: string; officeId: string; name: string }
export interface Employee { id: string; name: string; officeId: string | null }
export interface Assignment { id: string; deskId: string; employeeId: string; from: number; to: number | null }
export interface PanelBinding { kioskId: string; panel: string; kind: PanelKind; officeId: string; deskId: string | null }

/** Visitors or sales over [start, end) (a local hour or day) for an office, or one of its desks. */
export interface PeriodCount { officeId: string; deskId: string | null; start: number; end: number; day: number; count: number }

/**
 * What an upload does to the counts of one local day of an office (deskId null) or desk: the stored rows of
 * the other granularity go (every stored row of the day when `replaceAll`), then `counts` are written.
 */
export interface DayCounts {
  officeId: string;
  deskId: string | null;
  day: number;
  hourly: boolean;
  replaceAll: boolean;
  counts: Array<{ start: number; end: number; count: number }>;
}

export type OrgKind = 'region' | 'office' | 'desk' | 'employee';

export type Subject =
  | { level: 'company' }
  | { level: 'region'; id: string }
  | { level: 'office'; id: string }
  | { level: 'desk'; id: string }
  | { level: 'employee'; id: string };

export interface RawCounts { good: number; neutral: number; bad: number; excluded: number }
/** One rollup group: `unattributed` = staff presses with no employee assigned at the press time. */
export interface CountRow extends RawCounts { kind: PanelKind; unattributed: boolean }
export interface DayRow extends CountRow { day: number }
export interface HourRow extends CountRow { hourStart: number; localHour: number; weekday: number }
export interface RankRow extends RawCounts { id: string; officeId: string }

/** Result of an assignment change: the problems (nothing written) or the presses re-attributed. */
export type AssignmentResult =
  | { ok: true; assignment: Assignment; reattributed: number }
  | { ok: false; problems: string[] };

export interface OrgStore {
  getSettings(): Promise<CompanySettings>;
  /** New misuse rules re-judge every stored press; returns how many changed flag. */
  putSettings(s: CompanySettings): Promise<{ reflagged: number }>;

  /** `visible`: the ids the caller may see — offices (desks and employees by their office), or regions for regions. */
  listOrg<K extends OrgKind>(kind: K, after: string | undefined, limit: number, visible?: readonly string[]): Promise<OrgEntity<K>[]>;
  getOrg<K extends OrgKind>(kind: K, id: string): Promise<OrgEntity<K> | undefined>;
  /** false when the id is taken. */
  createOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean>;
  updateOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean>;
  /** 'missing', 'referenced' (with what) or 'deleted'. */
  deleteOrg(kind: OrgKind, id: string): Promise<{ result: 'missing' | 'deleted' } | { result: 'referenced'; by: string }>;
  officesInRegions(regionIds: readonly string[]): Promise<string[]>;

  listAssignments(filter: { deskId?: string; employeeId?: string; officeIds?: readonly string[] }, after: string | undefined, limit: number): Promise<Assignment[]>;
  getAssignment(id: string): Promise<Assignment | undefined>;
  /** Validates against every assignment (overlaps refused) and re-attributes affected presses, atomically. */
  putAssignment(a: Assignment): Promise<AssignmentResult>;
  deleteAssignment(id: string): Promise<{ reattributed: number } | undefined>;

  putBinding(b: PanelBinding): Promise<void>;
  deleteBinding(kioskId: string, panel: string): Promise<boolean>;
  listBindings(kioskId: string): Promise<PanelBinding[]>;

  /** All days or none: a restart after a failure part-way finishes the upload (see docs/gateway.md). */
  putCounts(table: 'visitors' | 'sales', days: DayCounts[]): Promise<void>;
  /** The office-wide counts (`deskId` null) or one desk's, of local days [fromDay, toDay). */
  listCounts(table: 'visitors' | 'sales', officeIds: readonly string[], deskId: string | null, fromDay: number, toDay: number): Promise<PeriodCount[]>;
  /** Every desk's own counts in these offices (none of the office-wide ones), local days [fromDay, toDay). */
  listDeskCounts(table: 'visitors' | 'sales', officeIds: readonly string[], fromDay: number, toDay: number): Promise<PeriodCount[]>;
  /**
   * The local days in [fromDay, toDay) on which each office had presses (any panel kind, counted or
   * flagged as misuse): the days that needed a visitor count. From the day rollups, not the presses.
   */
  pressDays(officeIds: readonly string[], fromDay: number, toDay: number): Promise<Array<{ officeId: string; day: number }>>;
  /** The same per local hour, hour starts in [from, to): from the hour rollups. */
  pressHours(officeIds: readonly string[], from: number, to: number): Promise<Array<{ officeId: string; hourStart: number }>>;

  /** Rollups by local day, days in [fromDay, toDay). */
  countsByDay(subject: Subject, fromDay: number, toDay: number): Promise<DayRow[]>;
  /** Rollups by local hour, hour starts in [from, to). */
  countsByHour(subject: Subject, from: number, to: number): Promise<HourRow[]>;
  /** Rollups by local hour of day and weekday, over local days [fromDay, toDay) or hour starts in [from, to). */
  breakdown(subject: Subject, range: { fromDay: number; toDay: number } | { from: number; to: number }): Promise<HourRow[]>;
  /** Counted presses per employee, desk or office over local days [fromDay, toDay) for one panel kind. */
  rankCounts(level: 'employee' | 'office' | 'desk', kind: PanelKind, fromDay: number, toDay: number): Promise<RankRow[]>;
  /** Presses of these offices whose time could not be corrected (no synced event of their boot yet). */
  timeUncertain(officeIds: readonly string[]): Promise<number>;
}

export type OrgEntity<K extends OrgKind> = K extends 'region' ? Region : K extends 'office' ? Office : K extends 'desk' ? Desk : Employee;

/** yyyymmdd of a local date. */
export const dayNumber = (year: number, month: number, day: number): number => year * 10000 + month * 100 + day;
