/**
 * Subject scores and rankings: reads what the scoring core asks for (scoring/scores.ts, scoring/rankings.ts)
 * through the store, then lets the core decide.
 */
import type { ActiveUnit } from '../scoring/visitors.js';
import {
  periodVisitors,
  rankCandidates,
  rankingOf,
  type PeriodVisitors,
  type Ranking,
  type RankingRequest,
  type RankScope,
} from '../scoring/rankings.js';
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
      ? await store.countsByDay(info.subject, p.fromDay, p.toDay)
      : await store.countsByHour(info.subject, p.from, p.to);
  if (!p.counts) return { rows };
  const pressed = async (): Promise<ActiveUnit[] | undefined> => {
    if (!p.readPressed) return undefined;
    if (p.kind === 'calendar')
      return (await store.pressDays(info.officeIds, p.fromDay, p.toDay)).map((d) => ({ officeId: d.officeId, at: d.day }));
    return (await store.pressHours(info.officeIds, p.from, p.to)).map((h) => ({ officeId: h.officeId, at: h.hourStart }));
  };
  const [units, visitors, sales] = await Promise.all([
    pressed(),
    store.listCounts('visitors', info.officeIds, info.deskId, p.counts.fromDay, p.counts.toDay),
    store.listCounts('sales', info.officeIds, info.deskId, p.counts.fromDay, p.counts.toDay),
  ]);
  return { rows, ...(units ? { pressed: units } : {}), visitors, sales };
}

/** The ranking a (validated) request asks for, of the subjects within `scope`. */
export async function ranking(store: OrgStore, r: RankingRequest, scope: RankScope): Promise<Ranking> {
  const settings = await store.getSettings();
  const offices = await store.listOrg('office', undefined, 1_000_000);
  const rows = await store.rankCounts(r.level === 'region' ? 'office' : r.level, r.kind, r.from, r.to);
  const candidates = rankCandidates(r.level, rows, offices, settings.k, scope);
  const asks = candidates.flatMap((c) => (c.visitorsOf ? [c.visitorsOf] : []));
  return rankingOf(r, settings, candidates, await readVisitors(store, asks, r.from, r.to));
}

/** What periodVisitors decides from: the offices' days with presses, and their office-wide (or desks') visitor counts. */
async function readVisitors(
  store: OrgStore,
  subjects: Array<{ officeIds: string[]; deskId: string | null }>,
  from: number,
  to: number,
): Promise<PeriodVisitors[]> {
  if (subjects.length === 0) return [];
  const officeIds = [...new Set(subjects.flatMap((s) => s.officeIds))];
  const [days, entries] = await Promise.all([
    store.pressDays(officeIds, from, to),
    subjects.some((s) => s.deskId !== null)
      ? store.listDeskCounts('visitors', officeIds, from, to)
      : store.listCounts('visitors', officeIds, null, from, to),
  ]);
  return periodVisitors(subjects, days, entries, from, to);
}
