/**
 * The gateway's repository, on SQLite or PostgreSQL (sql-store.ts): every method is async and speaks in
 * domain terms (../domain/), never SQL. Ingest writes go through `commitIngest`, one transaction per call.
 */
import type { Event, KioskConfigMessage, Panel, PanelKind, ReasonEvent, StatusMessage } from '../../../shared/src/index.js';
import type { DeliveryStore } from './deliveries.js';
import type { HealthTrack } from '../domain/kiosk-health.js';
import type { Assignment, CompanySettings, OrgEntity, OrgKind, PanelBinding, QueueEvent } from '../domain/organisation.js';
import type { AlertStore } from './alerts.js';
import type { CaseStore } from './cases.js';
import type { DayCounts, DayGrain, DayRow, EmployeeDays, HourRow, PeriodCount, RankRow, Subject } from '../domain/score.js';
import type { LiveReads } from './live-reads.js';
import type { SessionStore } from './sessions.js';
import type { ArmedPanel, DutySnapshot } from './duty.js';
import type { ReasonPress } from '../scoring/reasons.js';
import type { LoopStore } from './loop.js';

/**
 * `metrics`: may only scrape GET /metrics (a Prometheus server's key); `queue`: may only feed /queue (the queue
 * system's key); `reviewer`: the independent expert who classifies negative answers (cases), scoped like a manager;
 * `crm`: the CRM, which pulls the negative cases of its scope (export) and posts the follow-up back, scoped likewise.
 */
export type Role = 'admin' | 'technician' | 'manager' | 'metrics' | 'queue' | 'reviewer' | 'crm';
export const ROLES: readonly Role[] = ['admin', 'technician', 'manager', 'metrics', 'queue', 'reviewer', 'crm'];

export interface NewKiosk {
  id: string;
  officeId?: string;
  panels?: Panel[];
  passwordHash: string;
  bindings?: PanelBinding[];
}
export interface KioskCounters {
  received: number;
  duplicates: number;
  rejected: number;
  lastSeq: number;
}
export interface SeqGap {
  from: number;
  to: number;
}

/** Which kiosks a list narrows to (listKiosks). */
export interface KioskFilter {
  office?: string;
  desk?: string;
}

export interface Kiosk {
  id: string;
  officeId: string | null;
  panels: Panel[] | null;
  createdAt: string;
  status: { payload: StatusMessage; receivedAt: string } | null;
  config: KioskConfigMessage | null;
  /** When `config` (its current revision) was stored and handed to the broker. */
  configAt: string | null;
  /** What the health rules remember between statuses (domain/kiosk-health.ts); null before the first status. */
  track: HealthTrack | null;
  /** The press time of its newest stored event (by seq); null before its first. */
  lastPressAt: string | null;
  counters: KioskCounters;
}

export interface StoredEvent extends Omit<Event, 'at'> {
  at: string;
  receivedAt: string;
  reason?: string;
  /** Why the gateway does not count it (events.excl's bits). */
  excluded?: Array<'misuse' | 'outside-armed-window'>;
}

export interface DeadLetter {
  id: number;
  receivedAt: string;
  topic: string;
  kioskId: string | null;
  reason: string;
  payload: string;
}

/** A manager, reviewer or crm key sees only these offices and the offices of these regions; other roles ignore them. */
export interface ApiKeyScope {
  offices: string[];
  regions: string[];
}
export interface ApiKey extends ApiKeyScope {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
}

/** One accepted `events` message, already validated. */
export interface EventsBatch {
  kioskId: string;
  events: Event[];
  /** ReasonEvents of the message (docs/contract.md), stored after its presses. */
  reasons?: ReasonEvent[];
  rejected: RejectedEvent[];
  /** The MQTT topic it came on (dead letters name it). */
  topic?: string;
}
export interface RejectedEvent {
  id: string;
  seq?: number;
  reason: string;
}
export interface NewDeadLetter {
  topic: string;
  kioskId: string | null;
  reason: string;
  payload: string;
}
export interface StatusUpdate {
  kioskId: string;
  payload: StatusMessage;
}

export interface IngestWork {
  batches: EventsBatch[];
  statuses: StatusUpdate[];
  deadLetters: NewDeadLetter[];
}

/** Per batch, in input order: ids now committed (new or duplicate) and ids refused. */
export interface BatchOutcome {
  kioskId: string;
  ids: string[];
  /** Indexes into the batch's events of those stored by this commit (not duplicates, not refused). */
  stored: number[];
  rejected: RejectedEvent[];
  inserted: number;
  duplicates: number;
}

/** Result of an assignment change: the problems (nothing written) or the presses re-attributed. */
export type AssignmentResult = { ok: true; assignment: Assignment; reattributed: number } | { ok: false; problems: string[] };

/** A rota import: all stored (rows already stored as they are left alone) or nothing, with the problems by line. */
export type ImportResult =
  | { ok: true; created: number; unchanged: number; reattributed: number }
  | { ok: false; problems: Array<{ line: number; message: string }> };

/** Queue events applied: all (repeats by id ignored) or, when the assignments they imply overlap others, none. */
export type QueueResult = { ok: true; stored: number; duplicates: number; reattributed: number } | { ok: false; problems: string[] };

/** The organisation, visitor counts, and the rollup reads that scores are computed from. */
export interface OrgStore {
  getSettings(): Promise<CompanySettings>;
  /** New misuse rules re-judge every stored press; returns how many changed flag. */
  putSettings(s: CompanySettings): Promise<{ reflagged: number }>;
  /** Feeds the CRM the stored neutral presses that became cases when neutral started to count, from where it got to. */
  feedNeutralCases(): Promise<number>;
  /** Judges every stored press again under the current misuse rules, from where a settings change got to. */
  rejudge(): Promise<number>;

  /** `visible`: the ids the caller may see — offices (desks and employees by their office), or regions for regions. */
  listOrg<K extends OrgKind>(kind: K, after: string | undefined, limit: number, visible?: readonly string[]): Promise<OrgEntity<K>[]>;
  getOrg<K extends OrgKind>(kind: K, id: string): Promise<OrgEntity<K> | undefined>;
  /** false when the id is taken. */
  createOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean>;
  updateOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean>;
  /** 'missing', 'referenced' (with what) or 'deleted'. */
  deleteOrg(kind: OrgKind, id: string): Promise<{ result: 'missing' | 'deleted' } | { result: 'referenced'; by: string }>;
  officesInRegions(regionIds: readonly string[]): Promise<string[]>;

  listAssignments(
    filter: { deskId?: string; employeeId?: string; officeIds?: readonly string[] },
    after: string | undefined,
    limit: number,
  ): Promise<Assignment[]>;
  getAssignment(id: string): Promise<Assignment | undefined>;
  /** Validates against every assignment (overlaps refused) and re-attributes affected presses, atomically. */
  putAssignment(a: Assignment): Promise<AssignmentResult>;
  deleteAssignment(id: string): Promise<{ reattributed: number } | undefined>;
  /** Stores a rota's assignments in one transaction, checked against each other and every stored one (overlaps refused). */
  importAssignments(list: ReadonlyArray<Assignment & { line: number }>): Promise<ImportResult>;
  /**
   * Stores queue events once per id, in one transaction; `opened` starts an open assignment of the operator at
   * the desk (closing the desk's and the operator's open ones at that instant), `closed` ends it.
   */
  applyQueueEvents(events: readonly QueueEvent[]): Promise<QueueResult>;
  /**
   * Served tickets (served.csv, checked whole before): each stored once, like applyQueueEvents, but in
   * transactions of at most driver.maxRowsPerTransaction (SQLite: turns of the event loop between them).
   * A crash midway keeps what was committed; the same file again stores the rest.
   */
  storeServed(events: readonly QueueEvent[]): Promise<{ stored: number; duplicates: number }>;

  putBinding(b: PanelBinding): Promise<void>;
  deleteBinding(kioskId: string, panel: string): Promise<boolean>;
  listBindings(kioskId: string): Promise<PanelBinding[]>;

  /** All days or none: a restart after a failure part-way finishes the upload (see docs/gateway.md). */
  putCounts(table: 'visitors' | 'sales', days: DayCounts[]): Promise<void>;
  /** The office-wide counts (`deskId` null) or one desk's, of local days [fromDay, toDay). */
  listCounts(
    table: 'visitors' | 'sales',
    officeIds: readonly string[],
    deskId: string | null,
    fromDay: number,
    toDay: number,
  ): Promise<PeriodCount[]>;
  /** Every desk's own counts in these offices (none of the office-wide ones), local days [fromDay, toDay). */
  listDeskCounts(table: 'visitors' | 'sales', officeIds: readonly string[], fromDay: number, toDay: number): Promise<PeriodCount[]>;
  /**
   * The local days in [fromDay, toDay) on which each office had presses (any panel kind, counted or
   * flagged as misuse): the days that needed a visitor count. From the day rollups, not the presses.
   */
  pressDays(officeIds: readonly string[], fromDay: number, toDay: number): Promise<Array<{ officeId: string; day: number }>>;
  /**
   * The local days in [fromDay, toDay) on which each employee (these, or all) had presses (counted or flagged),
   * ascending, one item per employee with any: from the day rollups.
   */
  employeePressDays(fromDay: number, toDay: number, employeeIds?: readonly string[]): Promise<EmployeeDays[]>;
  /** The same per local hour, hour starts in [from, to): from the hour rollups. */
  pressHours(officeIds: readonly string[], from: number, to: number): Promise<Array<{ officeId: string; hourStart: number }>>;

  /** The local days in [fromDay, toDay) on which the queue system sent anything for a desk of each office. */
  queueFedDays(officeIds: readonly string[], fromDay: number, toDay: number): Promise<Array<{ officeId: string; day: number }>>;
  /**
   * Tickets served per desk or operator (`ids`; null = all) and local day in [fromDay, toDay), from the queue
   * (the events endpoint and served.csv, each ticket once).
   */
  queueServed(
    by: 'desk' | 'employee',
    ids: readonly string[] | null,
    fromDay: number,
    toDay: number,
  ): Promise<Array<{ id: string; officeId: string; day: number; served: number }>>;

  /** Rollups by local day (or summed per local month, or over the range: `grain`), days in [fromDay, toDay). */
  countsByDay(subject: Subject, fromDay: number, toDay: number, grain?: DayGrain): Promise<DayRow[]>;
  /** Rollups by local hour, hour starts in [from, to). */
  countsByHour(subject: Subject, from: number, to: number): Promise<HourRow[]>;
  /**
   * Rollups by local hour of day, weekday and kind, over local days [fromDay, toDay) or hour starts in
   * [from, to); `unattributed` is always false (the breakdown does not split it).
   */
  breakdown(subject: Subject, range: { fromDay: number; toDay: number } | { from: number; to: number }): Promise<HourRow[]>;
  /**
   * Counted presses per employee, desk or office over local days [fromDay, toDay) for one panel kind; with
   * `officeIds`, only the desks and offices among them and the employees who belong to them or pressed there
   * (each with all their presses, as without the filter). `review` false: without the review counts (an
   * index other than inkQualified); the cause counts (office, product) are never read.
   */
  rankCounts(
    level: 'employee' | 'office' | 'desk',
    kind: PanelKind,
    fromDay: number,
    toDay: number,
    officeIds?: readonly string[],
    review?: boolean,
  ): Promise<RankRow[]>;
  /** Presses of these offices whose time could not be corrected (no synced event of their boot yet). */
  timeUncertain(officeIds: readonly string[]): Promise<number>;
  /** Counted bad presses with a reason, t in [from, to), of the subject, with their office's time zone. */
  reasonPresses(subject: Subject, from: number, to: number): Promise<ReasonPress[]>;
}

export interface Store extends OrgStore {
  /** The live feed's reads (live-reads.ts): press attribution, kiosk offices, alert events. */
  readonly live: LiveReads;
  /** Webhook and email subscriptions, deliveries and their claims (store/deliveries.ts). */
  readonly deliveries: DeliveryStore;
  /** Creates tables / runs pending migrations. */
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /** False when the id is taken (nothing written); bindings are written in the same transaction. */
  createKiosk(k: NewKiosk): Promise<boolean>;
  setKioskPassword(id: string, passwordHash: string): Promise<boolean>;
  kioskPasswordHash(id: string): Promise<string | undefined>;
  kioskExists(id: string): Promise<boolean>;
  getKiosk(id: string): Promise<Kiosk | undefined>;
  /**
   * `offices`: only kiosks that belong to some of these offices and to none other (see kioskOffices), a
   * caller's scope. `only.office`: kiosks that belong to that office (among others or not); `only.desk`:
   * kiosks with a panel bound to that desk.
   */
  listKiosks(after: string | undefined, limit: number, offices?: readonly string[], only?: KioskFilter): Promise<Kiosk[]>;
  /** The offices a kiosk belongs to: its officeId and its panels' bindings' (undefined: no such kiosk). */
  kioskOffices(id: string): Promise<string[] | undefined>;
  kioskGaps(id: string): Promise<SeqGap[]>;
  fleetSummary(): Promise<{ registered: number; online: number }>;
  /** Stores panels/misuse as the next revision and returns the full message to publish. */
  putKioskConfig(id: string, cfg: Omit<KioskConfigMessage, 'v' | 'rev'>): Promise<KioskConfigMessage | undefined>;
  allKioskConfigs(): Promise<Array<{ kioskId: string; config: KioskConfigMessage }>>;
  /** Configs, staff desk bindings and assignments not ended by `since` (all kiosks, or these): the duty feed's input. */
  dutySnapshot(since: number, kioskIds?: readonly string[]): Promise<DutySnapshot>;
  /** The armed staff panels bound to these desks (Panel.armed in their kiosks' configs). */
  armedPanels(deskIds: readonly string[]): Promise<ArmedPanel[]>;
  /** Stores `panels` as the next config revision if it is still `rev` (else undefined: someone else wrote one). */
  replaceConfigPanels(kioskId: string, rev: number, panels: Panel[]): Promise<KioskConfigMessage | undefined>;
  /** settings.org_rev: bumped by every organisation change, on any gateway sharing the database. */
  orgRev(): Promise<number>;

  listEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  commitIngest(work: IngestWork): Promise<BatchOutcome[]>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  pruneDeadLetters(keep: number): Promise<number>;

  createApiKey(k: { name: string; role: Role; hash: string } & Partial<ApiKeyScope>): Promise<ApiKey>;
  /** Creates or replaces the key row named `name` (used for LB_ADMIN_TOKEN). */
  upsertApiKey(k: { name: string; role: Role; hash: string }): Promise<void>;
  apiKeyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined>;
  /** Deletes the key and remembers its hash as revoked; never the last admin key. */
  revokeApiKey(id: string): Promise<ApiKey | 'missing' | 'last admin'>;
  /** Gives the key a new secret (its hash) and remembers the old one as revoked. */
  rotateApiKey(id: string, hash: string): Promise<ApiKey | undefined>;
  /** Whether a key with this hash was revoked or rotated away. */
  isRevokedApiKey(hash: string): Promise<boolean>;
  listApiKeys(): Promise<ApiKey[]>;
  countApiKeys(role: Role): Promise<number>;

  /** Alert rules, alerts, their conditions and events (store/alerts.ts). */
  readonly alerts: AlertStore;
  /** Console sign-in sessions (store/sessions.ts). */
  readonly sessions: SessionStore;
  /** Interventions, reference values and mystery-shopper visits (store/loop.ts). */
  readonly loop: LoopStore;
  /** Cases: counted negative answers, their classification and its audit trail (store/cases.ts). */
  readonly cases: CaseStore;
}
