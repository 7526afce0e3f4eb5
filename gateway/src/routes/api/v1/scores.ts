/** Scores per subject and period, and rankings; admin sees all, a manager only its offices and regions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { Counts, PanelKind } from '../../../../../shared/src/index.js';
import { canSeeOffice, canSeeRegion, visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../../schemas.js';
import { EntityId, Ranking, RankingQuery, ScoreQuery, SubjectScores } from '../../../schemas-org.js';
import { daysBetween, formatDay, parseDate } from '../../../scoring/calendar.js';
import { rankSubjects, type Basis, type RankSubject } from '../../../scoring/rankings.js';
import { ScoreInputError, scoreSubject, type SubjectInfo } from '../../../scoring/scores.js';
import { countsBySpan, nameMissing } from '../../../scoring/visitors.js';
import { officeOf, type Office } from '../../../domain/organisation.js';
import type { RankRow } from '../../../domain/score.js';
import type { Store } from '../../../store/store.js';
import type { ApiDeps } from './deps.js';

const tags = ['scores'];
type Level = 'office' | 'desk' | 'employee' | 'region';

/** The subject's scoring context, or a 404 when it does not exist or is outside the caller's scope. */
async function subjectInfo(store: Store, req: FastifyRequest, level: Level, id: string): Promise<SubjectInfo> {
  const notFound = () => httpError(404, `${level} "${id}" not found`);
  if (level === 'region') {
    if (!(await store.getOrg('region', id)) || !canSeeRegion(req.principal, id)) throw notFound();
    return { subject: { level, id }, zone: null, officeIds: await store.officesInRegions([id]), deskId: null, visitorsApply: true, k: null };
  }
  const entity = await store.getOrg(level, id);
  const officeId = entity ? officeOf(level, entity) : null;
  if (!entity || !(await canSeeOffice(store, req.principal, officeId))) throw notFound();
  const office = level === 'office' ? (entity as Office) : officeId ? await store.getOrg('office', officeId) : undefined;
  return {
    subject: { level, id },
    zone: office?.timeZone ?? 'UTC',
    officeIds: office ? [office.id] : [],
    deskId: level === 'desk' ? id : null,
    visitorsApply: level !== 'employee',
    k: office?.k ?? null,
  };
}

export const scoreRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');
  const schema = { tags, querystring: ScoreQuery, response: { 200: SubjectScores, ...errorReplies } };
  const run = async (info: SubjectInfo, query: Type.Static<typeof ScoreQuery>) => {
    try {
      const scores = await scoreSubject(store, info, await store.getSettings(), query);
      return { subject: { level: info.subject.level, id: 'id' in info.subject ? info.subject.id : null }, ...scores };
    } catch (err) {
      if (err instanceof ScoreInputError || err instanceof RangeError) throw httpError(400, err.message);
      throw err;
    }
  };

  for (const [level, plural, param] of [['office', 'offices', 'officeId'], ['desk', 'desks', 'deskId'], ['employee', 'employees', 'employeeId'], ['region', 'regions', 'regionId']] as const) {
    app.get(`/${plural}/:${param}/scores`, { onRequest: allowed, config: { csv: true }, schema: { ...schema, summary: `Scores of ${level === 'office' || level === 'employee' ? 'an' : 'a'} ${level} over a period: ИНК, ИЭЛ, CSAT, coverage with 95 % intervals, buckets, breakdowns, change. Admin, manager (its scope)`, params: Type.Object({ [param]: EntityId }) } }, async (req) => {
      const id = (req.params as Record<string, string>)[param]!;
      return run(await subjectInfo(store, req, level, id), req.query);
    });
  }

  app.get('/company/scores', { onRequest: guard('admin'), config: { csv: true }, schema: { ...schema, summary: 'Scores of the whole company over a period (local dates of each office). Admin' } }, async (req) => {
    const officeIds = (await store.listOrg('office', undefined, 1_000_000)).map((o) => o.id);
    return run({ subject: { level: 'company' }, zone: null, officeIds, deskId: null, visitorsApply: true, k: null }, req.query);
  });

  app.get('/rankings', { onRequest: allowed, config: { csv: true }, schema: { tags, summary: 'Rank offices, regions, desks or employees by ИНК, ИЭЛ or CSAT on one basis; insufficient samples left out. Admin, manager (its scope)', querystring: RankingQuery, response: { 200: Ranking, ...errorReplies } } }, async (req) => {
    const { level, index } = req.query;
    const from = parseDate(req.query.from);
    const to = parseDate(req.query.to);
    if (from === undefined || to === undefined) throw httpError(400, 'from, to: local dates YYYY-MM-DD (each subject in its office time zone)');
    if (to <= from) throw httpError(400, 'to must be after from');
    if (daysBetween(from, to) > 3 * 366) throw httpError(400, 'the period may span at most 1098 days');
    const staffLevel = level === 'employee' || level === 'desk';
    const kind: PanelKind = index === 'iel' ? 'loyalty' : req.query.kind ?? (staffLevel ? 'staff' : 'office');
    if (index === 'iel' && kind !== 'loyalty') throw httpError(400, 'kind: ИЭЛ comes from loyalty panels only');
    if (index === 'ink' && kind === 'loyalty') throw httpError(400, 'kind: ИНК comes from staff or office panels');
    if (staffLevel && kind !== 'staff') throw httpError(400, `kind: ${level}s are scored on staff panels only`);
    const basis: Basis = req.query.basis ?? (index === 'ink' && !staffLevel ? 'visitors' : 'presses');
    if (basis === 'visitors' && index !== 'ink') throw httpError(400, 'basis: ИЭЛ and CSAT are shares of presses; basis=visitors applies to ИНК only');
    if (basis === 'visitors' && level === 'employee') throw httpError(400, 'basis: employees have no visitor counts; rank employees with basis=presses (B′/P), or rank desks or offices by visitors');

    const settings = await store.getSettings();
    const scope = await visibleOffices(store, req.principal);
    const visible = scope && new Set(scope);
    const offices = new Map((await store.listOrg('office', undefined, 1_000_000)).map((o) => [o.id, o]));
    const kOf = (officeId: string | null) => (officeId ? offices.get(officeId)?.k : null) ?? settings.k;
    const rows = await store.rankCounts(level === 'region' ? 'office' : level, kind, from, to);
    const counts = (r: RankRow) => ({ good: r.good, neutral: r.neutral, bad: r.bad, total: r.good + r.neutral + r.bad, excluded: r.excluded });
    let subjects: RankSubject[];
    if (level === 'employee') {
      subjects = rows.filter((r) => !visible || visible.has(r.officeId))
        .map((r) => ({ id: r.id, officeId: r.officeId, counts: counts(r), k: kOf(r.officeId), visitors: null }));
    } else if (level === 'region') {
      const byRegion = new Map<string, { counts: Counts; officeIds: string[] }>();
      for (const o of offices.values()) {
        if (o.regionId === null || !canSeeRegion(req.principal, o.regionId)) continue;
        let g = byRegion.get(o.regionId);
        if (!g) byRegion.set(o.regionId, (g = { counts: { good: 0, neutral: 0, bad: 0, total: 0, excluded: 0 }, officeIds: [] }));
        g.officeIds.push(o.id);
      }
      for (const r of rows) {
        const g = byRegion.get(offices.get(r.officeId)?.regionId ?? '');
        if (!g) continue;
        const c = counts(r);
        for (const f of ['good', 'neutral', 'bad', 'total', 'excluded'] as const) g.counts[f] += c[f];
      }
      const groups = [...byRegion].filter(([, g]) => g.counts.total + g.counts.excluded > 0);
      const known = await periodVisitors(store, groups.map(([id, g]) => ({ id, officeIds: g.officeIds, deskId: null })), from, to);
      subjects = groups.map(([id, g], i) => ({ id, officeId: null, counts: g.counts, k: settings.k, ...known[i]! }));
    } else {
      const mine = rows.filter((r) => !visible || visible.has(r.officeId));
      const known = await periodVisitors(store, mine.map((r) => ({ id: r.id, officeIds: [r.officeId], deskId: level === 'desk' ? r.id : null })), from, to);
      subjects = mine.map((r, i) => ({ id: r.id, officeId: r.officeId, counts: counts(r), k: kOf(r.officeId), ...known[i]! }));
    }
    const ranking = rankSubjects(subjects, { index, kind, basis, neutralCountsAsDissatisfied: settings.neutralCountsAsDissatisfied, minSample: settings.minSample });
    return { level, index, kind, basis, from: formatDay(from), to: formatDay(to), ...ranking };
  });
};

/**
 * Each subject's visitors over local days [from, to), by the rule of scoring/visitors.ts: office-wide
 * counts of its offices, or one desk's own counts (a desk's days needing a count are its office's).
 */
async function periodVisitors(store: Store, subjects: Array<{ id: string; officeIds: string[]; deskId: string | null }>, from: number, to: number) {
  const officeIds = [...new Set(subjects.flatMap((s) => s.officeIds))];
  if (subjects.length === 0) return [];
  const desks = subjects.some((s) => s.deskId !== null);
  const [days, entries] = await Promise.all([
    store.pressDays(officeIds, from, to),
    desks ? store.listDeskCounts('visitors', officeIds, from, to) : store.listCounts('visitors', officeIds, null, from, to),
  ]);
  const unitsOf = groupBy(days.map((d) => ({ officeId: d.officeId, at: d.day })), (u) => u.officeId);
  const entriesOf = groupBy(entries.map((c) => ({ officeId: c.officeId, start: c.day, end: c.day + 1, count: c.count, key: desks ? `${c.officeId}/${c.deskId}` : c.officeId })), (c) => c.key);
  const period = [{ start: from, end: to }];
  return subjects.map((s) => {
    const units = s.officeIds.flatMap((o) => unitsOf.get(o) ?? []);
    const counts = s.officeIds.flatMap((o) => entriesOf.get(s.deskId !== null ? `${o}/${s.deskId}` : o) ?? []);
    const [span] = countsBySpan(period, units, counts);
    return { visitors: span!.total, ...(span!.total === null ? { visitorsMissing: nameMissing(span!.missing, 'day') } : {}) };
  });
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) {
    const k = key(t);
    let g = out.get(k);
    if (!g) out.set(k, (g = []));
    g.push(t);
  }
  return out;
}
