/** The printable results poster of an office and period: one A4 HTML page. Admin, manager (its scope). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { officeFigures } from '../../../delivery/reports.js';
import { posterHtml } from '../../../domain/report-render.js';
import { canSeeOffice } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { ScoreInputError } from '../../../scoring/scores.js';
import { errorReplies } from '../../schemas.js';
import { OfficeParams } from '../../schemas-org.js';
import type { ApiDeps } from './deps.js';

const Query = Type.Object({
  from: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (inclusive)' }),
  to: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (exclusive)' }),
  lang: Type.Union([Type.Literal('en'), Type.Literal('ru')], { default: 'en' }),
});

export const reportRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  app.get(
    '/offices/:officeId/poster',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags: ['scores'],
        summary: 'A printable one-page A4 results poster (HTML): ИНК with 95 % intervals, coverage, CSAT. Admin, manager (its scope)',
        params: OfficeParams,
        querystring: Query,
        produces: ['text/html'],
        response: { 200: Type.String({ description: 'text/html' }), ...errorReplies },
      },
    },
    async (req, reply) => {
      const office = await store.getOrg('office', req.params.officeId);
      if (!office || !(await canSeeOffice(store, req.principal, office.id)))
        throw httpError(404, `office "${req.params.officeId}" not found`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(req.query.from) || !/^\d{4}-\d{2}-\d{2}$/.test(req.query.to))
        throw httpError(400, 'from, to: local dates YYYY-MM-DD (to exclusive)');
      let figures: Awaited<ReturnType<typeof officeFigures>>;
      try {
        figures = await officeFigures(store, office, req.query.from, req.query.to);
      } catch (err) {
        if (err instanceof ScoreInputError || err instanceof RangeError) throw httpError(400, err.message);
        throw err;
      }
      return reply.type('text/html; charset=utf-8').send(posterHtml(figures, req.query.lang));
    },
  );
};
