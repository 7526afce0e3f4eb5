/**
 * Interventions (corrective actions) and their effect: the before/after comparison of the subject's scores
 * over equal windows either side of the date (scoring/loop.ts). Admins and managers (their scope) write and read.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ulid } from 'ulid';
import type { Intervention as InterventionRecord } from '../../../domain/loop.js';
import { visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { parseDate } from '../../../scoring/calendar.js';
import { compareWindows, DEFAULT_WINDOW_DAYS, interventionWindows } from '../../../scoring/loop.js';
import { subjectScores } from '../../../store/scores.js';
import { errorReplies } from '../../schemas.js';
import { Effect, EffectQuery, Intervention, InterventionBody, InterventionQuery } from '../../schemas-loop.js';
import { subjectInfo } from '../../subjects.js';
import type { ApiDeps } from './deps.js';

const tags = ['interventions'];
const NOT_ENOUGH = 'not enough data yet: a window has fewer counted presses than minSample';

export const interventionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');

  /** The intervention, if it exists and its subject is within the caller's scope (else 404). */
  const find = async (req: Parameters<typeof subjectInfo>[1], id: string): Promise<InterventionRecord> => {
    const found = await store.loop.getIntervention(id);
    const visible = await visibleOffices(store, req.principal);
    if (!found || (visible && (found.officeId === null || !visible.includes(found.officeId))))
      throw httpError(404, `intervention "${id}" not found`);
    return found;
  };

  app.post(
    '/interventions',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary:
          'Record a corrective action (training, process/product change, premises) on an employee, desk or office. Admin, manager (its scope)',
        body: InterventionBody,
        response: { 201: Intervention, ...errorReplies },
      },
    },
    async (req, reply) => {
      const { subject, date, kind, description } = req.body;
      if (parseDate(date) === undefined) throw httpError(400, `date: "${date}" is not a calendar date`);
      const info = await subjectInfo(store, req, subject.level, subject.id);
      const record: InterventionRecord = {
        id: ulid(),
        subject,
        officeId: info.officeIds[0] ?? null,
        date,
        kind,
        description,
        who: req.principal!.name,
        createdAt: new Date().toISOString(),
      };
      await store.loop.addIntervention(record);
      return reply.code(201).send(record);
    },
  );

  app.get(
    '/interventions',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary:
          "Interventions, newest date first; filter by subject (level, id) and by office (`officeId`: its own, its desks' and its employees'). Admin, manager (its scope)",
        querystring: InterventionQuery,
        response: { 200: Type.Object({ items: Type.Array(Intervention) }), ...errorReplies },
      },
    },
    async (req) => {
      const { level, id, officeId, limit } = req.query;
      const items = await store.loop.listInterventions(
        { ...(level ? { level } : {}), ...(id ? { id } : {}), ...(officeId ? { officeId } : {}) },
        await visibleOffices(store, req.principal),
        limit,
      );
      return { items };
    },
  );

  app.get(
    '/interventions/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'One intervention. Admin, manager (its scope)',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Intervention, ...errorReplies },
      },
    },
    async (req) => find(req, req.params.id),
  );

  app.get(
    '/interventions/:id/effect',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary:
          "Before/after: the subject's indices over `days` before the date and `days` after it (the day itself in neither), with 95 % intervals, the difference and a significance test. Admin, manager (its scope)",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: EffectQuery,
        response: { 200: Effect, ...errorReplies },
      },
    },
    async (req) => {
      const intervention = await find(req, req.params.id);
      const days = req.query.days ?? DEFAULT_WINDOW_DAYS;
      const info = await subjectInfo(store, req, intervention.subject.level, intervention.subject.id);
      const windows = interventionWindows(intervention.date, days);
      const [before, after, settings] = await Promise.all([
        subjectScores(store, info, { ...windows.before, bucket: 'none' }),
        subjectScores(store, info, { ...windows.after, bucket: 'none' }),
        store.getSettings(),
      ]);
      const effect = compareWindows(before.total.scores, after.total.scores, settings.minSample);
      const kinds = Object.fromEntries(
        Object.entries(effect).map(([kind, e]) => [kind, e.status === 'ok' ? e : { ...e, message: NOT_ENOUGH }]),
      );
      return { intervention, days, windows, kinds };
    },
  );
};
