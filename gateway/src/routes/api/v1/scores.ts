/** Scores per subject and period, and rankings; admin sees all, a manager only its offices and regions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { scoreCounts, type PanelKind } from '../../../../../shared/src/index.js';
import { canSeeOffice, canSeeRegion, visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../../schemas.js';
import { EntityId, Ranking, RankingQuery, ScoreQuery, SubjectScores } from '../../../schemas-org.js';
import { daysBetween, formatDay, parseDate } from '../../../scoring/calendar.js';
import { ScoreInputError, scoreSubject, type SubjectInfo } from '../../../scoring/scores.js';
import type { Office } from '../../../store/org.js';
import type { Store } from '../../../store/store.js';
import { officeOf } from './org.js';
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
    app.get(`/${plural}/:${param}/scores`, { onRequest: allowed, config: { csv: true }, schema: { ...schema, params: Type.Object({ [param]: EntityId }) } }, async (req) => {
      const id = (req.params as Record<string, string>)[param]!;
      return run(await subjectInfo(store, req, level, id), req.query);
    });
  }

  app.get('/company/scores', { onRequest: guard('admin'), config: { csv: true }, schema }, async (req) => {
    const officeIds = (await store.listOrg('office', undefined, 1_000_000)).map((o) => o.id);
    return run({ subject: { level: 'company' }, zone: null, officeIds, deskId: null, visitorsApply: true, k: null }, req.query);
  });

  app.get('/rankings', { onRequest: allowed, config: { csv: true }, schema: { tags, querystring: RankingQuery, response: { 200: Ranking, ...errorReplies } } }, async (req) => {
    const { level, index } = req.query;
    const from = parseDate(req.query.from);
    const to = parseDate(req.query.to);
    if (from === undefined || to === undefined) throw httpError(400, 'from, to: local dates YYYY-MM-DD (each subject in its office time zone)');
    if (to <= from) throw httpError(400, 'to must be after from');
    if (daysBetween(from, to) > 3 * 366) throw httpError(400, 'the period may span at most 1098 days');
    const kind: PanelKind = index === 'iel' ? 'loyalty' : req.query.kind ?? (level === 'employee' ? 'staff' : 'office');
    if (index === 'iel' && kind !== 'loyalty') throw httpError(400, 'kind: ИЭЛ comes from loyalty panels only');
    if (index === 'ink' && kind === 'loyalty') throw httpError(400, 'kind: ИНК comes from staff or office panels');
    if (level === 'employee' && kind !== 'staff') throw httpError(400, 'kind: employees are scored on staff panels only');
    const settings = await store.getSettings();
    const scope = await visibleOffices(store, req.principal);
    const visible = scope && new Set(scope);
    const offices = new Map((await store.listOrg('office', undefined, 1_000_000)).map((o) => [o.id, o]));
    const visitors = new Map<string, number>();
    if (level === 'office' && index === 'ink') {
      for (const c of await store.listCounts('visitors', [...offices.keys()], null, from, to)) visitors.set(c.officeId, (visitors.get(c.officeId) ?? 0) + c.count);
    }
    let leftOut = 0;
    const ranked = [];
    for (const r of await store.rankCounts(level, kind, from, to)) {
      if (visible && !visible.has(r.officeId)) continue;
      const counts = { good: r.good, neutral: r.neutral, bad: r.bad, total: r.good + r.neutral + r.bad, excluded: r.excluded };
      const k = offices.get(r.officeId)?.k ?? settings.k;
      const v = visitors.get(r.id);
      const score = scoreCounts(counts, { panelKind: kind, settings: { ...settings, k }, ...(v !== undefined ? { visitors: v } : {}) });
      const estimate = score[index];
      if (!score.sufficient || !estimate) {
        if (counts.total > 0 || counts.excluded > 0) leftOut++;
        continue;
      }
      ranked.push({ id: r.id, officeId: r.officeId, value: estimate.value, ci95: estimate.ci95, n: estimate.n, counts });
    }
    // Lower dissatisfaction ranks first; for ИЭЛ and CSAT higher is better. Ties by id, so the order is stable.
    ranked.sort((a, b) => (index === 'ink' ? a.value - b.value : b.value - a.value) || (a.id < b.id ? -1 : 1));
    return { level, index, kind, from: formatDay(from), to: formatDay(to), items: ranked.map((r, i) => ({ rank: i + 1, ...r })), leftOut };
  });
};
