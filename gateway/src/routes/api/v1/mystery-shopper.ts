/**
 * Mystery-shopper visits per employee (date, checklist score 0–100, notes): recorded by admins and managers
 * (their scope), shown in the employee's scores beside the same period.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ulid } from 'ulid';
import type { MysteryShop } from '../../../domain/loop.js';
import { httpError } from '../../../plugins/app/errors.js';
import { parseDate } from '../../../scoring/calendar.js';
import { errorReplies } from '../../schemas.js';
import { EntityId } from '../../schemas-org.js';
import { Visit, VisitBody } from '../../schemas-loop.js';
import { subjectInfo } from '../../subjects.js';
import type { ApiDeps } from './deps.js';

const tags = ['mystery-shopper'];
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const mysteryShopperRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');
  const params = Type.Object({ employeeId: EntityId });

  app.post(
    '/employees/:employeeId/mystery-shopper',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Record a mystery-shopper visit to an employee (date, checklist score 0–100, notes). Admin, manager (its scope)',
        params,
        body: VisitBody,
        response: { 201: Visit, ...errorReplies },
      },
    },
    async (req, reply) => {
      const { employeeId } = req.params;
      if (parseDate(req.body.date) === undefined) throw httpError(400, `date: "${req.body.date}" is not a calendar date`);
      const info = await subjectInfo(store, req, 'employee', employeeId);
      const visit: MysteryShop = {
        id: ulid(),
        employeeId,
        officeId: info.officeIds[0] ?? null,
        date: req.body.date,
        score: req.body.score,
        notes: req.body.notes ?? '',
        who: req.principal!.name,
        createdAt: new Date().toISOString(),
      };
      await store.loop.addVisit(visit);
      return reply.code(201).send(visit);
    },
  );

  app.get(
    '/employees/:employeeId/mystery-shopper',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: "An employee's mystery-shopper visits, oldest first, dates in [from, to). Admin, manager (its scope)",
        params,
        querystring: Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day) }),
        response: { 200: Type.Object({ items: Type.Array(Visit) }), ...errorReplies },
      },
    },
    async (req) => {
      await subjectInfo(store, req, 'employee', req.params.employeeId);
      return { items: await store.loop.listVisits(req.params.employeeId, req.query.from, req.query.to) };
    },
  );
};
