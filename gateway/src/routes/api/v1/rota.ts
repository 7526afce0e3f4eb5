/**
 * Rota import: a CSV of desk, employee, from, to (local times of the desk's office, or ISO with an offset),
 * checked whole — every error reported with its line — and stored all or nothing in one transaction, checked
 * for overlaps like /assignments. The duty feed then pushes whoever is on duty now to the kiosks.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ulid } from 'ulid';
import { canSeeOffice } from '../../../plugins/app/auth.js';
import { slicer } from '../../../lib/event-loop.js';
import { parseRota, ROTA_COLUMNS, rotaInstant, type RotaError } from '../../../scoring/rota.js';
import type { Assignment } from '../../../domain/organisation.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const RotaErrors = Type.Object({
  error: Type.String(),
  message: Type.String(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
});
/** Errors named in the message; the rest are in `errors`. */
const SHOWN = 20;

export const rotaRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, mqtt }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/rota',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags: ['assignments'],
        summary: `Import a rota (text/csv: ${ROTA_COLUMNS.join(', ')}; times local to the desk's office or ISO with an offset; empty to = open), all or nothing; every error with its line. Admin, manager (its offices)`,
        consumes: ['text/csv'],
        body: Type.String({ description: 'CSV; a header line naming the columns is optional' }),
        response: {
          200: Type.Object({
            created: Type.Integer(),
            unchanged: Type.Integer({ description: 'rows already stored as they are (the same rota imported again)' }),
            reattributed: Type.Integer(),
          }),
          400: RotaErrors,
          409: RotaErrors,
          401: errorReplies[401],
          403: errorReplies[403],
        },
      },
    },
    async (req, reply) => {
      const refuse = (status: 400 | 409, errors: RotaError[]) =>
        reply.code(status).send({
          error: status === 400 ? 'Bad Request' : 'Conflict',
          message: `rota refused, nothing stored: ${errors
            .slice(0, SHOWN)
            .map((e) => `line ${e.line}: ${e.message}`)
            .join('; ')}${errors.length > SHOWN ? `; and ${errors.length - SHOWN} more` : ''}`,
          errors,
        });
      const { rows, errors } = await parseRota(req.body);
      const zones = new Map<string, string | undefined>(); // desk → its office's zone (undefined: not found or hidden)
      const employees = new Map<string, boolean>();
      const list: Array<Assignment & { line: number }> = [];
      const pause = slicer();
      for (const r of rows) {
        await pause();
        if (!zones.has(r.desk)) {
          const desk = await store.getOrg('desk', r.desk);
          const office =
            desk && (await canSeeOffice(store, req.principal, desk.officeId)) ? await store.getOrg('office', desk.officeId) : undefined;
          zones.set(r.desk, office?.timeZone);
        }
        if (!employees.has(r.employee)) {
          const e = await store.getOrg('employee', r.employee);
          employees.set(r.employee, !!e && (await canSeeOffice(store, req.principal, e.officeId ?? null)));
        }
        const zone = zones.get(r.desk);
        if (!zone) errors.push({ line: r.line, message: `desk: desk "${r.desk}" not found` });
        if (!employees.get(r.employee)) errors.push({ line: r.line, message: `employee: employee "${r.employee}" not found` });
        if (!zone) continue;
        const from = rotaInstant(r.from, zone);
        const to = r.to === '' ? null : rotaInstant(r.to, zone);
        if (typeof from === 'string') errors.push({ line: r.line, message: `from: ${from}` });
        if (typeof to === 'string') errors.push({ line: r.line, message: `to: ${to}` });
        if (typeof from !== 'number' || typeof to === 'string') continue;
        if (to !== null && to <= from) {
          errors.push({ line: r.line, message: `to: must be after from (${r.from} – ${r.to})` });
          continue;
        }
        list.push({ id: ulid(), line: r.line, deskId: r.desk, employeeId: r.employee, from, to });
      }
      if (errors.length)
        return refuse(
          400,
          errors.sort((a, b) => a.line - b.line),
        );
      const result = await store.importAssignments(list);
      if (!result.ok) return refuse(409, result.problems);
      req.log.info({ created: result.created, unchanged: result.unchanged, reattributed: result.reattributed }, 'rota imported');
      await mqtt.duty.refresh(); // who is on duty now, at once rather than at the next poll
      const { ok: _, ...out } = result;
      return out;
    },
  );
};
