/**
 * Subject scores and rankings: reads what the scoring core asks for (scoring/scores.ts, scoring/rankings.ts)
 * through the store, then lets the core decide.
 */
import type { ActiveUnit } from '../scoring/visitors.js';
import {
  employeeVisitors,
  groupBy,
  periodVisitors,
  rankCandidates,
  rankingOf,
  type PeriodVisitors,
  type Ranking,
  type RankingRequest,
  type RankScope,
  type VisitorsOf,
  withChange,
} from '../scoring/rankings.js';
import { previousDates } from '../scoring/calendar.js';
import {
  planScores,
  scoreSubject,
  type PeriodData,
  type PeriodPlan,
  type ScoreQuery,
  type SubjectInfo,
  type SubjectScores,
} from '../scoring/scores.js';
import { countReasons, reasonRange } from '../scoring/reasons.js';
import type { PeriodCount } from '../domain/score.js';
import { queueCounts, withQueueCounts } from '../scoring/queue-visitors.js';
import type { OrgStore } from './store.js';

/** Scores of a subject over the query's period (ScoreInputError or RangeError: the query cannot be answered). */
export async function subjectScores(store: OrgStore, info: SubjectInfo, query: ScoreQuery): Promise<SubjectScores> {
  const settings = await store.getSettings();
  const plan = planScores(info, query);
  const period = await readPeriod(store, info, plan.period);
  const previous = await readPeriod(store, info, plan.previous);
  const breakdown = await store.breakdown(info.subject, plan.breakdown);
  const scores = scoreSubject(info, settings, plan, {
    period,
    previous,
    breakdown,
    timeUncertain: await store.timeUncertain(info.officeIds),
  });
  const range = reasonRange(plan.period);
  const reasons = countReasons(await store.reasonPresses(info.subject, range.from, range.to), plan.period);
  return Object.keys(reasons).length > 0 ? { ...scores, reasons } : scores;
}

async function readPeriod(store: OrgStore, info: SubjectInfo, p: PeriodPlan): Promise<PeriodData> {
  const rows =
    p.kind === 'calendar'
      ? await store.countsByDay(info.subject, p.fromDay, p.toDay, p.grain)
      : await store.countsByHour(info.subject, p.from, p.to);
  if (!p.counts) return { rows };
  const pressed = async (): Promise<ActiveUnit[] | undefined> => {
    if (!p.readPressed) return undefined;
    if (p.kind === 'calendar')
      return (await store.pressDays(info.officeIds, p.fromDay, p.toDay)).map((d) => ({ officeId: d.officeId, at: d.day }));
    return (await store.pressHours(info.officeIds, p.from, p.to)).map((h) => ({ officeId: h.officeId, at: h.hourStart }));
  };
  const { fromDay, toDay } = p.counts;
  const [units, visitors, sales] = await Promise.all([
    pressed(),
    info.queue === 'employee'
      ? queueVisitors(store, info, fromDay, toDay)
      : store.listCounts('visitors', info.officeIds, info.deskId, fromDay, toDay),
    info.queue === 'employee' ? [] : store.listCounts('sales', info.officeIds, info.deskId, fromDay, toDay),
  ]);
  const all = info.queue === 'desk' ? withQueueCounts(visitors, await queueVisitors(store, info, fromDay, toDay)) : visitors;
  return { rows, ...(units ? { pressed: units } : {}), visitors: all, sales };
}

/** An employee's or desk's served tickets per local day the queue fed its office (scoring/queue-visitors.ts). */
async function queueVisitors(store: OrgStore, info: SubjectInfo, fromDay: number, toDay: number): Promise<PeriodCount[]> {
  const officeId = info.officeIds[0]!;
  const [fed, served] = await Promise.all([
    store.queueFedDays([officeId], fromDay, toDay),
    store.queueServed(
      info.queue!,
      [info.subject.level === 'desk' || info.subject.level === 'employee' ? info.subject.id : ''],
      fromDay,
      toDay,
    ),
  ]);
  return queueCounts(
    officeId,
    info.zone!,
    fed.map((f) => f.day),
    served,
    info.deskId,
  );
}

/**
 * The ranking a (validated) request asks for, of the subjects within `scope`; with `change`, each item's
 * change against the same ranking of the previous period (read the same way: twice the cost).
 */
export async function ranking(store: OrgStore, r: RankingRequest, scope: RankScope): Promise<Ranking> {
  if (!r.change) return rankingOnce(store, r, scope);
  const previous = previousDates(r.from, r.to);
  const [now, before] = await Promise.all([
    rankingOnce(store, r, scope),
    rankingOnce(store, { ...r, from: previous.start, to: previous.end }, scope),
  ]);
  return withChange(now, before);
}

async function rankingOnce(store: OrgStore, r: RankingRequest, scope: RankScope): Promise<Ranking> {
  const settings = await store.getSettings();
  const offices = await store.listOrg('office', undefined, 1_000_000);
  // A scope of offices is read as such (a region's offices are found from the office rows: read them all).
  const only = r.level === 'region' ? undefined : scope.offices;
  const rows = await store.rankCounts(r.level === 'region' ? 'office' : r.level, r.kind, r.from, r.to, only, r.index === 'inkQualified');
  const candidates = rankCandidates(r.level, rows, offices, settings.k, scope);
  const asks = candidates.flatMap((c) => (c.visitorsOf ? [c.visitorsOf] : []));
  const zones = new Map(offices.map((o) => [o.id, o.timeZone]));
  const visitors =
    r.level === 'employee'
      ? await readEmployeeVisitors(store, asks, r.from, r.to, only !== undefined, r.basis === 'visitors')
      : await readVisitors(store, asks, zones, r.from, r.to, only !== undefined);
  return rankingOf(r, settings, candidates, visitors);
}

/**
 * What periodVisitors decides from: the offices' days with presses, and their office-wide (or desks') visitor
 * counts — a desk's from the queue system on the days without an uploaded desk count.
 */
async function readVisitors(
  store: OrgStore,
  subjects: VisitorsOf[],
  zones: ReadonlyMap<string, string>,
  from: number,
  to: number,
  scoped: boolean,
): Promise<PeriodVisitors[]> {
  if (subjects.length === 0) return [];
  const officeIds = [...new Set(subjects.flatMap((s) => s.officeIds))];
  const desks = subjects.some((s) => s.deskId !== null);
  const deskIds = scoped ? subjects.flatMap((s) => (s.deskId === null ? [] : [s.deskId])) : null;
  const [days, uploaded, fed, served] = await Promise.all([
    store.pressDays(officeIds, from, to),
    desks ? store.listDeskCounts('visitors', officeIds, from, to) : store.listCounts('visitors', officeIds, null, from, to),
    desks ? store.queueFedDays(officeIds, from, to) : [],
    desks ? store.queueServed('desk', deskIds, from, to) : [],
  ]);
  let entries = uploaded;
  if (desks) {
    const fedOf = groupBy(fed, (f) => f.officeId);
    const servedOf = groupBy(served, (s) => s.id);
    const uploadedOf = groupBy(uploaded, (c) => `${c.officeId}/${c.deskId}`);
    entries = subjects.flatMap((s) => {
      const officeId = s.officeIds[0]!;
      const zone = zones.get(officeId) ?? 'UTC';
      const queue = queueCounts(
        officeId,
        zone,
        (fedOf.get(officeId) ?? []).map((f) => f.day),
        servedOf.get(s.deskId!) ?? [],
        s.deskId,
      );
      return withQueueCounts(uploadedOf.get(`${officeId}/${s.deskId}`) ?? [], queue);
    });
  }
  return periodVisitors(subjects, days, entries, from, to);
}

/**
 * What employeeVisitors decides from: their days with presses, the days the queue fed their offices, their
 * tickets. The days with presses are read only for employees who can have a count (their office fed, or they
 * served tickets) — the others' visitors are unknown whatever their days — unless the answer names the days
 * that lack one (`named`). A company without queue data ranks its employees without reading ~47 000
 * employee days a month.
 */
async function readEmployeeVisitors(
  store: OrgStore,
  subjects: VisitorsOf[],
  from: number,
  to: number,
  scoped: boolean,
  named: boolean,
): Promise<PeriodVisitors[]> {
  if (subjects.length === 0) return [];
  const officeIds = [...new Set(subjects.flatMap((s) => s.officeIds))];
  // Scoped to some offices: read only their employees' rows (the company's otherwise, in one scan).
  const ids = scoped ? subjects.map((s) => s.employeeId!) : undefined;
  const [fed, served] = await Promise.all([store.queueFedDays(officeIds, from, to), store.queueServed('employee', ids ?? null, from, to)]);
  const fedOffices = new Set(fed.map((f) => f.officeId));
  const servedBy = new Set(served.map((s) => s.id));
  const counted = named ? subjects : subjects.filter((s) => fedOffices.has(s.officeIds[0]!) || servedBy.has(s.employeeId!));
  // Most of them: one read of all (or the scope's), not a list of thousands of ids.
  const pressDays =
    counted.length === 0
      ? []
      : await store.employeePressDays(from, to, counted.length * 2 > subjects.length ? ids : counted.map((s) => s.employeeId!));
  return employeeVisitors(subjects, pressDays, fed, served, from, to);
}
