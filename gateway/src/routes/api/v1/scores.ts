/** Scores per subject and period, and rankings; admin sees all, a manager only its offices and regions. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { visibleOffices, visibleRegions } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { compareWithReference } from '../../../scoring/loop.js';
import { errorReplies } from '../../schemas.js';
import { EntityId, Ranking, RankingQuery, ScoreQuery, SubjectScores } from '../../schemas-org.js';
import { formatDay, previousDates } from '../../../scoring/calendar.js';
import { rankingRequest } from '../../../scoring/rankings.js';
import { companySubject, ScoreInputError, type SubjectInfo, type SubjectScores as Scores } from '../../../scoring/scores.js';
import { ranking, subjectScores } from '../../../store/scores.js';
import type { Store } from '../../../store/store.js';
import type { MysteryShop } from '../../../domain/loop.js';
import { businessTypeOf, subjectInfo } from '../../subjects.js';
import type { ApiDeps } from './deps.js';

const tags = ['scores'];

/** Runs the core on the caller's query: what it refuses is the caller's mistake, a 400 in its words. */
async function fromQuery<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ScoreInputError || err instanceof RangeError) throw httpError(400, err.message);
    throw err;
  }
}

/**
 * The closed loop beside the scores: the period's total against the current reference version of the
 * subject's business type (when one is set and has values), and for employees the mystery-shopper visits
 * dated within the period (its local dates).
 */
async function closedLoop(store: Store, info: SubjectInfo, scores: Scores) {
  const type = await businessTypeOf(store, info.officeIds);
  const ref = type === null ? undefined : await store.loop.currentReference(type);
  const out: { reference?: ReturnType<typeof compareWithReference>; mysteryShopper?: { visits: MysteryShop[]; meanScore: number | null } } =
    {};
  if (ref) out.reference = compareWithReference(scores.total.scores, ref);
  if (info.subject.level === 'employee') {
    const day = (iso: string | undefined, fallback: string) => (iso ?? fallback).slice(0, 10);
    const visits = await store.loop.listVisits(
      info.subject.id,
      day(scores.total.localStart, scores.from),
      day(scores.total.localEnd, scores.to),
    );
    const mean = visits.length ? visits.reduce((sum, v) => sum + v.score, 0) / visits.length : null;
    out.mysteryShopper = { visits, meanScore: mean };
  }
  return out;
}

export const scoreRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');
  const schema = { tags, querystring: ScoreQuery, response: { 200: SubjectScores, ...errorReplies } };
  const run = async (info: SubjectInfo, query: Type.Static<typeof ScoreQuery>) => {
    const scores = await fromQuery(() => subjectScores(store, info, query));
    return {
      subject: { level: info.subject.level, id: 'id' in info.subject ? info.subject.id : null },
      ...scores,
      ...(await closedLoop(store, info, scores)),
    };
  };

  for (const [level, plural, param] of [
    ['office', 'offices', 'officeId'],
    ['desk', 'desks', 'deskId'],
    ['employee', 'employees', 'employeeId'],
    ['region', 'regions', 'regionId'],
  ] as const) {
    app.get(
      `/${plural}/:${param}/scores`,
      {
        onRequest: allowed,
        config: { csv: true },
        schema: {
          ...schema,
          summary: `Scores of ${level === 'office' || level === 'employee' ? 'an' : 'a'} ${level} over a period: ИНК, ИЭЛ, CSAT, coverage with 95 % intervals, buckets, breakdowns, change. Admin, manager (its scope)`,
          params: Type.Object({ [param]: EntityId }),
        },
      },
      async (req) => {
        const id = (req.params as Record<string, string>)[param]!;
        return run(await subjectInfo(store, req, level, id), req.query);
      },
    );
  }

  app.get(
    '/company/scores',
    {
      onRequest: guard('admin'),
      config: { csv: true },
      schema: { ...schema, summary: 'Scores of the whole company over a period (local dates of each office). Admin' },
    },
    async (req) => {
      const officeIds = (await store.listOrg('office', undefined, 1_000_000)).map((o) => o.id);
      return run(companySubject(officeIds), req.query);
    },
  );

  app.get(
    '/rankings',
    {
      onRequest: allowed,
      config: { csv: true },
      schema: {
        tags,
        summary:
          'Rank offices, regions, desks or employees by ИНК, ИЭЛ or CSAT on one basis; insufficient samples left out. Admin, manager (its scope)',
        querystring: RankingQuery,
        response: { 200: Ranking, ...errorReplies },
      },
    },
    async (req) => {
      const r = await fromQuery(() => rankingRequest(req.query));
      const visible = await visibleOffices(store, req.principal);
      const { office } = req.query;
      if (office !== undefined) {
        if (r.level === 'region') throw httpError(400, 'office: ranks offices, desks or employees within an office, not regions');
        // Out of scope reads as missing, as for GET /offices/:id.
        if (!(await store.getOrg('office', office)) || (visible && !visible.includes(office))) {
          throw httpError(404, `office "${office}" not found`);
        }
      }
      const result = await ranking(store, r, {
        offices: office === undefined ? visible : [office],
        regions: visibleRegions(req.principal),
      });
      const previous = r.change ? previousDates(r.from, r.to) : undefined;
      return {
        level: r.level,
        index: r.index,
        kind: r.kind,
        basis: r.basis,
        from: formatDay(r.from),
        to: formatDay(r.to),
        ...(previous ? { previous: { from: formatDay(previous.start), to: formatDay(previous.end) } } : {}),
        ...result,
      };
    },
  );
};
